/// `hard_format`: 0.5 when the whole completion has the form
/// `<think>\n…\n</think>\n<answer>\n…\n</answer>\n`.
///
///   seed   the seed's pattern as written, `^<think>\n.*?n</think>\n<answer>\n.*?\n</answer>\n$`
///          under `re.match`: a literal "n" where "\n" was meant, `.` stopping at newlines, and
///          Python's `$`, which matches at the end or just before one final newline. The result
///          is that only a one-line think block that ends in the letter "n"
///          ("<think>\nadd them and then</think>\n…") and a one-line answer earn it.
///   fixed  `<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>\n?` over the whole completion with
///          `.` matching anything: the think and answer blocks may span lines, and the final
///          newline is optional (exactly one may follow "</answer>").
public struct HardFormatReward: RewardFunction {
    public let name = "hard_format"
    public let compatibility: RewardCompatibility
    public static let value: Float = 0.5

    static let thinkOpenLine = ByteLiteral("<think>\n")
    /// The seed's middle: "n</think>\n<answer>\n", its newline being the first after "<think>\n".
    static let seedMiddle = ByteLiteral("n</think>\n<answer>\n")
    static let fixedMiddle = ByteLiteral("\n</think>\n<answer>\n")
    static let answerCloseLine = ByteLiteral("\n</answer>\n")
    static let answerCloseAtEnd = ByteLiteral("\n</answer>")

    public init(compatibility: RewardCompatibility = .fixed) {
        self.compatibility = compatibility
    }

    public func reward(completion: String, answer: String) -> Float {
        let matched = completion.withUTF8Bytes { text in
            compatibility == .seed ? Self.matchesSeedPattern(text) : Self.matchesFixedPattern(text)
        }
        return matched ? Self.value : 0
    }

    /// Every `.*?` of the seed's pattern is confined to one line, so the match has one possible
    /// shape: each literal's newline is the first newline after the previous literal.
    static func matchesSeedPattern(_ text: UTF8Bytes) -> Bool {
        let newline = UInt8(ascii: "\n")
        guard text.hasLiteral(thinkOpenLine, at: 0),
              let thinkLineEnd = text.firstIndex(of: newline, from: thinkOpenLine.count) else { return false }
        // seedMiddle's own newline (after "</think>") is at offset 9.
        let middleStart = thinkLineEnd - 9
        guard middleStart >= thinkOpenLine.count, text.hasLiteral(seedMiddle, at: middleStart) else { return false }
        let answerContent = middleStart + seedMiddle.count
        guard let answerLineEnd = text.firstIndex(of: newline, from: answerContent),
              text.hasLiteral(answerCloseLine, at: answerLineEnd) else { return false }
        let end = answerLineEnd + answerCloseLine.count
        return end == text.count || (end == text.count - 1 && text[end] == newline)
    }

    /// The end is fixed ("\n</answer>" with at most one newline after it), and the middle
    /// literal's first occurrence after "<think>\n" is the best place for it: any later one
    /// leaves less room before the end.
    static func matchesFixedPattern(_ text: UTF8Bytes) -> Bool {
        guard text.hasLiteral(thinkOpenLine, at: 0) else { return false }
        let closeStart: Int
        if text.hasLiteral(answerCloseLine, at: text.count - answerCloseLine.count) {
            closeStart = text.count - answerCloseLine.count
        } else if text.hasLiteral(answerCloseAtEnd, at: text.count - answerCloseAtEnd.count) {
            closeStart = text.count - answerCloseAtEnd.count
        } else {
            return false
        }
        guard let middle = text.firstIndex(of: fixedMiddle, from: thinkOpenLine.count) else { return false }
        return middle + fixedMiddle.count <= closeStart
    }
}
