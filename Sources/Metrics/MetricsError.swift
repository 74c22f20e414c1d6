#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the metrics writers. Each names the file or directory concerned, so a full disk
/// or a read-only output directory is reported as "where", not only "what".
public enum MetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `operation` says which.
    case io(path: String, operation: String, errno: Int32)
    /// A write after `close()`.
    case closed(path: String)
    /// The log directory could not be created; `detail` is the underlying error's description.
    case cannotCreateDirectory(path: String, detail: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .closed(let path):
            return "\(path): written to after close()"
        case .cannotCreateDirectory(let path, let detail):
            return "\(path): cannot create the directory: \(detail)"
        }
    }
}
