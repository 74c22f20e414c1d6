import CZMQ
import Foundation

/// Waits until one or more sockets have a message to receive, e.g. a learner watching its
/// ROUTER for rollouts and a control socket for a stop signal in one loop.
///
/// Like the sockets it polls, a poller belongs to one thread at a time.
public struct Poller {
    public let sockets: [ZMQSocket]

    public init(_ sockets: [ZMQSocket]) {
        self.sockets = sockets
    }

    /// The indices into `sockets` of those with a message ready, in order; empty when none
    /// became readable within `timeoutMilliseconds` (0 checks without waiting; nil waits as
    /// long as it takes).
    public func poll(timeoutMilliseconds: Int?) throws -> [Int] {
        var items = try sockets.map { socket in
            zmq_pollitem_t(socket: try socket.liveHandle("poll \(socket.kind) socket"),
                           fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        }
        guard try pollItems(&items, timeoutMilliseconds: timeoutMilliseconds,
                            operation: "poll \(sockets.count) sockets") else { return [] }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}

/// `zmq_poll` over `items`, resumed after signals until the deadline; true if any is ready.
func pollItems(_ items: inout [zmq_pollitem_t], timeoutMilliseconds: Int?, operation: String) throws -> Bool {
    let deadline = timeoutMilliseconds.map { monotonicMilliseconds() + max(0, $0) }
    while true {
        let timeout = deadline.map { max(0, $0 - monotonicMilliseconds()) } ?? -1
        let ready = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeout) }
        if ready >= 0 { return ready > 0 }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZMQError(code: code, operation: operation)
    }
}

/// Milliseconds on a clock that never jumps, for deadlines.
func monotonicMilliseconds() -> Int {
    Int(DispatchTime.now().uptimeNanoseconds / 1_000_000)
}
