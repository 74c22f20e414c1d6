import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The ZAP (ZeroMQ RFC 27) handler that decides which CURVE clients a context's servers
/// accept: a client is let in only if its public key is on the allow-list.
///
/// libzmq asks the handler bound at `inproc://zeromq.zap.01` in the server socket's context
/// about each new connection, once the client has proved it holds the secret key of the
/// public key it presents. This one runs on a thread of its own with a REP socket there and
/// answers `200` for an allow-listed key and `400` (with a reason) for anything else,
/// reporting every decision to `onDecision` so the learner can log refusals with the peer's
/// address. A refused client is disconnected before any message passes, and (libzmq 4.3)
/// does not retry: its socket reports `SocketMonitor.Kind.handshakeFailedAuthentication`
/// with value 400 and stays unconnected to that endpoint, so a worker whose key is added to
/// the allow-list later must connect again.
///
/// Start the handler before any CURVE server socket of the context binds, and keep it
/// running while they live: libzmq has only one ZAP endpoint per context, so there can be
/// one handler per context.
public final class ZAPHandler: @unchecked Sendable {
    /// Called on the handler's thread with the client's Z85 public key ("" when the client
    /// did not use CURVE), its IP address, and whether it was let in. The handshake waits
    /// for it, so it should be quick (log and return).
    public typealias Decision = (_ clientKey: String, _ address: String, _ allowed: Bool) -> Void

    /// Where libzmq looks for the handler (RFC 27).
    public static let endpoint = "inproc://zeromq.zap.01"

    private let worker: Worker
    private let thread: Thread

    /// Binds the ZAP endpoint of `context` (before returning, so a CURVE server bound after
    /// this is guarded) and starts answering. `domain`, if given, is the only ZAP domain
    /// (`makeCurveServer(zapDomain:)`) whose clients can be let in.
    public init(context: ZMQContext = .shared, allowedKeys: Set<String>, domain: String? = nil,
                onDecision: Decision? = nil) throws {
        for key in allowedKeys { try Z85.checkKey(key, role: "allow-listed public key") }
        let socket = try ZMQSocket(.rep, context: context)
        // libzmq releases an inproc endpoint asynchronously after its socket closes, so a
        // handler started right after another stopped may briefly find it taken.
        var attempt = 0
        while true {
            do {
                try socket.bind(Self.endpoint)
                break
            } catch let error as ZMQError where error.code == EADDRINUSE && attempt < 20 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.025)
            }
        }
        let worker = Worker(socket: socket, allowedKeys: allowedKeys, domain: domain, onDecision: onDecision)
        // The socket moves to the new thread here; starting a thread is a full memory barrier.
        let thread = Thread { worker.run() }
        thread.name = "ZAP handler"
        self.worker = worker
        self.thread = thread
        thread.start()
    }

    deinit { stop() }

    /// The public keys let in; replacing it affects connections from then on (established
    /// ones stay).
    public var allowedKeys: Set<String> {
        get { worker.locked { worker.allowedKeys } }
        set { worker.locked { worker.allowedKeys = newValue } }
    }

    /// Connections let in so far.
    public var acceptedCount: Int { worker.locked { worker.accepted } }

    /// Connections refused so far (a client that keeps reconnecting counts each time).
    public var refusedCount: Int { worker.locked { worker.refused } }

    /// The error that ended the handler thread early, if one did (nil after a clean `stop`).
    public var failure: ZMQError? { worker.locked { worker.failure } }

    /// Stops answering, closes the socket and waits (up to one poll period) for the thread
    /// to finish. From then on the context's CURVE servers refuse every client (see
    /// `makeCurveServer`). Calling it again does nothing; called from `onDecision` it returns
    /// at once and the thread ends after the current request.
    public func stop() {
        let shouldWait: Bool = worker.locked {
            defer { worker.stopRequested = true }
            return !worker.stopRequested
        }
        guard shouldWait, Thread.current !== thread else { return }
        worker.finished.wait()
    }

    /// The state the handler thread shares with its owner, every field but `socket` guarded
    /// by `lock`; `socket` belongs to the handler thread once it starts.
    private final class Worker: @unchecked Sendable {
        let socket: ZMQSocket
        let domain: String?
        let onDecision: Decision?
        let finished = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        var allowedKeys: Set<String>
        var stopRequested = false
        var accepted = 0
        var refused = 0
        var failure: ZMQError?

        /// How often the thread looks at `stopRequested` while idle.
        static let pollMilliseconds = 50

        init(socket: ZMQSocket, allowedKeys: Set<String>, domain: String?, onDecision: Decision?) {
            self.socket = socket
            self.allowedKeys = allowedKeys
            self.domain = domain
            self.onDecision = onDecision
        }

        func locked<T>(_ body: () throws -> T) rethrows -> T {
            lock.lock(); defer { lock.unlock() }
            return try body()
        }

        func run() {
            defer {
                socket.close()
                finished.signal()
            }
            while !locked({ stopRequested }) {
                do {
                    guard let request = try socket.receive(timeoutMilliseconds: Self.pollMilliseconds) else { continue }
                    try socket.send(reply(to: request))
                } catch let error as ZMQError {
                    // ETERM: the context is being torn down under us, which is the owner's way
                    // of saying stop. Anything else means the handler cannot go on.
                    if !error.isContextTerminated { locked { failure = error } }
                    return
                } catch {
                    return
                }
            }
        }

        /// The RFC 27 reply: version, request id, status code, status text, user id, metadata.
        /// Frames of a request: version, request id, domain, address, routing id, mechanism,
        /// credentials (for CURVE, the client's 32-byte public key).
        func reply(to request: [[UInt8]]) -> [[UInt8]] {
            func answer(_ status: String, _ text: String, userID: String = "") -> [[UInt8]] {
                [Array("1.0".utf8), request.count > 1 ? request[1] : [], Array(status.utf8), Array(text.utf8),
                 Array(userID.utf8), []]
            }
            guard request.count >= 6, String(decoding: request[0], as: UTF8.self) == "1.0" else {
                return answer("500", "malformed ZAP request")
            }
            let requestDomain = String(decoding: request[2], as: UTF8.self)
            let address = String(decoding: request[3], as: UTF8.self)
            let mechanism = String(decoding: request[5], as: UTF8.self)
            let credentials = Array(request.dropFirst(6))

            var clientKey = ""
            let refusal: String?
            if mechanism != "CURVE" {
                refusal = "mechanism \(mechanism) is not accepted, only CURVE"
            } else if credentials.count != 1 || credentials[0].count != 32 {
                refusal = "malformed CURVE credentials"
            } else {
                clientKey = Z85.encode(key: credentials[0])
                if let domain, requestDomain != domain {
                    refusal = "ZAP domain '\(requestDomain)' is not served"
                } else if !locked({ allowedKeys.contains(clientKey) }) {
                    refusal = "client public key is not on the allow-list"
                } else {
                    refusal = nil
                }
            }
            locked {
                if refusal == nil { accepted += 1 } else { refused += 1 }
            }
            onDecision?(clientKey, address, refusal == nil)
            if let refusal { return answer("400", refusal) }
            // The user id becomes the "User-Id" property of the client's messages.
            return answer("200", "OK", userID: clientKey)
        }
    }
}
