/// A rule-based reward: a pure function of a completion's text and the reference answer.
///
/// The completion is the decoded text without special tokens, as the trainer decodes it; the
/// answer is the reference as text (`str(answer)` in the seed's terms; the data loaders turn
/// numeric references into that form). Implementations must be safe on any text and run in
/// time linear in its length: they run inside the rollout workers on every completion.
public protocol RewardFunction: Sendable {
    /// The name configs and logs use ("mark", "correctness", ...).
    var name: String { get }
    func reward(completion: String, answer: String) -> Float
}

/// Which rules the built-in rewards follow.
public enum RewardCompatibility: String, Sendable, Codable, CaseIterable {
    /// The seed recipe's Python, quirks included, value for value.
    case seed
    /// The rules the seed meant (see Docs/rewards.md): the default.
    case fixed
}

extension String {
    /// Runs `body` on the string's UTF-8 bytes. Native strings are contiguous UTF-8, so this
    /// neither copies nor allocates; the rewards scan bytes rather than `Character`s for speed.
    @inline(__always)
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }
}
