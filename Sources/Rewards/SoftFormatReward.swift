/// `soft_format`: 0.5 when the completion matches `<think>.*?</think>\s*<answer>.*?</answer>`
/// from its start (`re.match`: anchored at the start, not at the end).
///
///   seed   `.` does not match "\n" (no `re.DOTALL`), so the think block and the answer must
///          each sit on one line and a multi-line think block never earns this reward;
///          `\s` is Python's whitespace (including "\n", so the gap between the blocks may span
///          lines).
///   fixed  `.` matches anything.
///
/// The matcher decides existence directly instead of backtracking: the think block may end at
/// any "</think>" reachable from the start (before the first newline in seed mode); after it the
/// `\s*` run must be taken whole, because "<answer>" does not start with whitespace; after
/// "<answer>" only the first "</answer>" matters, and in seed mode only whether it comes
/// before the next newline. Candidates are tried left to right with memoised forward searches,
/// so the whole decision is one pass over the text.
public struct SoftFormatReward: RewardFunction {
    public let name = "soft_format"
    public let compatibility: RewardCompatibility
    public static let value: Float = 0.5

    static let thinkOpen = ByteLiteral("<think>")
    static let thinkClose = ByteLiteral("</think>")
    static let answerOpen = ByteLiteral("<answer>")
    static let answerClose = ByteLiteral("</answer>")
    static let newline = ByteLiteral("\n")

    public init(compatibility: RewardCompatibility = .fixed) {
        self.compatibility = compatibility
    }

    public func reward(completion: String, answer: String) -> Float {
        completion.withUTF8Bytes { Self.matches($0, dotMatchesNewline: compatibility == .fixed) } ? Self.value : 0
    }

    static func matches(_ text: UTF8Bytes, dotMatchesNewline: Bool) -> Bool {
        guard text.hasLiteral(thinkOpen, at: 0) else { return false }
        let contentStart = thinkOpen.count
        // In seed mode the think content cannot cross a newline, so "</think>" must start no
        // later than the first newline after "<think>".
        let thinkCloseLimit = dotMatchesNewline
            ? text.count : (text.firstIndex(of: UInt8(ascii: "\n"), from: contentStart) ?? text.count)
        var nextAnswerClose = ForwardSearch(answerClose)
        var nextNewline = ForwardSearch(newline)
        var searchFrom = contentStart
        while let close = text.firstIndex(of: thinkClose, from: searchFrom, startingBefore: thinkCloseLimit) {
            searchFrom = close + thinkClose.count
            let answerStart = text.skippingPythonWhitespace(from: searchFrom)
            guard text.hasLiteral(answerOpen, at: answerStart) else { continue }
            let answerContent = answerStart + answerOpen.count
            // No "</answer>" after this answer means none after any later one either.
            guard let end = nextAnswerClose.first(in: text, atOrAfter: answerContent) else { return false }
            if dotMatchesNewline { return true }
            if end < (nextNewline.first(in: text, atOrAfter: answerContent) ?? text.count) { return true }
        }
        return false
    }
}
