/// A rule-based reward: a pure function of a completion's text and the reference answer.
public protocol RewardFunction: Sendable {
    /// The name configs and logs use ("mark", "correctness", ...).
    var name: String { get }
    func reward(completion: String, answer: String) -> Float
}
