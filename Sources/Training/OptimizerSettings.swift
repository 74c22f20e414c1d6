import GRPOCore

/// AdamW, gradient clipping and the learning-rate schedule: the `optimizer:` section of a
/// run's configuration, with transformers' `TrainingArguments` names and TRL's defaults.
public struct OptimizerSettings: Codable, Equatable, Sendable {
    public var learningRate: Float = 5e-6
    public var adamBeta1: Float = 0.9
    public var adamBeta2: Float = 0.99
    public var adamEpsilon: Float = 1e-8
    public var weightDecay: Float = 0.1
    /// Global-norm clip (clip_grad_norm_); 0 disables it.
    public var maxGradNorm: Float = 0.1
    public var lrSchedulerType: LearningRateSchedule.Kind = .cosine
    public var warmupRatio: Float = 0.1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case learningRate = "learning_rate", adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2"
        case adamEpsilon = "adam_epsilon", weightDecay = "weight_decay", maxGradNorm = "max_grad_norm"
        case lrSchedulerType = "lr_scheduler_type", warmupRatio = "warmup_ratio"
    }

    /// Checks the values a user can get wrong, naming the key.
    public func validate() throws {
        try SettingError.check(learningRate > 0, "learning_rate", "must be positive")
        try SettingError.check(adamBeta1 >= 0 && adamBeta1 < 1, "adam_beta1", "must be in [0, 1)")
        try SettingError.check(adamBeta2 >= 0 && adamBeta2 < 1, "adam_beta2", "must be in [0, 1)")
        try SettingError.check(adamEpsilon > 0, "adam_epsilon", "must be positive")
        try SettingError.check(weightDecay >= 0, "weight_decay", "must be ≥ 0")
        try SettingError.check(maxGradNorm >= 0, "max_grad_norm", "must be ≥ 0 (0 disables clipping)")
        try SettingError.check(warmupRatio >= 0 && warmupRatio <= 1, "warmup_ratio", "must be in [0, 1]")
    }

    /// The optimizer for `parameterCount` parameters.
    public func makeOptimizer(parameterCount: Int) -> AdamW {
        AdamW(parameterCount: parameterCount, beta1: adamBeta1, beta2: adamBeta2, epsilon: adamEpsilon, weightDecay: weightDecay)
    }

    /// The learning rate over `totalSteps` optimizer steps.
    public func makeSchedule(totalSteps: Int) -> LearningRateSchedule {
        LearningRateSchedule(kind: lrSchedulerType, peak: learningRate, warmupRatio: warmupRatio, totalSteps: totalSteps)
    }
}
