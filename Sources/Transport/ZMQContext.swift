import CZMQ
import Foundation

/// A libzmq context: the I/O thread and the namespace of `inproc://` endpoints that its
/// sockets share. A process normally needs exactly one, `ZMQContext.shared`; a separate
/// context is useful where an `inproc` name must not collide, e.g. one ZAP handler per test.
///
/// libzmq contexts are thread-safe, so one may be shared by sockets on any threads (the
/// sockets themselves are not; see `ZMQSocket`). Every socket keeps a strong reference to its
/// context, so a context is never terminated under an open socket by being released.
public final class ZMQContext: @unchecked Sendable {
    /// The process-wide context. It is never terminated.
    public static let shared: ZMQContext = {
        do { return try ZMQContext() } catch { fatalError("cannot create the ZeroMQ context: \(error)") }
    }()

    /// The `void *` context, nil once terminated.
    private(set) var handle: UnsafeMutableRawPointer?
    private let lock = NSLock()

    public init() throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("create ZeroMQ context") }
        self.handle = handle
    }

    deinit { terminate() }

    /// Makes every blocking call on this context's sockets, on any thread, fail at once with
    /// `ETERM` (see `ZMQError.isContextTerminated`), without waiting for anything. The owner
    /// of each socket must then close it; `terminate()` waits for that.
    public func shutdown() {
        lock.lock(); defer { lock.unlock() }
        if let handle { _ = zmq_ctx_shutdown(handle) }
    }

    /// Destroys the context. libzmq blocks here until every socket of the context is closed
    /// and each has sent its queued messages or used up its linger period, so close the
    /// sockets (other threads see `ETERM` and should close theirs) before calling this on a
    /// thread that owns sockets, or it never returns. Calling it again does nothing.
    public func terminate() {
        lock.lock()
        let handle = self.handle
        self.handle = nil
        lock.unlock()
        guard let handle else { return }
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// The live handle, or an `ETERM` error naming `operation` once terminated.
    func liveHandle(for operation: String) throws -> UnsafeMutableRawPointer {
        lock.lock(); defer { lock.unlock() }
        guard let handle else { throw ZMQError(code: ETERM, operation: operation) }
        return handle
    }
}
