import Foundation
import GRPOCore
import LanguageModel
import ModelFiles
import TestSupport
import Tokenization
import Training
import XCTest
@testable import GRPORun

/// `grpo export` writes a merged model that loads as an HF directory and computes what the
/// base model with the adapter computes.
final class ModelExportTests: XCTestCase {
    func testMergedExportMatchesAdapterLogProbs() throws {
        let base = try Fixtures.model("tiny-llama")
        let adapterDir = try Fixtures.usable(Fixtures.training.appendingPathComponent("trained/adapter"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-export-\(UUID().uuidString)")
        try ModelExport.export(model: base, adapter: adapterDir, to: out)

        let source = try SafetensorsCheckpoint(url: base)
        let exported = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(exported.tensorNames), Set(source.tensorNames), "the HF tensor names of the source")

        let decoder = try ModelLoader.load(base).decoder
        let adapter = try PEFTAdapterFiles.load(from: adapterDir, modelConfig: decoder.config)
        let groups = try RolloutGroup.readJSONLines(Fixtures.training.appendingPathComponent("tiny-llama/batch.jsonl").path,
                                                    vocabularySize: decoder.config.vocabSize)
        let packed = PackedSequences(groups: groups.map { ($0.promptIDs, $0.completions.map(\.ids)) })
        let expected = PolicyModel(base: decoder, adapter: adapter).logProbs(packed, useAdapter: true)
        let merged = SequenceScorer(decoder: try ModelLoader.load(out).decoder)
        let sequences = groups.flatMap { g in g.completions.map { g.promptIDs + $0.ids } }
        let scores = merged.score(sequences)
        var k = 0, worst: Float = 0
        for g in groups {
            for c in g.completions {
                for t in 0..<c.ids.count {
                    worst = max(worst, abs(scores[k][g.promptIDs.count - 1 + t] - expected[packed.completionTargets[k].lowerBound + t]))
                }
                k += 1
            }
        }
        XCTAssertLessThan(worst, 1e-4)
    }

    /// The tokenizer written from GGUF metadata encodes as the GGUF tokenizer does
    /// (needs the fetched Qwen2.5 GGUF; skipped without it).
    func testTokenizerFromGGUFRoundTrips() throws {
        let path = Fixtures.downloadedModels.appendingPathComponent("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path.path), "Scripts/fetch-model.sh not run")
        let metadata = try GGUFFile(url: path).metadata
        let files = try TokenizerJSONExport.files(ggufMetadata: metadata, maxLength: 32768)
        let fromJSON = try BPETokenizer(tokenizerJSONData: files.tokenizer, source: "exported tokenizer.json")
        let fromGGUF = try BPETokenizer(ggufMetadata: metadata)
        for text in ["Hello, world! 12345 apples", "小明有12个苹果。<think>\n推理\n</think>", "<|im_start|>user\nhi<|im_end|>\n",
                     "  spaces\t\ttabs\n\nnewlines  ", "naïve café 😀 ' s'll"] {
            XCTAssertEqual(fromJSON.encode(text), fromGGUF.encode(text), text)
        }
        let config = try JSONSerialization.jsonObject(with: files.config) as! [String: Any]
        XCTAssertEqual(config["eos_token"] as? String, "<|im_end|>")
        XCTAssertNotNil(config["chat_template"])
    }
}
