import CZMQ
import Foundation

/// A failed libzmq call: the errno it left, libzmq's text for it, and what was being done
/// (the operation and, where there is one, the endpoint or option), so that the message alone
/// says what to look at: `bind tcp://0.0.0.0:5555: Address already in use (errno 98)`.
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The errno value: a POSIX code, or one of libzmq's own (`ETERM`, `EFSM`, ...).
    public let code: Int32
    /// What failed, e.g. `connect tcp://learner:5555` or `set ZMQ_MAXMSGSIZE on router socket`.
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The error libzmq reports for the calling thread's last failed call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    /// libzmq's description of `code` (it covers its own codes as well as the POSIX ones).
    public var reason: String { String(cString: zmq_strerror(code)) }

    public var description: String { "\(operation): \(reason) (errno \(code))" }

    /// The socket's context was terminated: the socket must be closed, nothing more will work.
    public var isContextTerminated: Bool { code == ETERM }

    /// A ROUTER with `setRouterMandatory(true)` was asked to send to a routing id that is not
    /// (or no longer) connected.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }
}
