#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the rollout log. Each names the file (or directory) concerned, and corruption
/// errors the byte offset, so an operator can find the damage with `xxd -s`.
public enum RolloutLogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `operation` says which (and at what offset, for reads and writes).
    case io(path: String, operation: String, errno: Int32)
    /// A record that is not the damaged tail of the log is invalid.
    case corruptRecord(path: String, offset: Int, detail: String)
    /// Segment numbering does not run 1, 2, 3, ... without gaps.
    case missingSegment(directory: String, detail: String)
    /// An append larger than the writer's `maxRecordBytes`.
    case recordTooLarge(bytes: Int, limit: Int)
    /// Another writer holds the directory's lock.
    case locked(directory: String)
    /// The writer was closed, or failed in a way that leaves its state unknown.
    case writerUnusable(directory: String, reason: String)
    /// A reader was asked to start after the last record.
    case startBeyondEnd(directory: String, requested: Int, available: Int)
    /// Parameters that cannot work (a non-positive segment size, say).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .corruptRecord(let path, let offset, let detail):
            return "\(path): corrupt record at offset \(offset): \(detail)"
        case .missingSegment(let directory, let detail):
            return "\(directory): \(detail)"
        case .recordTooLarge(let bytes, let limit):
            return "a \(bytes)-byte record exceeds the log's \(limit)-byte record limit"
        case .locked(let directory):
            return "\(directory): another writer has this rollout log open"
        case .writerUnusable(let directory, let reason):
            return "\(directory): the log writer cannot append: \(reason)"
        case .startBeyondEnd(let directory, let requested, let available):
            return "\(directory): asked to start at record \(requested) but the log holds only \(available) records"
        case .invalidConfiguration(let detail):
            return "rollout log: \(detail)"
        }
    }
}
