import Foundation
import XCTest
import ModelFiles

/// The Hugging Face view of GGUF files against the original Hugging Face tensors the fixture
/// script wrote them from (Llama Q/K rows permuted exactly as convert_hf_to_gguf.py does).
final class GGUFCheckpointTests: XCTestCase {
    func checkAgainstOriginals(architecture: String, layers: Int) throws {
        let checkpoint = try GGUFCheckpoint(url: Fixtures.url("tiny-\(architecture).gguf.fixture"))
        XCTAssertEqual(checkpoint.architecture, architecture)
        let reference = try SafetensorsFile(url: Fixtures.url("tiny-models.reference.safetensors"))
        let prefix = architecture + "/"
        let originals = reference.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        XCTAssertEqual(originals.count, 3 + 12 * layers)
        XCTAssertEqual(checkpoint.tensorNames, originals.sorted())
        for name in originals {
            XCTAssertEqual(try checkpoint.info(name).shape, try reference.info(prefix + name).shape, name)
            assertBitIdentical(try checkpoint.floats(name), try reference.floats(prefix + name), "\(architecture) \(name)")
        }
    }

    func testLlamaQKRowsAreRestoredToHuggingFaceOrder() throws {
        try checkAgainstOriginals(architecture: "llama", layers: 2)
    }

    func testQwen2IsOnlyRenamed() throws {
        try checkAgainstOriginals(architecture: "qwen2", layers: 1)
    }

    func testLlamaStoredRowsReallyArePermuted() throws {
        // Guards the test above: the GGUF file itself must differ from HF order, or a
        // checkpoint that forgot to un-permute would pass too.
        let checkpoint = try GGUFCheckpoint(url: Fixtures.url("tiny-llama.gguf.fixture"))
        let reference = try SafetensorsFile(url: Fixtures.url("tiny-models.reference.safetensors"))
        for (hf, gguf) in [("model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight"),
                           ("model.layers.0.self_attn.k_proj.weight", "blk.0.attn_k.weight"),
                           ("model.layers.0.self_attn.q_proj.bias", "blk.0.attn_q.bias")] {
            XCTAssertEqual(checkpoint.ggufName(for: hf), gguf)
            XCTAssertNotEqual(try checkpoint.file.floats(gguf), try reference.floats("llama/" + hf), gguf)
        }
    }

    func testNameMapping() {
        let cases = [
            "token_embd.weight": "model.embed_tokens.weight",
            "output_norm.weight": "model.norm.weight",
            "output.weight": "lm_head.weight",
            "blk.0.attn_norm.weight": "model.layers.0.input_layernorm.weight",
            "blk.12.attn_q.weight": "model.layers.12.self_attn.q_proj.weight",
            "blk.3.attn_q.bias": "model.layers.3.self_attn.q_proj.bias",
            "blk.3.attn_k.bias": "model.layers.3.self_attn.k_proj.bias",
            "blk.3.attn_v.weight": "model.layers.3.self_attn.v_proj.weight",
            "blk.3.attn_output.weight": "model.layers.3.self_attn.o_proj.weight",
            "blk.7.ffn_norm.weight": "model.layers.7.post_attention_layernorm.weight",
            "blk.7.ffn_gate.weight": "model.layers.7.mlp.gate_proj.weight",
            "blk.7.ffn_up.weight": "model.layers.7.mlp.up_proj.weight",
            "blk.7.ffn_down.weight": "model.layers.7.mlp.down_proj.weight",
        ]
        for (gguf, hf) in cases {
            XCTAssertEqual(GGUFCheckpoint.huggingFaceName(forGGUFName: gguf), hf, gguf)
        }
        for unmapped in ["rope_freqs.weight", "blk.x.attn_q.weight", "blk.1.attn_q.scale", "blk.1.unknown.weight"] {
            XCTAssertNil(GGUFCheckpoint.huggingFaceName(forGGUFName: unmapped), unmapped)
        }
    }

    func testUnknownArchitectureIsRefused() throws {
        assertModelFileError(try GGUFCheckpoint(url: Fixtures.url("quant-types.gguf.fixture"))) {
            guard case .unsupportedArchitecture(let path, "fixture") = $0 else { return false }
            return path.hasSuffix("quant-types.gguf.fixture") && $0.description.contains("qwen2")
        }
    }

    func testOpenWeightSourcePicksTheAdapterForGGUF() throws {
        let source = try openWeightSource(Fixtures.url("tiny-qwen2.gguf.fixture"))
        XCTAssertTrue(source is GGUFCheckpoint)
        XCTAssertTrue(source.contains("model.layers.0.self_attn.q_proj.bias"))
        XCTAssertEqual(try source.info("lm_head.weight").shape, [4, 32])
    }
}
