import CZMQ
import Foundation

/// One ZeroMQ socket: multipart messages of byte frames over `tcp://`, `ipc://` or `inproc://`.
///
/// Not thread-safe, by design, like the libzmq socket under it: use each socket from one
/// thread at a time. A socket may move to another thread only across a full memory barrier
/// (starting a thread, a lock, a semaphore), and two threads must never call into it at once.
/// Threads that need to talk do so over sockets of their own (`inproc://` pairs), not by
/// sharing one. For the same reason the class is not `Sendable`.
///
/// Sockets are created with linger 0 (libzmq's default is to wait forever): closing one drops
/// the messages it has not yet sent. Call `setLinger(milliseconds:)` first where queued
/// messages must still go out. The socket keeps its context alive and is closed when
/// released, if `close()` was not called.
public final class ZMQSocket {
    /// The socket types the trainer uses.
    public enum Kind: String, Sendable, CaseIterable {
        /// Addresses each connected peer by routing id; receives `[id, frames...]` and sends
        /// `[id, frames...]`. The learner's side of learner/worker traffic.
        case router
        /// Load-balances sends over its connections and fair-queues receives, no envelope.
        /// A rollout worker's side.
        case dealer
        /// Publishes to every subscriber whose subscription prefixes the first frame; drops
        /// messages for subscribers that are slow or not yet connected.
        case pub
        /// Receives the published messages that match one of its `subscribe` prefixes.
        case sub
        /// Strict receive-then-reply server (the ZAP handler uses one).
        case rep
        /// Strict send-then-receive client.
        case req
        /// Exactly one peer, both directions; for `inproc://` signalling between threads.
        case pair

        var zmqType: Int32 {
            switch self {
            case .router: return ZMQ_ROUTER
            case .dealer: return ZMQ_DEALER
            case .pub: return ZMQ_PUB
            case .sub: return ZMQ_SUB
            case .rep: return ZMQ_REP
            case .req: return ZMQ_REQ
            case .pair: return ZMQ_PAIR
            }
        }
    }

    public let kind: Kind
    public let context: ZMQContext
    /// The `void *` socket, nil once closed.
    private(set) var handle: UnsafeMutableRawPointer?

    public init(_ kind: Kind, context: ZMQContext = .shared) throws {
        self.kind = kind
        self.context = context
        let contextHandle = try context.liveHandle(for: "create \(kind) socket")
        guard let handle = zmq_socket(contextHandle, kind.zmqType) else {
            throw ZMQError.last("create \(kind) socket")
        }
        self.handle = handle
        try setLinger(milliseconds: 0)
    }

    deinit { close() }

    /// Closes the socket, dropping unsent messages unless a linger period was set. Calling it
    /// again does nothing; any other call afterwards throws `ENOTSOCK`.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        _ = zmq_close(handle)
    }

    public var isClosed: Bool { handle == nil }

    /// The open handle, or an `ENOTSOCK` error naming `operation` once closed.
    func liveHandle(_ operation: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: "\(operation()) (socket is closed)") }
        return handle
    }

    // MARK: Endpoints

    /// Accepts connections at `endpoint`, e.g. `tcp://0.0.0.0:5555`, or `tcp://127.0.0.1:*`
    /// for a free port (read it back from `lastEndpoint`).
    public func bind(_ endpoint: String) throws {
        let socket = try liveHandle("bind \(endpoint)")
        guard zmq_bind(socket, endpoint) == 0 else { throw ZMQError.last("bind \(kind) socket to \(endpoint)") }
    }

    /// Connects to `endpoint`. Returns at once: libzmq connects in the background and keeps
    /// reconnecting (see `setReconnectInterval`), so an absent peer is not an error here.
    public func connect(_ endpoint: String) throws {
        let socket = try liveHandle("connect \(endpoint)")
        guard zmq_connect(socket, endpoint) == 0 else { throw ZMQError.last("connect \(kind) socket to \(endpoint)") }
    }

    /// Stops accepting connections at an endpoint given to `bind` (the resolved form from
    /// `lastEndpoint` where a wildcard port was bound).
    public func unbind(_ endpoint: String) throws {
        let socket = try liveHandle("unbind \(endpoint)")
        guard zmq_unbind(socket, endpoint) == 0 else { throw ZMQError.last("unbind \(kind) socket from \(endpoint)") }
    }

    /// Drops the connection made by `connect(endpoint)`.
    public func disconnect(_ endpoint: String) throws {
        let socket = try liveHandle("disconnect \(endpoint)")
        guard zmq_disconnect(socket, endpoint) == 0 else {
            throw ZMQError.last("disconnect \(kind) socket from \(endpoint)")
        }
    }

    // MARK: Messages

    /// Sends one message of `frames` (at least one; frames may be empty). Multipart messages
    /// are atomic: the peer gets all frames or none.
    ///
    /// Blocks while the message cannot be queued (high-water mark reached, or a DEALER with
    /// no connection and `immediate` set), unless `dontWait`, in which case it returns false
    /// and sends nothing. Returns true when the message was queued; queued is not delivered.
    /// A ROUTER drops messages for unknown routing ids silently unless `setRouterMandatory`
    /// is on, when it throws an error with `isHostUnreachable`.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws -> Bool {
        let socket = try liveHandle("send on \(kind) socket")
        guard !frames.isEmpty else {
            throw ZMQError(code: EINVAL, operation: "send on \(kind) socket: a message needs at least one frame")
        }
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            while frame.withUnsafeBytes({ zmq_send(socket, $0.baseAddress, $0.count, flags) }) < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                // Only the first frame can be refused for want of room: once it is queued,
                // libzmq accepts the rest of the message.
                if code == EAGAIN && dontWait && index == 0 { return false }
                throw ZMQError(code: code, operation: "send frame \(index + 1) of \(frames.count) on \(kind) socket")
            }
        }
        return true
    }

    /// Sends a message of UTF-8 string frames.
    @discardableResult
    public func send(strings: [String], dontWait: Bool = false) throws -> Bool {
        try send(strings.map { Array($0.utf8) }, dontWait: dontWait)
    }

    /// The next whole message, all its frames; nil if none arrived within
    /// `timeoutMilliseconds` (0 checks without waiting; nil waits as long as it takes).
    public func receive(timeoutMilliseconds: Int? = nil) throws -> [[UInt8]]? {
        let socket = try liveHandle("receive on \(kind) socket")
        let deadline = timeoutMilliseconds.map { monotonicMilliseconds() + max(0, $0) }
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(message)
        defer {
            zmq_msg_close(message)
            message.deallocate()
        }
        // The first frame: wait for it by polling when there is a deadline.
        while true {
            if let deadline {
                var item = [zmq_pollitem_t(socket: socket, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)]
                let remaining = max(0, deadline - monotonicMilliseconds())
                guard try pollItems(&item, timeoutMilliseconds: remaining, operation: "poll \(kind) socket") else {
                    return nil
                }
            }
            if zmq_msg_recv(message, socket, deadline == nil ? 0 : ZMQ_DONTWAIT) >= 0 { break }
            let code = zmq_errno()
            if code == EINTR || (code == EAGAIN && deadline != nil) { continue }
            throw ZMQError(code: code, operation: "receive on \(kind) socket")
        }
        // The rest of a multipart message has arrived with its first frame.
        var frames = [Self.bytes(of: message)]
        while zmq_msg_more(message) != 0 {
            while zmq_msg_recv(message, socket, 0) < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                throw ZMQError(code: code, operation: "receive frame \(frames.count + 1) on \(kind) socket")
            }
            frames.append(Self.bytes(of: message))
        }
        return frames
    }

    private static func bytes(of message: UnsafeMutablePointer<zmq_msg_t>) -> [UInt8] {
        let size = zmq_msg_size(message)
        guard size > 0, let data = zmq_msg_data(message) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }
}
