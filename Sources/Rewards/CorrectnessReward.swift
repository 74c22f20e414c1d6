/// `correctness`: 2.0 when the extracted answer (see `AnswerExtraction`) equals the reference.
///
///   seed   exact string equality with the reference as given (`str(answer)`: not stripped,
///          so "18.0" ≠ "18" and a reference stored as the float 18.0 only matches "18.0").
///   fixed  when the reference reads as a number (`NumericAnswer`'s lenient grammar), the
///          answer must read as the same number: "18", "18.0", "$18", "18元", "18 个" all equal
///          18 and "1,000" equals 1000. Otherwise both are compared as stripped strings.
public struct CorrectnessReward: RewardFunction {
    public let name = "correctness"
    public let compatibility: RewardCompatibility
    public static let value: Float = 2.0

    public init(compatibility: RewardCompatibility = .fixed) {
        self.compatibility = compatibility
    }

    public func reward(completion: String, answer: String) -> Float {
        let isCorrect = completion.withUTF8Bytes { text in
            let range = AnswerExtraction.answerRange(in: text)
            return answer.withUTF8Bytes { reference in
                switch compatibility {
                case .seed:
                    return Self.equal(text, range, reference, 0..<reference.count)
                case .fixed:
                    let referenceRange = reference.strippingPythonWhitespace(0..<reference.count)
                    guard let expected = NumericAnswer.lenient(reference, referenceRange) else {
                        return Self.equal(text, range, reference, referenceRange)
                    }
                    return NumericAnswer.lenient(text, range) == expected
                }
            }
        }
        return isCorrect ? Self.value : 0
    }

    private static func equal(_ a: UTF8Bytes, _ aRange: Range<Int>, _ b: UTF8Bytes, _ bRange: Range<Int>) -> Bool {
        aRange.count == bRange.count && a[aRange].elementsEqual(b[bRange])
    }
}
