/// `digit`: 0.5 when the extracted answer (see `AnswerExtraction`) is a number, a denser signal
/// than correctness for a math task.
///
///   seed   Python's `str.isdigit()`: non-empty and every character a Unicode digit, so "²",
///          "３" and "١٨" count while "-5", "18.0" and "1,000" do not.
///   fixed  the plain number grammar of `NumericAnswer`: optional sign, ASCII digits with
///          optional exact thousands groups, optional decimal fraction ("-5", "18.0", "1,000").
public struct DigitReward: RewardFunction {
    public let name = "digit"
    public let compatibility: RewardCompatibility
    public static let value: Float = 0.5

    public init(compatibility: RewardCompatibility = .fixed) {
        self.compatibility = compatibility
    }

    public func reward(completion: String, answer: String) -> Float {
        let isNumber = completion.withUTF8Bytes { text in
            let range = AnswerExtraction.answerRange(in: text)
            switch compatibility {
            case .seed: return text.isPythonDigitString(range)
            case .fixed: return NumericAnswer.plain(text, range) != nil
            }
        }
        return isNumber ? Self.value : 0
    }
}
