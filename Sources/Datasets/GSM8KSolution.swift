import Foundation

/// The final answer of a GSM8K solution, whose last line is "#### N".
///
/// N is the text after the last "####", trimmed, with its thousands separators removed: 93 of
/// openai/gsm8k's 8,792 final answers are written "1,080"-style, and OpenAI's own grader
/// (grade-school-math's `extract_answer`) drops the commas before comparing, as does
/// swulling/gsm8k_chinese's `answer_only`. (TRL-style recipes that keep
/// `text.split("####")[1].strip()` would ask a model for "1,080" verbatim.)
/// N must read as a `DecimalText` number; anything else is an unparsable answer.
public enum GSM8KSolution {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case noFinalAnswerMarker
        case notANumber(String)

        public var description: String {
            switch self {
            case .noFinalAnswerMarker: return "no \"#### N\" final answer line"
            case .notANumber(let text): return "final answer \"\(text)\" is not a number"
            }
        }
    }

    public static func finalAnswer(of solution: String) -> Result<String, Failure> {
        guard let marker = solution.range(of: "####", options: .backwards) else { return .failure(.noFinalAnswerMarker) }
        let raw = solution[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        guard DecimalText.isNumber(raw) else { return .failure(.notANumber(raw)) }
        return .success(raw.replacingOccurrences(of: ",", with: ""))
    }
}
