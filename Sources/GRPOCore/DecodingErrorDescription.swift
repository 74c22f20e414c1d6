import Foundation

/// One wording for decoding errors everywhere a record, message or configuration is read:
/// where (a dotted key path such as `completions[0].reward`) and what went wrong.
extension DecodingError {
    /// The key path of the value at fault, e.g. `grpo.loss_type` or `completions[2].ids`.
    public var keyPath: String {
        let path: [CodingKey]
        switch self {
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        @unknown default: path = []
        }
        return dottedPath(path)
    }

    /// What is wrong there.
    public var problem: String {
        switch self {
        case .keyNotFound: return "is missing"
        case .typeMismatch(let type, _): return "has the wrong type (expected \(type))"
        case .valueNotFound(let type, _): return "is null (expected \(type))"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "is not valid JSON" : "has an invalid value (\(c.debugDescription))"
        @unknown default: return "is invalid"
        }
    }

    /// `'key.path' problem`, or the problem alone for the whole document.
    public var summary: String { keyPath.isEmpty ? "the document \(problem)" : "'\(keyPath)' \(problem)" }
}

/// The same wording for values that cannot be written, such as a NaN float in JSON.
extension EncodingError {
    /// The key path of the value at fault, e.g. `group.completions[0].reward`.
    public var keyPath: String {
        switch self {
        case .invalidValue(_, let c): return dottedPath(c.codingPath)
        @unknown default: return ""
        }
    }

    /// What is wrong there.
    public var problem: String {
        switch self {
        case .invalidValue(let value, let c):
            let reason = c.debugDescription.isEmpty ? "" : " (\(c.debugDescription))"
            return "holds \(value), which cannot be encoded\(reason)"
        @unknown default: return "cannot be encoded"
        }
    }

    /// `'key.path' problem`, or the problem alone for the whole value.
    public var summary: String { keyPath.isEmpty ? "the value \(problem)" : "'\(keyPath)' \(problem)" }
}

/// `a.b[2].c` for a coding path.
private func dottedPath(_ path: [CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
}
