import CZMQ
import Foundation

/// The connection events of one socket (libzmq's `zmq_socket_monitor`), so that a worker can
/// tell "the learner refused my key" from "the learner is not up yet"; `send` and `receive`
/// alone cannot, since ZeroMQ connects and fails in the background.
///
/// Belongs to the thread that owns the monitored socket, like the socket itself.
public final class SocketMonitor {
    public enum Kind: Equatable, Sendable {
        case connected, connectDelayed, connectRetried, listening, bindFailed, accepted, acceptFailed
        case closed, closeFailed, disconnected, monitorStopped
        /// The handshake failed without a ZMTP error from the peer: it closed the connection,
        /// e.g. because the client pinned another server's public key. `value` is the errno.
        case handshakeFailedNoDetail
        case handshakeSucceeded
        /// The peer broke the ZMTP/CURVE protocol; `value` is a `ZMQ_PROTOCOL_ERROR_*` code.
        case handshakeFailedProtocol
        /// The server's ZAP handler refused this client; `value` is its status code (400).
        /// libzmq does not reconnect after this: the endpoint stays dead until connected anew.
        case handshakeFailedAuthentication
        case other(UInt16)

        init(_ event: UInt16) {
            let kinds: [Int32: Kind] = [
                ZMQ_EVENT_CONNECTED: .connected, ZMQ_EVENT_CONNECT_DELAYED: .connectDelayed,
                ZMQ_EVENT_CONNECT_RETRIED: .connectRetried, ZMQ_EVENT_LISTENING: .listening,
                ZMQ_EVENT_BIND_FAILED: .bindFailed, ZMQ_EVENT_ACCEPTED: .accepted,
                ZMQ_EVENT_ACCEPT_FAILED: .acceptFailed, ZMQ_EVENT_CLOSED: .closed,
                ZMQ_EVENT_CLOSE_FAILED: .closeFailed, ZMQ_EVENT_DISCONNECTED: .disconnected,
                ZMQ_EVENT_MONITOR_STOPPED: .monitorStopped,
                ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: .handshakeFailedNoDetail,
                ZMQ_EVENT_HANDSHAKE_SUCCEEDED: .handshakeSucceeded,
                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: .handshakeFailedProtocol,
                ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: .handshakeFailedAuthentication,
            ]
            self = kinds[Int32(event)] ?? .other(event)
        }
    }

    public struct Event: Equatable, Sendable {
        public let kind: Kind
        /// The event's number: an errno, a file descriptor, a retry interval or a ZAP status.
        public let value: UInt32
        /// The endpoint concerned, e.g. `tcp://127.0.0.1:5555`.
        public let endpoint: String
    }

    private let socket: ZMQSocket
    private let events: ZMQSocket
    private var monitoring = true

    /// Starts reporting the events of `socket`. Start it before `connect` or `bind` to see
    /// every event of that connection.
    public init(_ socket: ZMQSocket) throws {
        self.socket = socket
        let address = "inproc://grpo-monitor-\(UUID().uuidString)"
        let handle = try socket.liveHandle("monitor \(socket.kind) socket")
        guard zmq_socket_monitor(handle, address, ZMQ_EVENT_ALL) == 0 else {
            throw ZMQError.last("monitor \(socket.kind) socket at \(address)")
        }
        events = try ZMQSocket(.pair, context: socket.context)
        try events.connect(address)
    }

    deinit { close() }

    /// The next event, or nil if none came within `timeoutMilliseconds` (nil: wait for one).
    public func next(timeoutMilliseconds: Int? = nil) throws -> Event? {
        guard let frames = try events.receive(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        guard frames.count == 2, frames[0].count == 6 else {
            throw ZMQError(code: EPROTO, operation: "read socket monitor event: \(frames.count) frames, expected 2")
        }
        // libzmq copies the numbers in in native byte order.
        let (event, value) = frames[0].withUnsafeBytes {
            ($0.loadUnaligned(as: UInt16.self), $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        return Event(kind: Kind(event), value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
    }

    /// Stops monitoring (if the socket is still open) and closes the event socket.
    public func close() {
        if monitoring, let handle = socket.handle {
            _ = zmq_socket_monitor(handle, nil, 0)
        }
        monitoring = false
        events.close()
    }
}
