import Foundation
import LanguageModel
import Tensors
import XCTest
@testable import Training

/// Inference and training run the same decoder layer (`DecoderModel.forwardLayer`) with
/// different hooks: decoding through a KV cache one token per forward, and the training
/// forward over a packed batch attending to its own rows, give the same log-probabilities.
final class ForwardAgreementTests: XCTestCase {
    /// Each prompt is decoded one token at a time into the cache; each completion then one
    /// token at a time attending to the prompt's rows as a shared prefix, as rollouts decode.
    /// The two paths differ only in the GEMM routine a row count selects (SmallBatchLinear for
    /// one row, BLAS for the batch), so they agree to float rounding.
    func testCachedDecodingMatchesTrainingForward() throws {
        for model in ["tiny-qwen2", "tiny-llama"] {
            let fixture = try TrainingFixture(model)
            let decoder = fixture.decoder
            let vocab = decoder.config.vocabSize
            let packed = PackedSequences(groups: fixture.groups.map { ($0.promptIDs, $0.completions.map(\.ids)) })
            let training = PolicyModel(base: decoder, adapter: try fixture.adapter()).logProbs(packed, useAdapter: false)

            let workspace = DecoderWorkspace()
            let logits = FloatBuffer(count: vocab)
            /// log p(next | the token in `slot` and the rows it attends to)
            func logProb(_ slot: TokenSlot, cache: KVCache, next: Int32) -> Float {
                let hidden = decoder.forward([slot], cache: cache, workspace: workspace)
                decoder.logits(hidden: hidden, rows: 1, into: logits.pointer)
                return logits.pointer[Int(next)] - FastMath.logSumExp(logits.pointer, vocab)
            }

            var k = 0
            var worst: Float = 0
            for group in fixture.groups {
                let prompt = group.promptIDs
                let capacity = prompt.count + group.completions.reduce(0) { $0 + $1.ids.count }
                let cache = KVCache(config: decoder.config, capacity: capacity)
                let promptRows = cache.allocate(prompt.count)
                for (i, token) in prompt.dropLast().enumerated() {
                    _ = decoder.forward([TokenSlot(token: token, position: i, cacheRow: promptRows.lowerBound + i,
                                                   ownStart: promptRows.lowerBound)], cache: cache, workspace: workspace)
                }
                // The prompt's last row predicts every completion's first token; it is run
                // once per completion into a row of the completion's own.
                for completion in group.completions {
                    let ids = completion.ids
                    let own = cache.allocate(ids.count)
                    let flat = packed.completionTargets[k]
                    XCTAssertEqual(flat.count, ids.count)
                    for t in 0..<ids.count {
                        let slot = t == 0
                            ? TokenSlot(token: prompt.last!, position: prompt.count - 1, cacheRow: own.lowerBound,
                                        prefix: promptRows.lowerBound..<(promptRows.upperBound - 1), ownStart: own.lowerBound)
                            : TokenSlot(token: ids[t - 1], position: prompt.count - 1 + t, cacheRow: own.lowerBound + t,
                                        prefix: promptRows.lowerBound..<(promptRows.upperBound - 1), ownStart: own.lowerBound)
                        let inference = logProb(slot, cache: cache, next: ids[t])
                        let expected = training[flat.lowerBound + t]
                        worst = max(worst, abs(inference - expected))
                        XCTAssertEqual(inference, expected, accuracy: 1e-5, "\(model) completion \(k) token \(t)")
                    }
                    k += 1
                }
            }
            XCTAssertEqual(k, packed.completionTargets.count)
            print("\(model): cached decoding vs training forward, max |Δlogp| \(worst)")
        }
    }
}
