import Foundation

/// Which fields of a row hold the question and the answer, and how to read the answer.
public struct FieldMapping: Sendable, Equatable, Codable {
    public enum AnswerFormat: String, Sendable, Codable {
        /// The field is the answer: a string as it is, a number as Python's `str()` prints it.
        case plain
        /// A GSM8K solution whose last line is "#### N": the answer is N (see `GSM8KSolution`).
        case gsm8kSolution = "gsm8k_solution"
    }

    public var question: String
    public var answer: String
    public var answerFormat: AnswerFormat
    /// Whether a plain answer must be a number (`DecimalText`; a JSON number always is). Rows
    /// whose answer is not are reported as unparsable: in a math data set they mean a wrong
    /// mapping or a broken row, and no reward could ever match them numerically.
    public var numericAnswer: Bool

    public init(question: String, answer: String, answerFormat: AnswerFormat = .plain, numericAnswer: Bool = false) {
        self.question = question
        self.answer = answer
        self.answerFormat = answerFormat
        self.numericAnswer = numericAnswer
    }

    enum CodingKeys: String, CodingKey {
        case question, answer
        case answerFormat = "answer_format"
        case numericAnswer = "numeric_answer"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        question = try container.decode(String.self, forKey: .question)
        answer = try container.decode(String.self, forKey: .answer)
        answerFormat = try container.decodeIfPresent(AnswerFormat.self, forKey: .answerFormat) ?? .plain
        numericAnswer = try container.decodeIfPresent(Bool.self, forKey: .numericAnswer) ?? false
    }
}

/// The field mappings of the data sets the project knows by name.
public enum DatasetPreset: String, Sendable, Codable, CaseIterable {
    /// swulling/gsm8k_chinese, the seed's data: `question_zh-cn`, `answer_only` (string or number).
    case gsm8kChinese = "gsm8k_chinese"
    /// openai/gsm8k: `question`, `answer` ending in "#### N".
    case gsm8k
    /// Any file with a `prompt` string and an `answer`.
    case promptAnswer = "prompt_answer"

    public var fields: FieldMapping {
        switch self {
        case .gsm8kChinese: return FieldMapping(question: "question_zh-cn", answer: "answer_only", numericAnswer: true)
        case .gsm8k: return FieldMapping(question: "question", answer: "answer", answerFormat: .gsm8kSolution)
        case .promptAnswer: return FieldMapping(question: "prompt", answer: "answer")
        }
    }

    /// Accepts "prompt/answer" and "prompt" for `promptAnswer`, and "-" for "_".
    public init?(name: String) {
        let normalized = name.lowercased().replacingOccurrences(of: "-", with: "_")
        switch normalized {
        case "prompt/answer", "prompt", "prompt_answer": self = .promptAnswer
        default:
            guard let preset = DatasetPreset(rawValue: normalized) else { return nil }
            self = preset
        }
    }
}
