import Foundation
import GRPOCore
import Training

/// One optimizer step's figures under TRL's metric names (`reward`, `rewards/<name>/mean`,
/// `kl`, `completions/mean_length`, `clip_ratio/region_mean`, ...), in a fixed order, for
/// the metrics file, TensorBoard and the progress line.
public struct StepReport: Sendable {
    public var step: Int
    public private(set) var names: [String] = []
    public private(set) var values: [String: Double] = [:]

    public init(step: Int) { self.step = step }

    public subscript(name: String) -> Double? { values[name] }

    public mutating func set(_ name: String, _ value: Double) {
        if values[name] == nil { names.append(name) }
        values[name] = value
    }

    /// Reward and completion statistics of the groups trained on.
    public mutating func addRollouts(_ groups: [RolloutGroup], rewardNames: [String], maxCompletionLength: Int) {
        let completions = groups.flatMap(\.completions)
        let rewards = completions.map { Double($0.reward) }
        set("reward", mean(rewards))
        // TRL: the mean over groups of each group's standard deviation.
        let groupStds = groups.map { std($0.completions.map { Double($0.reward) }) }
        set("reward_std", mean(groupStds))
        set("frac_reward_zero_std", mean(groupStds.map { $0 == 0 ? 1 : 0 }))
        for name in rewardNames {
            let values = completions.map { Double($0.rewards[name] ?? 0) }
            set("rewards/\(name)/mean", mean(values))
            set("rewards/\(name)/std", std(values))
        }
        let lengths = completions.map { Double($0.ids.count) }
        set("completions/mean_length", mean(lengths))
        set("completions/min_length", lengths.min() ?? 0)
        set("completions/max_length", lengths.max() ?? 0)
        set("completions/clipped_ratio", mean(completions.map { $0.finishReason == .length || $0.ids.count >= maxCompletionLength ? 1 : 0 }))
    }

    /// The update's figures; with μ > 1 iterations, the last iteration's loss figures and
    /// the mean gradient norm.
    public mutating func addUpdate(_ steps: [StepMetrics]) {
        guard let last = steps.last else { return }
        set("loss", Double(last.loss.loss))
        set("kl", Double(last.loss.kl))
        set("clip_ratio/low_mean", Double(last.loss.clipRatioLow))
        set("clip_ratio/high_mean", Double(last.loss.clipRatioHigh))
        set("clip_ratio/region_mean", Double(last.loss.clipRatioRegion))
        set("grad_norm", mean(steps.map { Double($0.gradNorm) }))
        set("learning_rate", Double(last.learningRate))
    }

    /// One JSON object: {"step": n, name: value, ...}.
    public var jsonLine: String {
        var parts = ["\"step\":\(step)"]
        for name in names {
            let v = values[name]!
            parts.append("\"\(name)\":" + (v.isFinite ? "\(v)" : "null"))
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
    private func std(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }
}
