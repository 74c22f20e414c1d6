/// One sampled completion as the rollout workers report it.
public struct RolloutCompletion: Codable, Equatable, Sendable {
    public var ids: [Int32]
    /// The sampler's log-probability of each id (temperature 1); absent when unknown.
    public var logprobs: [Float]?
    /// The total reward, the sum of `rewards` weighted by the reward configuration.
    public var reward: Float
    /// Each reward function's value by name.
    public var rewards: [String: Float]
    /// Why the completion ended, when known ("stop" or "length" in JSON).
    public var finishReason: FinishReason?

    public init(ids: [Int32], logprobs: [Float]? = nil, reward: Float, rewards: [String: Float] = [:],
                finishReason: FinishReason? = nil) {
        self.ids = ids
        self.logprobs = logprobs
        self.reward = reward
        self.rewards = rewards
        self.finishReason = finishReason
    }

    enum CodingKeys: String, CodingKey {
        case ids, logprobs, reward, rewards
        case finishReason = "finish_reason"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ids = try c.decode([Int32].self, forKey: .ids)
        logprobs = try c.decodeIfPresent([Float].self, forKey: .logprobs)
        reward = try c.decode(Float.self, forKey: .reward)
        rewards = try c.decodeIfPresent([String: Float].self, forKey: .rewards) ?? [:]
        if let name = try c.decodeIfPresent(String.self, forKey: .finishReason) {
            guard let reason = FinishReason(rawValue: name) else {
                let known = FinishReason.allCases.map(\.rawValue).joined(separator: " or ")
                throw DecodingError.dataCorruptedError(forKey: .finishReason, in: c,
                                                       debugDescription: "unknown finish reason \"\(name)\"; expected \(known)")
            }
            finishReason = reason
        } else {
            finishReason = nil
        }
    }
}

/// A prompt and the group of completions sampled for it: the unit the workers send, the
/// learner logs, and the update trains on.
public struct RolloutGroup: Codable, Equatable, Sendable {
    public var promptIDs: [Int32]
    public var completions: [RolloutCompletion]
    /// Where the prompt came from in the learner's data order, when known.
    public var promptIndex: Int?
    /// The adapter version the completions were sampled with, when known.
    public var policyVersion: Int?

    public init(promptIDs: [Int32], completions: [RolloutCompletion], promptIndex: Int? = nil, policyVersion: Int? = nil) {
        self.promptIDs = promptIDs
        self.completions = completions
        self.promptIndex = promptIndex
        self.policyVersion = policyVersion
    }

    enum CodingKeys: String, CodingKey {
        case promptIDs = "prompt_ids", completions
        case promptIndex = "prompt_index", policyVersion = "policy_version"
    }

    /// Checks what a decoder could not: ids inside the vocabulary, a logprob per id, finite
    /// rewards and logprobs (a group built in memory can hold NaN, which JSON cannot carry).
    public func validate(vocabularySize: Int) throws {
        guard !promptIDs.isEmpty else { throw RolloutGroupError("prompt_ids is empty") }
        guard !completions.isEmpty else { throw RolloutGroupError("the group has no completions") }
        for id in promptIDs where id < 0 || Int(id) >= vocabularySize {
            throw RolloutGroupError("prompt id \(id) outside the vocabulary of \(vocabularySize)")
        }
        for (i, c) in completions.enumerated() {
            for id in c.ids where id < 0 || Int(id) >= vocabularySize {
                throw RolloutGroupError("completion \(i): id \(id) outside the vocabulary of \(vocabularySize)")
            }
            if let lp = c.logprobs, lp.count != c.ids.count {
                throw RolloutGroupError("completion \(i): \(lp.count) logprobs for \(c.ids.count) ids")
            }
            if let lp = c.logprobs, let k = lp.firstIndex(where: { !$0.isFinite || $0 > 0 }) {
                throw RolloutGroupError("completion \(i): logprob \(k) is \(lp[k]); logprobs must be finite and ≤ 0")
            }
            guard c.reward.isFinite else { throw RolloutGroupError("completion \(i): reward is \(c.reward), not finite") }
            if let (name, value) = c.rewards.sorted(by: { $0.key < $1.key }).first(where: { !$0.value.isFinite }) {
                throw RolloutGroupError("completion \(i): reward '\(name)' is \(value), not finite")
            }
        }
    }
}

/// A rollout group that is well-formed JSON but not a usable group.
public struct RolloutGroupError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
