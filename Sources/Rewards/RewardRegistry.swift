/// Reward functions by name, so that a config can name them and a new rule is one small type
/// plus one `register` call.
public struct RewardRegistry: Sendable {
    /// Builds a reward for the configured compatibility mode (rules without a seed variant
    /// may ignore it).
    public typealias Factory = @Sendable (RewardCompatibility) -> any RewardFunction

    private var factories: [String: Factory] = [:]
    /// Registered names, in registration order.
    public private(set) var names: [String] = []

    public init() {}

    /// The seed's five, in the order the seed hands them to its trainer.
    public static let standard: RewardRegistry = {
        var registry = RewardRegistry()
        registry.register("mark") { _ in MarkReward() }
        registry.register("soft_format") { SoftFormatReward(compatibility: $0) }
        registry.register("hard_format") { HardFormatReward(compatibility: $0) }
        registry.register("digit") { DigitReward(compatibility: $0) }
        registry.register("correctness") { CorrectnessReward(compatibility: $0) }
        return registry
    }()

    /// Adds `name`, or replaces the factory registered under it.
    public mutating func register(_ name: String, factory: @escaping Factory) {
        if factories.updateValue(factory, forKey: name) == nil { names.append(name) }
    }

    public func make(_ name: String, compatibility: RewardCompatibility) throws -> any RewardFunction {
        guard let factory = factories[name] else {
            throw RewardConfigurationError.unknownReward(name, known: names)
        }
        return factory(compatibility)
    }
}

/// A reward configuration that cannot be used.
public enum RewardConfigurationError: Error, Equatable, CustomStringConvertible {
    case unknownReward(String, known: [String])
    case duplicateReward(String)
    case invalidWeight(name: String, weight: Float)
    case noRewards

    public var description: String {
        switch self {
        case .unknownReward(let name, let known):
            return "unknown reward '\(name)'; known rewards: \(known.joined(separator: ", "))"
        case .duplicateReward(let name):
            return "reward '\(name)' is listed twice"
        case .invalidWeight(let name, let weight):
            return "reward '\(name)' has weight \(weight); weights must be finite"
        case .noRewards:
            return "the reward configuration lists no rewards"
        }
    }
}
