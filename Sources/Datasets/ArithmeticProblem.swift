/// A generated word problem: a starting quantity changed by a chain of operations, with the
/// text it was rendered to. The structure is kept so that the answer can be checked
/// independently of the text.
public struct ArithmeticProblem: Sendable, Equatable {
    public enum Operation: String, Sendable, Codable, CaseIterable {
        case add, subtract, multiply, divide
    }

    public enum Language: String, Sendable, Codable, CaseIterable {
        case chinese = "zh"
        case english = "en"
    }

    public struct Step: Sendable, Equatable {
        public var operation: Operation
        /// The amount added or taken away, or the factor multiplied or divided by.
        public var operand: Int

        public init(_ operation: Operation, _ operand: Int) {
            self.operation = operation
            self.operand = operand
        }

        /// The quantity after this step; division is exact by construction.
        public func applied(to value: Int) -> Int {
            switch operation {
            case .add: return value + operand
            case .subtract: return value - operand
            case .multiply: return value * operand
            case .divide: return value / operand
            }
        }
    }

    public var language: Language
    public var start: Int
    public var steps: [Step]
    public var question: String

    public init(language: Language, start: Int, steps: [Step], question: String) {
        self.language = language
        self.start = start
        self.steps = steps
        self.question = question
    }

    /// The quantity after every step: a non-negative integer.
    public var answer: Int {
        steps.reduce(start) { $1.applied(to: $0) }
    }

    /// The problem as a training example; the reference is the integer's decimal text.
    public var problem: Problem {
        Problem(question: question, answer: String(answer))
    }
}
