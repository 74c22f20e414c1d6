/// A row the loader could not use, and why.
public struct RowIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case invalidJSON(String)
        case notAnObject(found: String)
        case missingField(String)
        case wrongType(field: String, found: String)
        case emptyQuestion
        case emptyAnswer
        case unparsableAnswer(String)

        public var description: String {
            switch self {
            case .invalidJSON(let detail): return "invalid JSON: \(detail)"
            case .notAnObject(let found): return "row is \(found), not an object"
            case .missingField(let field): return "missing field '\(field)'"
            case .wrongType(let field, let found): return "field '\(field)' is \(found)"
            case .emptyQuestion: return "empty question"
            case .emptyAnswer: return "empty answer"
            case .unparsableAnswer(let detail): return "unparsable answer: \(detail)"
            }
        }

        /// The reason without its details, for summaries ("missing field 'answer'" stays whole,
        /// "invalid JSON: …" becomes "invalid JSON").
        public var category: String {
            switch self {
            case .invalidJSON: return "invalid JSON"
            case .notAnObject: return "not an object"
            case .missingField(let field): return "missing field '\(field)'"
            case .wrongType(let field, _): return "wrong type of field '\(field)'"
            case .emptyQuestion: return "empty question"
            case .emptyAnswer: return "empty answer"
            case .unparsableAnswer: return "unparsable answer"
            }
        }
    }

    public var location: RowLocation
    public var reason: Reason

    public init(location: RowLocation, reason: Reason) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}

/// What to do with a file that has bad rows.
public enum BadRowPolicy: String, Sendable, Codable, CaseIterable {
    /// Use the good rows; report the bad ones.
    case skip
    /// Refuse the file, listing every bad row.
    case reject
}

public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case rejectedRows([RowIssue])
    case noUsableRows(path: String, issues: Int)
    case unknownPreset(String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .rejectedRows(let issues):
            let shown = issues.prefix(20).map { "  \($0)" }.joined(separator: "\n")
            let more = issues.count > 20 ? "\n  … and \(issues.count - 20) more" : ""
            return "\(issues.count) bad row\(issues.count == 1 ? "" : "s") (bad rows are rejected):\n\(shown)\(more)"
        case .noUsableRows(let path, let issues):
            return "\(path) has no usable rows (\(issues) bad)"
        case .unknownPreset(let name):
            return "unknown preset '\(name)'; known presets: \(DatasetPreset.allCases.map(\.rawValue).joined(separator: ", "))"
        case .invalidConfiguration(let message):
            return message
        }
    }
}
