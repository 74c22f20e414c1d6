import Tensors

/// The figures of one loss evaluation over a batch (TRL's names where they exist).
public struct LossMetrics: Sendable, Equatable {
    public var loss: Float = 0
    /// Mean k3 KL to the reference over counted completion tokens (0 when β = 0).
    public var kl: Float = 0
    public var clipRatioLow: Float = 0
    public var clipRatioHigh: Float = 0
    public var clipRatioRegion: Float = 0
    public var tokens = 0
}

/// The figures of one optimizer step.
public struct StepMetrics: Sendable {
    public var loss: LossMetrics
    public var gradNorm: Float
    public var learningRate: Float
    public var iteration: Int
}

/// The GRPO update, shared by `grpo grad`, `grpo train` and the distributed learner: turns
/// a batch of rollout groups into gradients of the adapter (micro-batch by micro-batch,
/// accumulated) and, given an optimizer, into μ = num_iterations optimizer steps.
public final class GRPOUpdater {
    public let policy: PolicyModel
    public let settings: GRPOSettings
    public var microBatchSize: Int
    /// ∂loss/∂θ after `computeGradients`, laid out as `policy.adapter.parameters`.
    public let gradients: FloatBuffer
    private let objective: TokenObjective

    public init(policy: PolicyModel, settings: GRPOSettings, microBatchSize: Int = 4) {
        self.policy = policy
        self.settings = settings
        self.microBatchSize = microBatchSize
        self.gradients = FloatBuffer(count: policy.adapter.parameterCount)
        self.objective = TokenObjective(settings: settings)
    }

    /// Log-probs the loss compares against, per completion, fixed for the whole step.
    public struct Baselines: Sendable {
        /// Reference policy (adapter disabled); nil when β = 0.
        public var reference: [[Float]]?
        /// logp_old; nil entries mean "the current policy's, detached" (ratio 1).
        public var old: [[Float]?]
        /// Per-token importance weights when a correction is configured.
        public var importance: [[Float]]?
    }

    /// Computes the reference log-probs and logp_old for `batch`.
    ///
    /// logp_old is the sampler's when it is known and no correction is configured. Otherwise
    /// it is the current policy's: recomputed here when it must stay fixed over μ > 1
    /// iterations or feed an importance weight, else left to each iteration (ratio 1).
    public func baselines(for batch: TrainingBatch) -> Baselines {
        let count = batch.completions.count
        var reference: [[Float]]? = settings.beta != 0 ? Array(repeating: [], count: count) : nil
        var old: [[Float]?] = batch.completions.map { settings.importanceCorrection == .none ? $0.sampling : nil }
        let recompute = settings.importanceCorrection != .none || (settings.numIterations > 1 && old.contains { $0 == nil })
        for mb in batch.microBatches {
            if reference != nil {
                let logp = policy.logProbs(mb.packed, useAdapter: false)
                for (j, k) in mb.completions.enumerated() { reference![k] = Array(logp[mb.packed.completionTargets[j]]) }
            }
            if recompute {
                let logp = policy.logProbs(mb.packed, useAdapter: true)
                for (j, k) in mb.completions.enumerated() where old[k] == nil || settings.importanceCorrection != .none {
                    old[k] = Array(logp[mb.packed.completionTargets[j]])
                }
            }
        }
        var importance: [[Float]]? = nil
        if settings.importanceCorrection != .none {
            importance = batch.completions.indices.map { k in
                guard let sampling = batch.completions[k].sampling else {
                    return [Float](repeating: 1, count: batch.completions[k].ids.count)
                }
                return zip(old[k]!, sampling).map { objective.importanceWeight(old: $0, sampling: $1) }
            }
        }
        return Baselines(reference: reference, old: old, importance: importance)
    }

    /// The loss over `batch` and its gradient into `gradients` (overwritten).
    public func computeGradients(_ batch: TrainingBatch, baselines: Baselines, dropoutSeed: UInt64 = 0) -> LossMetrics {
        gradients.zero()
        var loss: Double = 0, kl: Double = 0
        var low = 0, high = 0, region = 0, counted = 0
        for (m, mb) in batch.microBatches.enumerated() {
            // Per flat target of this micro-batch: its completion and position.
            var owner = [Int](repeating: 0, count: mb.packed.targetCount)
            var position = [Int](repeating: 0, count: mb.packed.targetCount)
            for (j, range) in mb.packed.completionTargets.enumerated() {
                for (p, t) in range.enumerated() { owner[t] = mb.completions[j]; position[t] = p }
            }
            policy.dropout.seed = dropoutSeed &+ UInt64(m)
            _ = policy.accumulateGradients(mb.packed, into: gradients) { t, logp in
                let k = owner[t], p = position[t]
                let c = batch.completions[k]
                let term = objective.term(
                    logp: logp, old: baselines.old[k]?[p] ?? logp, ref: baselines.reference?[k][p] ?? 0,
                    advantage: c.advantage, importanceWeight: baselines.importance?[k][p] ?? 1)
                if c.weight != 0 {
                    loss += Double(c.weight * term.loss)
                    kl += Double(term.kl)
                    low += term.clippedLow ? 1 : 0
                    high += term.clippedHigh ? 1 : 0
                    region += term.clippedLow || term.clippedHigh ? 1 : 0
                    counted += 1
                }
                return c.weight * term.dLogp
            }
        }
        let denominator = Float(max(counted, 1))
        return LossMetrics(loss: Float(loss), kl: Float(kl) / denominator, clipRatioLow: Float(low) / denominator,
                           clipRatioHigh: Float(high) / denominator, clipRatioRegion: Float(region) / denominator,
                           tokens: counted)
    }

    /// μ optimizer steps on one batch: each computes the gradient, clips it to `maxGradNorm`
    /// and lets AdamW update the adapter at the schedule's rate. `stepsDone` counts optimizer
    /// steps before this batch (for the schedule). `inspect` sees each iteration's gradient
    /// before it is clipped.
    public func step(_ batch: TrainingBatch, optimizer: AdamW, schedule: LearningRateSchedule, maxGradNorm: Float,
                     stepsDone: Int, dropoutSeed: UInt64 = 0,
                     inspect: ((_ iteration: Int, _ gradients: FloatBuffer) -> Void)? = nil) -> [StepMetrics] {
        let baselines = baselines(for: batch)
        return (0..<settings.numIterations).map { iteration in
            let metrics = computeGradients(batch, baselines: baselines, dropoutSeed: dropoutSeed &+ UInt64(iteration) << 32)
            inspect?(iteration, gradients)
            let norm = GradientClipping.clip(gradients, maxNorm: maxGradNorm)
            let lr = schedule.rate(afterSteps: stepsDone + iteration)
            optimizer.step(parameters: policy.adapter.parameters, gradients: gradients, learningRate: lr)
            return StepMetrics(loss: metrics, gradNorm: norm, learningRate: lr, iteration: iteration)
        }
    }
}
