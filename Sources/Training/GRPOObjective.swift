import GRPOCore
#if canImport(Glibc)
import Glibc
#endif

/// How per-token losses are averaged into the batch loss (TRL's `loss_type`).
public enum LossType: String, SettingChoice, Sendable {
    /// Mean over each completion's tokens, then over completions (the seed's).
    case grpo
    /// Mean over the tokens of each micro-batch, averaged over micro-batches (as TRL, whose
    /// `bnpo` normalises per micro-batch; the one type that depends on the micro-batch split).
    case bnpo
    /// Sum over tokens / (completions · max_completion_length) (Dr. GRPO).
    case drGRPO = "dr_grpo"
    /// Mean over every completion token of the whole accumulated batch (DAPO).
    case dapo
}

/// How group-relative advantages are scaled (TRL's `scale_rewards`).
public enum RewardScaling: String, SettingChoice, Sendable {
    case group, batch, none
}

/// Correction for logp_old that came from a different policy version or engine than the
/// learner's recomputation: the per-token weight exp(logp_old − logp_sampling), capped.
public enum ImportanceCorrection: String, SettingChoice, Sendable {
    case none
    /// min(weight, cap)
    case truncate
    /// 0 where weight > cap
    case mask
}

/// The GRPO objective's settings, TRL-compatible names and defaults (β as in the TRL release
/// the seed used): the `grpo:` section of a run's configuration.
public struct GRPOSettings: Codable, Equatable, Sendable {
    public var lossType: LossType = .grpo
    public var beta: Float = 0.04
    /// ε of the clip's lower side (TRL's `epsilon`).
    public var epsilonLow: Float = 0.2
    /// ε of the clip's upper side; TRL's `epsilon_high`, ε when not set.
    public var epsilonHigh: Float {
        get { upperEpsilon ?? epsilonLow }
        set { upperEpsilon = newValue }
    }
    private var upperEpsilon: Float?
    public var scaleRewards: RewardScaling = .group
    /// The run's generation limit, which dr_grpo divides by and truncation masking tests
    /// against. It is the generation section's setting, not a key of this section: the run
    /// configuration sets it (`RunConfiguration.objective`).
    public var maxCompletionLength = 256
    /// μ: optimizer steps per batch of rollouts.
    public var numIterations = 1
    /// Drop completions that hit the length limit from the loss (they still count in `grpo`'s mean).
    public var maskTruncatedCompletions = false
    /// With a correction, logp_old is recomputed by the learner and the sampling log-probs
    /// only weight the loss; without, the sampling log-probs are logp_old.
    public var importanceCorrection: ImportanceCorrection = .none
    public var importanceCap: Float = 2

    public init() {}

    enum CodingKeys: String, CodingKey {
        case lossType = "loss_type", beta, epsilonLow = "epsilon", upperEpsilon = "epsilon_high", scaleRewards = "scale_rewards"
        case numIterations = "num_iterations", maskTruncatedCompletions = "mask_truncated_completions"
        case importanceCorrection = "importance_sampling", importanceCap = "importance_sampling_cap"
    }

    /// Checks the values a user can get wrong, naming the key.
    public func validate() throws {
        try SettingError.check(beta >= 0, "beta", "must be ≥ 0, got \(beta)")
        try SettingError.check(epsilonLow >= 0 && epsilonLow < 1, "epsilon", "must be in [0, 1), got \(epsilonLow)")
        try SettingError.check(epsilonHigh >= 0, "epsilon_high", "must be ≥ 0, got \(epsilonHigh)")
        try SettingError.check(numIterations >= 1, "num_iterations", "must be at least 1, got \(numIterations)")
        try SettingError.check(importanceCap > 0, "importance_sampling_cap", "must be positive, got \(importanceCap)")
        try SettingError.check(maxCompletionLength > 0, "max_completion_length", "must be positive, got \(maxCompletionLength)")
    }
}

/// The per-token GRPO loss and its derivative in logp:
///
///   ratio = e^(logp − logp_old)
///   loss  = −min(ratio · A, clip(ratio, 1 − ε_low, 1 + ε_high) · A) · w_is + β · (e^(ref − logp) − (ref − logp) − 1)
///
/// torch.min's gradient follows the smaller operand (both halves on a tie, which happens
/// only inside the clip range where they agree), and clip's is zero outside its range, so
/// the policy term's derivative is −A · ratio when the unclipped operand is the minimum and
/// 0 otherwise.
public struct TokenObjective: Sendable {
    public let settings: GRPOSettings

    public struct Term {
        public var loss: Float
        public var dLogp: Float
        public var kl: Float
        public var clippedLow: Bool
        public var clippedHigh: Bool
    }

    public init(settings: GRPOSettings) { self.settings = settings }

    @inline(__always)
    public func term(logp: Float, old: Float, ref: Float, advantage a: Float, importanceWeight: Float) -> Term {
        let ratio = expf(logp - old)
        let clipped = min(max(ratio, 1 - settings.epsilonLow), 1 + settings.epsilonHigh)
        let unclippedLoss = ratio * a, clippedLoss = clipped * a
        var loss = -min(unclippedLoss, clippedLoss) * importanceWeight
        var dLogp: Float = unclippedLoss <= clippedLoss ? -a * ratio * importanceWeight : 0
        var kl: Float = 0
        if settings.beta != 0 {
            let e = expf(ref - logp)
            kl = e - (ref - logp) - 1
            loss += settings.beta * kl
            dLogp += settings.beta * (1 - e)
        }
        return Term(loss: loss, dLogp: dLogp, kl: kl,
                    clippedLow: ratio < 1 - settings.epsilonLow && a < 0,
                    clippedHigh: ratio > 1 + settings.epsilonHigh && a > 0)
    }

    /// The importance weight of one token, from the learner's logp_old and the sampler's logp.
    public func importanceWeight(old: Float, sampling: Float) -> Float {
        let w = expf(old - sampling)
        switch settings.importanceCorrection {
        case .none: return 1
        case .truncate: return min(w, settings.importanceCap)
        case .mask: return w > settings.importanceCap ? 0 : w
        }
    }
}

/// Group-relative advantages, over each whole group before any micro-batch split:
/// A = (r − mean_group) / (std + 1e-4), std unbiased (torch's default) over the group
/// (`group`) or over every reward of the batch (`batch`); `none` leaves r − mean_group.
/// A group of one completion has no spread and gets advantage 0.
public enum Advantages {
    public static func compute(_ rewards: [[Float]], scaling: RewardScaling) -> [[Float]] {
        let batchStd = standardDeviation(rewards.flatMap { $0 })
        return rewards.map { group in
            let mean = group.reduce(0, +) / Float(max(group.count, 1))
            let std: Float
            switch scaling {
            case .group: std = standardDeviation(group)
            case .batch: std = batchStd
            case .none: return group.map { $0 - mean }
            }
            return group.map { ($0 - mean) / (std + 1e-4) }
        }
    }

    static func standardDeviation(_ values: [Float]) -> Float {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Float(values.count)
        let ss = values.reduce(Float(0)) { $0 + ($1 - mean) * ($1 - mean) }
        return (ss / Float(values.count - 1)).squareRoot()
    }
}
