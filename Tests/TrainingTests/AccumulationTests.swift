import Foundation
import GRPOCore
import LanguageModel
import Tensors
import XCTest
@testable import Training

/// How a batch is split into micro-batches, and whether activations are recomputed, must not
/// change the loss or its gradient, except where TRL's definition says it does (bnpo).
final class AccumulationTests: XCTestCase {
    /// Float rounding of sums taken in a different order; a real dependence on the split
    /// (a weight normalised per micro-batch) shows at the 1e-2 level.
    static let tolerance = 1e-5

    /// For grpo, dr_grpo and dapo every completion's weight is fixed over the whole batch
    /// before the split, so micro-batches of 1, 3 and 4 completions accumulate to the loss and
    /// gradient of one micro-batch holding everything, with and without truncation masking;
    /// so do four micro-batches of a batch four times as large.
    func testMicroBatchesAccumulateToTheWholeBatch() throws {
        var worstLoss = 0.0, worstGradient = 0.0
        for model in ["tiny-qwen2", "tiny-llama"] {
            let fixture = try TrainingFixture(model)
            let big = Array(repeating: fixture.groups, count: 4).flatMap { $0 }
            let bigCount = big.reduce(0) { $0 + $1.completions.count }
            for lossType in [LossType.grpo, .drGRPO, .dapo] {
                for masked in [false, true] {
                    var settings = GRPOSettings()
                    settings.lossType = lossType
                    settings.beta = 0.04
                    if masked { settings.maxCompletionLength = 6; settings.maskTruncatedCompletions = true }
                    let cases = [(fixture.groups, [1, 3, 4], 64), (big, [bigCount / 4], bigCount)]
                    for (groups, sizes, wholeSize) in cases {
                        let whole = try run(fixture, settings, groups, microBatchSize: wholeSize)
                        XCTAssertEqual(whole.batch.microBatches.count, 1)
                        for size in sizes {
                            let split = try run(fixture, settings, groups, microBatchSize: size)
                            let context = "\(model) \(lossType) masked \(masked) \(groups.count) groups, micro-batch \(size)"
                            XCTAssertGreaterThan(split.batch.microBatches.count, 1, context)
                            let lossError = Double(abs(split.metrics.loss - whole.metrics.loss)) / Double(abs(whole.metrics.loss))
                            let gradientError = relativeError(split.gradient, whole.gradient)
                            worstLoss = max(worstLoss, lossError)
                            worstGradient = max(worstGradient, gradientError)
                            XCTAssertLessThan(lossError, Self.tolerance, "\(context) loss")
                            XCTAssertLessThan(gradientError, Self.tolerance, "\(context) gradient")
                            XCTAssertEqual(split.metrics.tokens, whole.metrics.tokens, context)
                            XCTAssertEqual(split.metrics.kl, whole.metrics.kl, accuracy: 1e-5 * whole.metrics.kl, context)
                            XCTAssertEqual(split.metrics.clipRatioRegion, whole.metrics.clipRatioRegion, context)
                        }
                    }
                }
            }
        }
        print("micro-batch accumulation: worst relative loss error \(worstLoss), gradient \(worstGradient)")
    }

    /// bnpo is TRL's per-micro-batch token mean, averaged over the micro-batches by gradient
    /// accumulation: L = (1/M) Σ_m Σ_{t∈m} ℓ_t / T_m. Checked against that sum taken by hand
    /// from the per-token terms, and shown to differ from the one-batch value when the
    /// micro-batches hold different numbers of tokens.
    func testBNPOAveragesMicroBatchTokenMeans() throws {
        let fixture = try TrainingFixture("tiny-qwen2")
        var settings = GRPOSettings()
        settings.lossType = .bnpo
        settings.beta = 0.04
        let whole = try run(fixture, settings, fixture.groups, microBatchSize: 64)
        let objective = TokenObjective(settings: settings)
        for size in [3, 4] {
            let split = try run(fixture, settings, fixture.groups, microBatchSize: size)
            let batch = split.batch, baselines = split.baselines
            var expected = 0.0
            var tokenCounts: [Int] = []
            for mb in batch.microBatches {
                let logp = split.policy.logProbs(mb.packed, useAdapter: true)
                var sum = 0.0
                for (j, k) in mb.completions.enumerated() {
                    for (p, t) in mb.packed.completionTargets[j].enumerated() {
                        sum += Double(objective.term(logp: logp[t], old: baselines.old[k]?[p] ?? logp[t],
                                                     ref: baselines.reference![k][p],
                                                     advantage: batch.completions[k].advantage, importanceWeight: 1).loss)
                    }
                }
                let tokens = mb.packed.targetCount
                tokenCounts.append(tokens)
                expected += sum / Double(tokens)
            }
            expected /= Double(batch.microBatches.count)
            XCTAssertGreaterThan(Set(tokenCounts).count, 1, "the micro-batches should differ in token count")
            let loss = Double(split.metrics.loss)
            XCTAssertEqual(loss, expected, accuracy: Self.tolerance * abs(expected), "micro-batch \(size)")
            let departure = abs(loss - Double(whole.metrics.loss)) / abs(Double(whole.metrics.loss))
            XCTAssertGreaterThan(departure, 1e3 * Self.tolerance, "bnpo should depend on the split")
            XCTAssertGreaterThan(relativeError(split.gradient, whole.gradient), 1e3 * Self.tolerance)
            print("bnpo, micro-batch \(size): loss \(loss), by hand \(expected), one batch \(whole.metrics.loss)")
        }
    }

    /// Recomputing each layer's activations in the backward runs the same kernels on the
    /// same inputs in the same order, so the gradients are bit-identical to keeping them,
    /// with LoRA dropout too (the masks are regenerated from the seed).
    func testRecomputeGivesBitIdenticalGradients() throws {
        for model in ["tiny-qwen2", "tiny-llama"] {
            let fixture = try TrainingFixture(model)
            for dropout: Float in [0, 0.1] {
                var settings = GRPOSettings()
                settings.beta = 0.04
                let batch = TrainingBatch(groups: fixture.groups, settings: settings, microBatchSize: 4)
                func updater(recompute: Bool) throws -> GRPOUpdater {
                    let adapter = try adapter(fixture, dropout: dropout)
                    return GRPOUpdater(policy: PolicyModel(base: fixture.decoder, adapter: adapter, recompute: recompute),
                                       settings: settings)
                }
                let kept = try updater(recompute: false), recomputed = try updater(recompute: true)
                let baselines = kept.baselines(for: batch)
                let a = kept.computeGradients(batch, baselines: baselines, dropoutSeed: 3)
                let b = recomputed.computeGradients(batch, baselines: baselines, dropoutSeed: 3)
                let context = "\(model) dropout \(dropout)"
                XCTAssertEqual(a, b, context)
                XCTAssertEqual(kept.gradients.toArray(), recomputed.gradients.toArray(), context)
                XCTAssertTrue(kept.gradients.toArray().contains { $0 != 0 }, context)
                // The two modes really differ in what they keep.
                XCTAssertLessThan(recomputed.policy.activationBytes, kept.policy.activationBytes, context)
            }
        }
    }

    // MARK: Helpers

    private struct Run {
        let batch: TrainingBatch
        let policy: PolicyModel
        let baselines: GRPOUpdater.Baselines
        let metrics: LossMetrics
        let gradient: [Float]
    }

    /// A fresh copy of the fixture adapter, its loss and gradient over `groups`.
    private func run(_ fixture: TrainingFixture, _ settings: GRPOSettings, _ groups: [RolloutGroup],
                     microBatchSize: Int) throws -> Run {
        let policy = PolicyModel(base: fixture.decoder, adapter: try fixture.adapter())
        let updater = GRPOUpdater(policy: policy, settings: settings, microBatchSize: microBatchSize)
        let batch = TrainingBatch(groups: groups, settings: settings, microBatchSize: microBatchSize)
        let baselines = updater.baselines(for: batch)
        let metrics = updater.computeGradients(batch, baselines: baselines)
        return Run(batch: batch, policy: policy, baselines: baselines, metrics: metrics, gradient: updater.gradients.toArray())
    }

    /// The fixture adapter's parameters under a config with the given dropout.
    private func adapter(_ fixture: TrainingFixture, dropout: Float) throws -> LoRAAdapter {
        let loaded = try fixture.adapter()
        let c = loaded.config
        let adapter = LoRAAdapter(config: LoRAConfig(rank: c.rank, alpha: c.alpha, dropout: dropout, targets: c.targets,
                                                     useRSLoRA: c.useRSLoRA), modelConfig: fixture.decoder.config)
        adapter.copyParameters(from: loaded)
        return adapter
    }
}
