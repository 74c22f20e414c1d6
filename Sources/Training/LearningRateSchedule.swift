import GRPOCore
#if canImport(Glibc)
import Glibc
#endif

/// The learning rate at each optimizer step, as transformers' schedulers compute it: a
/// linear warmup from 0 over ⌈warmup_ratio · total⌉ steps, then cosine or linear decay to 0,
/// or constant.
public struct LearningRateSchedule: Equatable, Sendable {
    public enum Kind: String, SettingChoice, Sendable { case cosine, linear, constant }

    public var kind: Kind
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind = .cosine, peak: Float, warmupRatio: Float = 0, totalSteps: Int) {
        self.kind = kind
        self.peak = peak
        self.totalSteps = max(totalSteps, 1)
        self.warmupSteps = Int((Double(warmupRatio) * Double(self.totalSteps)).rounded(.up))
    }

    /// The rate for the optimizer step that follows `step` completed steps (0-based), so the
    /// first step of a warmup runs at 0, as in transformers' LambdaLR.
    public func rate(afterSteps step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step) / Float(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .constant: return peak
        case .linear: return peak * Float(max(0, 1 - progress))
        case .cosine: return peak * Float(max(0, 0.5 * (1 + cos(Double.pi * progress))))
        }
    }
}
