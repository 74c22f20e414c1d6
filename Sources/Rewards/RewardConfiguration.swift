/// Which rewards score a completion, with what weights, under which rules.
///
/// As JSON (or any `Codable` format): `{"compat": "fixed", "rewards": [{"name": "mark",
/// "weight": 1.0}, …]}`; `compat` defaults to `fixed`, `rewards` to the seed's five and each
/// weight to 1.0. The order of `rewards` is the order values are reported in.
public struct RewardConfiguration: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var name: String
        public var weight: Float

        public init(name: String, weight: Float = 1.0) {
            self.name = name
            self.weight = weight
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            weight = try container.decodeIfPresent(Float.self, forKey: .weight) ?? 1.0
        }
    }

    public var compat: RewardCompatibility
    public var rewards: [Entry]

    public static let seedRewardNames = ["mark", "soft_format", "hard_format", "digit", "correctness"]

    public init(compat: RewardCompatibility = .fixed,
                rewards: [Entry] = RewardConfiguration.seedRewardNames.map { Entry(name: $0) }) {
        self.compat = compat
        self.rewards = rewards
    }

    public init(from decoder: Decoder) throws {
        let defaults = RewardConfiguration()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        compat = try container.decodeIfPresent(RewardCompatibility.self, forKey: .compat) ?? defaults.compat
        rewards = try container.decodeIfPresent([Entry].self, forKey: .rewards) ?? defaults.rewards
    }

    /// Checks names against `registry`, refuses duplicates and non-finite weights.
    public func validate(registry: RewardRegistry = .standard) throws {
        guard !rewards.isEmpty else { throw RewardConfigurationError.noRewards }
        var seen = Set<String>()
        for entry in rewards {
            guard seen.insert(entry.name).inserted else { throw RewardConfigurationError.duplicateReward(entry.name) }
            guard entry.weight.isFinite else {
                throw RewardConfigurationError.invalidWeight(name: entry.name, weight: entry.weight)
            }
            _ = try registry.make(entry.name, compatibility: compat)
        }
    }
}
