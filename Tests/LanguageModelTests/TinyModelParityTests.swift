import Foundation
import XCTest
@testable import LanguageModel
import Tensors
import TestSupport

/// The decoder against transformers on tiny random Qwen2 and Llama checkpoints, loaded from
/// every supported container: float32 safetensors, sharded float16 safetensors, and GGUF
/// (Q8_0; F16 with llama.cpp's Q/K permutation).
final class TinyModelParityTests: XCTestCase {
    static let checkpoints = ["tiny-qwen2", "tiny-llama", "tiny-qwen2.gguf.fixture", "tiny-llama.gguf.fixture"]

    func reference(_ name: String) -> [String: Any] { Fixtures.reference[name] as! [String: Any] }

    func load(_ name: String) throws -> LoadedDecoder {
        try ModelLoader.load(try Fixtures.model(name))
    }

    func testLogitsMatchTransformers() throws {
        for name in Self.checkpoints {
            let model = try load(name)
            let vocab = model.config.vocabSize
            for case let seq as [String: Any] in reference(name)["sequences"] as! [Any] {
                let ids = (seq["ids"] as! [Any]).int32s
                let expected = (seq["logits"] as! [Any]).floats
                let cache = KVCache(config: model.config, capacity: ids.count)
                let rows = cache.allocate(ids.count)
                let workspace = DecoderWorkspace()   // owns `hidden`
                let hidden = model.decoder.forward(TokenSlot.causal([ids], rows: [rows]), cache: cache,
                                                   workspace: workspace)
                let logits = FloatBuffer(count: ids.count * vocab)
                model.decoder.logits(hidden: hidden, rows: ids.count, into: logits.pointer)
                let maxError = zip(logits.toArray(), expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(maxError, 1e-4, "\(name) logits for \(ids)")
                withExtendedLifetime(workspace) {}
            }
        }
    }

    func testScoredLogprobsMatchTransformers() throws {
        for name in Self.checkpoints {
            let model = try load(name)
            let refs = (reference(name)["sequences"] as! [[String: Any]])
            let sequences = refs.map { ($0["ids"] as! [Any]).int32s }
            let scorer = SequenceScorer(decoder: model.decoder)
            for rowsPerForward in [1000, 5] {   // packed together, and one sequence per forward
                scorer.maxRowsPerForward = rowsPerForward
                scorer.logitRows = 3
                let scored = scorer.score(sequences)
                for (ref, got) in zip(refs, scored) {
                    let expected = (ref["logprobs"] as! [Any]).floats
                    XCTAssertEqual(got.count, expected.count)
                    let maxError = zip(got, expected).map { abs($0 - $1) }.max()!
                    XCTAssertLessThan(maxError, 1e-4, "\(name) logprobs")
                }
            }
        }
    }

    /// Greedy decoding through the KV cache, with two prompts and three samples each in one
    /// batch (shared prompt rows, finished rows leaving), equals transformers' greedy generate.
    func testGreedyGroupsMatchTransformers() throws {
        for name in Self.checkpoints {
            let model = try load(name)
            let greedy = reference(name)["greedy"] as! [String: Any]
            let prompt = (greedy["prompt"] as! [Any]).int32s
            let expected = (greedy["continuation"] as! [Any]).int32s
            let generator = GroupGenerator(decoder: model.decoder, stopTokens: [])
            let other: [Int32] = [9, 1, 88]
            let groups = generator.generate(prompts: [prompt, other], groupSize: 3,
                                            parameters: SamplingParameters(temperature: 0, maxTokens: expected.count))
            for completion in groups[0] {
                XCTAssertEqual(completion.ids, expected, "\(name) greedy continuation")
                XCTAssertEqual(completion.finishReason, .length)
            }
            // The sampled-token logprobs equal teacher-forced scores of the same sequence.
            let scored = SequenceScorer(decoder: model.decoder).score([prompt + expected])[0]
            let tail = Array(scored.suffix(expected.count))
            let maxError = zip(groups[0][0].logprobs, tail).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(maxError, 1e-4, "\(name) sampling logprobs vs scoring")
        }
    }

    func testStopTokenEndsCompletion() throws {
        let model = try load("tiny-qwen2")
        let greedy = reference("tiny-qwen2")["greedy"] as! [String: Any]
        let prompt = (greedy["prompt"] as! [Any]).int32s
        let expected = (greedy["continuation"] as! [Any]).int32s
        let stop = expected[3]
        let firstStop = expected.firstIndex(of: stop)!
        let generator = GroupGenerator(decoder: model.decoder, stopTokens: [stop])
        let out = generator.generate(prompts: [prompt], groupSize: 2,
                                     parameters: SamplingParameters(temperature: 0, maxTokens: 12))
        XCTAssertEqual(out[0][0].ids, Array(expected[...firstStop]))
        XCTAssertEqual(out[0][0].finishReason, .stop)
    }
}
