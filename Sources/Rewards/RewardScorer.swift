/// Every configured reward's value for one completion, and their weighted sum.
public struct RewardScores: Sendable, Equatable {
    /// Reward names, in configuration order (shared by all scores of one scorer).
    public let names: [String]
    /// `values[i]` is the unweighted value of `names[i]`.
    public let values: [Float]
    /// Σ weight × value, in configuration order, in Float as the trainer sums it.
    public let total: Float

    public init(names: [String], values: [Float], total: Float) {
        precondition(names.count == values.count)
        self.names = names
        self.values = values
        self.total = total
    }

    public subscript(name: String) -> Float? {
        names.firstIndex(of: name).map { values[$0] }
    }
}

/// Scores completions with the rewards a `RewardConfiguration` names.
public struct RewardScorer: Sendable {
    public let configuration: RewardConfiguration
    public let functions: [any RewardFunction]
    public let weights: [Float]
    public let names: [String]

    public init(configuration: RewardConfiguration = RewardConfiguration(),
                registry: RewardRegistry = .standard) throws {
        try configuration.validate(registry: registry)
        self.configuration = configuration
        functions = try configuration.rewards.map { try registry.make($0.name, compatibility: configuration.compat) }
        weights = configuration.rewards.map(\.weight)
        names = configuration.rewards.map(\.name)
    }

    public func score(completion: String, answer: String) -> RewardScores {
        var values = [Float](repeating: 0, count: functions.count)
        var total: Float = 0
        for index in functions.indices {
            values[index] = functions[index].reward(completion: completion, answer: answer)
            total += weights[index] * values[index]
        }
        return RewardScores(names: names, values: values, total: total)
    }

    /// One score per completion; `answers[i]` is the reference for `completions[i]` (a group's
    /// completions share their prompt's answer, repeated).
    public func score(completions: [String], answers: [String]) -> [RewardScores] {
        precondition(completions.count == answers.count, "one reference answer per completion")
        return zip(completions, answers).map { score(completion: $0, answer: $1) }
    }
}
