import Foundation
import GRPORun
import Transport

/// The learner's two sockets: the work ROUTER and the weights PUB, with CurveZMQ and the
/// ZAP allow-list when the configuration turns security on.
///
/// Without CURVE the learner binds only loopback addresses unless `learner.insecure` is set:
/// an open port on a network would let anyone feed it groups.
final class LearnerSockets {
    let work: ZMQSocket
    let weights: ZMQSocket
    private var zap: ZAPHandler?

    init(configuration: RunConfiguration, log: @escaping (String) -> Void) throws {
        let l = configuration.learner, security = configuration.security
        if !security.curve && !l.insecure {
            for endpoint in [l.bind, l.publish] where !Self.isLoopback(endpoint) {
                throw ConfigurationError.invalidValue(key: "learner.bind",
                    message: "\(endpoint) is not a loopback address; enable security.curve or set learner.insecure (--insecure)")
            }
        }
        work = try ZMQSocket(.router)
        weights = try ZMQSocket(.pub)
        try work.setMaxMessageSize(l.maxMessageBytes)
        try work.setReceiveHighWaterMark(10_000)
        try work.setSendHighWaterMark(10_000)
        try work.setLinger(milliseconds: 1000)
        try weights.setSendHighWaterMark(4)      // a slow subscriber misses versions, then asks for a snapshot
        try weights.setLinger(milliseconds: 1000)
        if security.curve {
            let keys = try CurveKeyPair.load(secretFile: URL(fileURLWithPath: security.secretKey!))
            guard let allowDir = security.allowedKeys else {
                throw ConfigurationError.invalidValue(key: "security.allowed_keys", message: "is required on the learner with CURVE")
            }
            let allowed = try CurveKeyPair.allowList(directory: URL(fileURLWithPath: allowDir))
            zap = try ZAPHandler(allowedKeys: Set(allowed.keys)) { key, address, ok in
                if ok {
                    log("learner: admitted \(allowed[key] ?? key) (CURVE) from \(address)")
                } else {
                    log("learner: refused a CURVE client from \(address) with key \(key.isEmpty ? "(none)" : key)")
                }
            }
            for socket in [work, weights] { try socket.makeCurveServer(secretKey: keys.secretKey) }
        }
        try work.bind(l.bind)
        try weights.bind(l.publish)
    }

    func close() {
        work.close()
        weights.close()
        zap?.stop()
    }

    static func isLoopback(_ endpoint: String) -> Bool {
        guard endpoint.hasPrefix("tcp://") else { return true }   // ipc:// and inproc:// stay on the machine
        let host = endpoint.dropFirst(6).split(separator: ":").dropLast().joined(separator: ":")
        return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.hasPrefix("127.")
    }
}
