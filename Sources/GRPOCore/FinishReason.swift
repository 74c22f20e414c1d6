/// Why a completion ended.
public enum FinishReason: String, Codable, Sendable, CaseIterable {
    case stop    // an end-of-sequence token was sampled (it is the last id)
    case length  // maxTokens were generated
}
