import CZMQ
import Foundation

/// Typed setters for the socket options the trainer uses. Most take effect only for
/// connections made after they are set, so set them before `bind` or `connect`.
extension ZMQSocket {
    /// Messages queued per peer for sending before `send` blocks (or, on PUB and ROUTER,
    /// drops). 0 means no limit; libzmq's default is 1000.
    public func setSendHighWaterMark(_ messages: Int) throws {
        try setIntOption(ZMQ_SNDHWM, "ZMQ_SNDHWM", messages)
    }

    /// Messages queued per peer on receipt before libzmq stops reading from that peer.
    public func setReceiveHighWaterMark(_ messages: Int) throws {
        try setIntOption(ZMQ_RCVHWM, "ZMQ_RCVHWM", messages)
    }

    /// How long `close()` (and terminating the context) may wait to send queued messages:
    /// 0 drops them at once (this module's default), -1 waits forever (libzmq's default).
    public func setLinger(milliseconds: Int) throws {
        try setIntOption(ZMQ_LINGER, "ZMQ_LINGER", milliseconds)
    }

    /// The largest message, in bytes, this socket accepts from a peer; -1 means no limit.
    ///
    /// libzmq does not deliver a message over the limit: it treats it as a protocol error and
    /// drops the connection it came on. A connecting peer then reconnects (its queued
    /// messages survive, but any it had already written after the oversize one are lost with
    /// the connection); a ROUTER forgets the peer's routing id until it reconnects.
    public func setMaxMessageSize(_ bytes: Int) throws {
        var value = Int64(bytes)
        try withUnsafeBytes(of: &value) {
            try setRawOption(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", shown: "\(bytes)", $0)
        }
    }

    /// The id a ROUTER peer sees this socket by (1–255 bytes, not starting with a zero byte).
    /// Set it before `connect`; without one a ROUTER invents a 5-byte id per connection.
    public func setRoutingID(_ id: [UInt8]) throws {
        try id.withUnsafeBytes { try setRawOption(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", shown: "\(id.count) bytes", $0) }
    }

    public func setRoutingID(_ id: String) throws {
        try setRoutingID(Array(id.utf8))
    }

    /// SUB only: also receive messages whose first frame starts with `prefix` (empty: all).
    public func subscribe(_ prefix: [UInt8]) throws {
        try prefix.withUnsafeBytes {
            try setRawOption(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE", shown: "\(prefix.count)-byte prefix", $0)
        }
    }

    public func subscribe(_ prefix: String) throws {
        try subscribe(Array(prefix.utf8))
    }

    /// SUB only: withdraws one earlier `subscribe` of the same prefix.
    public func unsubscribe(_ prefix: [UInt8]) throws {
        try prefix.withUnsafeBytes {
            try setRawOption(ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE", shown: "\(prefix.count)-byte prefix", $0)
        }
    }

    /// ROUTER only: make `send` to an unknown routing id throw (`isHostUnreachable`) instead
    /// of dropping the message silently, and block (or return false) at the high-water mark
    /// instead of dropping.
    public func setRouterMandatory(_ on: Bool) throws {
        try setIntOption(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", on ? 1 : 0)
    }

    /// Queue messages only on connections that have completed their handshake, so that a
    /// DEALER with no live peer blocks (or returns false) rather than queueing for a peer
    /// that may never come.
    public func setImmediate(_ on: Bool) throws {
        try setIntOption(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", on ? 1 : 0)
    }

    /// ZMTP heartbeats: send a PING every `intervalMilliseconds` and drop the connection when
    /// nothing comes back within `timeoutMilliseconds` (libzmq's default: the interval).
    /// `ttlMilliseconds` asks the remote peer to drop the connection if it hears nothing from
    /// us for that long (whole tenths of a second, at most 6 553 500 ms). A dropped
    /// connection is re-established by the connecting side, so a dead peer is noticed
    /// without an application-level heartbeat.
    public func setHeartbeat(intervalMilliseconds: Int, timeoutMilliseconds: Int? = nil,
                             ttlMilliseconds: Int? = nil) throws {
        try setIntOption(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", intervalMilliseconds)
        if let timeoutMilliseconds {
            try setIntOption(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", timeoutMilliseconds)
        }
        if let ttlMilliseconds {
            try setIntOption(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL", ttlMilliseconds)
        }
    }

    /// How soon a connecting socket retries after losing or failing a connection; with
    /// `maxMilliseconds` above it, each retry doubles the wait up to that bound (0: no backoff).
    public func setReconnectInterval(milliseconds: Int, maxMilliseconds: Int = 0) throws {
        try setIntOption(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL", milliseconds)
        try setIntOption(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", maxMilliseconds)
    }

    /// The time a new connection has to finish its handshake (CURVE included) before it is
    /// dropped; 0 means no limit, libzmq's default is 30 s.
    public func setHandshakeInterval(milliseconds: Int) throws {
        try setIntOption(ZMQ_HANDSHAKE_IVL, "ZMQ_HANDSHAKE_IVL", milliseconds)
    }

    /// The endpoint last bound or connected, with a wildcard port resolved:
    /// `tcp://127.0.0.1:*` reads back as e.g. `tcp://127.0.0.1:41237`.
    public var lastEndpoint: String {
        get throws {
            let socket = try liveHandle("read ZMQ_LAST_ENDPOINT")
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            guard zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
                throw ZMQError.last("read ZMQ_LAST_ENDPOINT of \(kind) socket")
            }
            return String(cString: buffer)
        }
    }

    // MARK: CurveZMQ

    /// Makes this socket a CURVE server with the given Z85 secret key: every connection is
    /// encrypted, and each client's public key is checked by the ZAP handler of this
    /// socket's context (`ZAPHandler`), which must be running before this socket binds.
    ///
    /// Where libzmq accepts ZMQ_ZAP_ENFORCE_DOMAIN (a draft option the Debian build has),
    /// it is set, so that a missing ZAP handler refuses every client; without it libzmq
    /// would encrypt but accept any client. Call before `bind`.
    public func makeCurveServer(secretKey: String, zapDomain: String = "grpo") throws {
        try Z85.checkKey(secretKey, role: "CURVE server secret key")
        try setIntOption(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", 1)
        try setKeyOption(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", secretKey)
        let domain = Array(zapDomain.utf8)
        try domain.withUnsafeBytes { try setRawOption(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", shown: zapDomain, $0) }
        var enforce: Int32 = 1
        let socket = try liveHandle("set ZMQ_ZAP_ENFORCE_DOMAIN")
        if zmq_setsockopt(socket, Self.zapEnforceDomain, &enforce, 4) != 0 && zmq_errno() != EINVAL {
            throw ZMQError.last("set ZMQ_ZAP_ENFORCE_DOMAIN = 1 on \(kind) socket")
        }
    }

    /// Makes this socket a CURVE client that talks only to the server whose public key is
    /// `serverPublicKey` (a server with another key fails the handshake and nothing is
    /// exchanged), presenting its own key pair. All keys are Z85. Call before `connect`.
    public func makeCurveClient(serverPublicKey: String, publicKey: String, secretKey: String) throws {
        try Z85.checkKey(serverPublicKey, role: "CURVE server public key")
        try Z85.checkKey(publicKey, role: "CURVE client public key")
        try Z85.checkKey(secretKey, role: "CURVE client secret key")
        try setKeyOption(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", serverPublicKey)
        try setKeyOption(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", publicKey)
        try setKeyOption(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", secretKey)
    }

    /// ZMQ_ZAP_ENFORCE_DOMAIN, defined by zmq.h only under ZMQ_BUILD_DRAFT_API.
    static let zapEnforceDomain: Int32 = 93

    // MARK: Plumbing

    /// A 40-character Z85 key, passed as 41 bytes with its NUL, which libzmq decodes. The
    /// key itself never appears in an error message.
    private func setKeyOption(_ option: Int32, _ name: String, _ key: String) throws {
        let bytes = Array(key.utf8) + [0]
        try bytes.withUnsafeBytes { try setRawOption(option, name, shown: "<Z85 key>", $0) }
    }

    func setIntOption(_ option: Int32, _ name: String, _ value: Int) throws {
        guard var value32 = Int32(exactly: value) else {
            throw ZMQError(code: EINVAL, operation: "set \(name) = \(value) on \(kind) socket: out of range")
        }
        try withUnsafeBytes(of: &value32) { try setRawOption(option, name, shown: "\(value)", $0) }
    }

    func setRawOption(_ option: Int32, _ name: String, shown: String, _ value: UnsafeRawBufferPointer) throws {
        let socket = try liveHandle("set \(name)")
        guard zmq_setsockopt(socket, option, value.baseAddress, value.count) == 0 else {
            throw ZMQError.last("set \(name) = \(shown) on \(kind) socket")
        }
    }

    /// An `int` option's current value (for tests and diagnostics).
    func intOption(_ option: Int32, _ name: String) throws -> Int {
        let socket = try liveHandle("read \(name)")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(socket, option, &value, &size) == 0 else {
            throw ZMQError.last("read \(name) of \(kind) socket")
        }
        return Int(value)
    }
}
