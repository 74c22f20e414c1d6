/// One training example: a question for the user turn and the reference answer the rewards
/// compare against.
public struct Problem: Sendable, Equatable {
    public var question: String
    /// The reference as text, `str(answer)` in the seed's terms: a number in the file becomes
    /// the text Python would print for it (`PythonNumberText`).
    public var answer: String
    /// Where the row came from; nil for generated problems.
    public var location: RowLocation?

    public init(question: String, answer: String, location: RowLocation? = nil) {
        self.question = question
        self.answer = answer
        self.location = location
    }
}

/// A row's place in its file, as "file:line".
public struct RowLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line where the row (its JSON object) starts.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
