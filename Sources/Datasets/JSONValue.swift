/// A JSON value as the data files hold it.
///
/// Numbers keep their literal text: Python distinguishes `72` (an int, `str()` "72") from
/// `72.0` (a float, "72.0"), and the seed compares answers with `str(answer)`, so a loader
/// must know which one the file wrote. `PythonNumberText` turns a literal into that text.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Duplicate keys keep the last value, as Python's `json` does.
    case object([String: JSONValue])

    /// A short name of the value's kind, for messages ("a string", "null").
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Where and why a text is not valid JSON.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    /// 1-based line of the offending byte within the parsed text.
    public let line: Int
    public let message: String

    public var description: String { message }
}
