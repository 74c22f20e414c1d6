/// `mark`: 0.125 for each of "<think>\n", "</think>\n", "<answer>\n", "</answer>\n" that occurs
/// exactly once (the seed's `mark_num`; the same in both modes).
///
/// It is the dense signal for the format: a completion that gets some of the tags right earns
/// part of it long before the format rewards fire. Occurrences are counted the way Python's
/// `str.count` counts them; none of the four can overlap another, so one scan over the "<"
/// bytes counts all four.
public struct MarkReward: RewardFunction {
    public let name = "mark"
    public static let perTag: Float = 0.125

    static let thinkOpen = ByteLiteral("<think>\n")
    static let thinkClose = ByteLiteral("</think>\n")
    static let answerOpen = ByteLiteral("<answer>\n")
    static let answerClose = ByteLiteral("</answer>\n")

    public init() {}

    public func reward(completion: String, answer: String) -> Float {
        completion.withUTF8Bytes { text in
            let counts = Self.tagCounts(in: text)
            return [counts.thinkOpen, counts.thinkClose, counts.answerOpen, counts.answerClose]
                .reduce(Float(0)) { $0 + ($1 == 1 ? Self.perTag : 0) }
        }
    }

    static func tagCounts(in text: UTF8Bytes) -> (thinkOpen: Int, thinkClose: Int, answerOpen: Int, answerClose: Int) {
        var counts = (thinkOpen: 0, thinkClose: 0, answerOpen: 0, answerClose: 0)
        var position = 0
        // Dispatch on the byte after "<" (and after "</") so a text full of "<" costs one
        // comparison per byte rather than four tag comparisons.
        while let bracket = text.firstIndex(of: UInt8(ascii: "<"), from: position), bracket + 1 < text.count {
            position = bracket + 1
            switch text[bracket + 1] {
            case UInt8(ascii: "t"):
                if text.hasLiteral(thinkOpen, at: bracket) { counts.thinkOpen += 1 }
            case UInt8(ascii: "a"):
                if text.hasLiteral(answerOpen, at: bracket) { counts.answerOpen += 1 }
            case UInt8(ascii: "/") where bracket + 2 < text.count:
                if text[bracket + 2] == UInt8(ascii: "t") {
                    if text.hasLiteral(thinkClose, at: bracket) { counts.thinkClose += 1 }
                } else if text.hasLiteral(answerClose, at: bracket) {
                    counts.answerClose += 1
                }
            default:
                break
            }
        }
        return counts
    }
}
