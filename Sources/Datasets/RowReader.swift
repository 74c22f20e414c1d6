/// Turns one parsed row into a `Problem` under a field mapping, or says what is wrong with it.
struct RowReader {
    let fields: FieldMapping

    func problem(from value: JSONValue, at location: RowLocation) -> Result<Problem, RowIssue> {
        func issue(_ reason: RowIssue.Reason) -> Result<Problem, RowIssue> {
            .failure(RowIssue(location: location, reason: reason))
        }
        guard case .object(let row) = value else { return issue(.notAnObject(found: value.kindDescription)) }

        guard let questionValue = row[fields.question] else { return issue(.missingField(fields.question)) }
        guard case .string(let question) = questionValue else {
            return issue(.wrongType(field: fields.question, found: questionValue.kindDescription))
        }
        guard question.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { return issue(.emptyQuestion) }

        guard let answerValue = row[fields.answer] else { return issue(.missingField(fields.answer)) }
        let answerText: String
        switch answerValue {
        case .string(let text): answerText = text
        case .number(let literal) where fields.answerFormat == .plain: answerText = PythonNumberText.string(forJSONLiteral: literal)
        default: return issue(.wrongType(field: fields.answer, found: answerValue.kindDescription))
        }
        guard answerText.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { return issue(.emptyAnswer) }

        switch fields.answerFormat {
        case .plain:
            if fields.numericAnswer, case .string = answerValue, !DecimalText.isNumber(answerText) {
                return issue(.unparsableAnswer("\"\(answerText)\" is not a number"))
            }
            return .success(Problem(question: question, answer: answerText, location: location))
        case .gsm8kSolution:
            switch GSM8KSolution.finalAnswer(of: answerText) {
            case .success(let answer): return .success(Problem(question: question, answer: answer, location: location))
            case .failure(let failure): return issue(.unparsableAnswer(failure.description))
            }
        }
    }
}
