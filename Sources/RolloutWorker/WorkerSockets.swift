import Foundation
import GRPOProtocol
import GRPORun
import Transport

/// A worker's DEALER (work) and SUB (weights) connections, CURVE clients pinning the
/// learner's public key when security is on.
final class WorkerSockets {
    let work: ZMQSocket
    let weights: ZMQSocket

    init(configuration: RunConfiguration, workerID: String) throws {
        work = try ZMQSocket(.dealer)
        weights = try ZMQSocket(.sub)
        try work.setLinger(milliseconds: 0)
        try work.setSendHighWaterMark(1000)
        try weights.setReceiveHighWaterMark(4)
        if configuration.security.curve {
            let keys = try CurveKeyPair.load(secretFile: URL(fileURLWithPath: configuration.security.secretKey!))
            guard let serverFile = configuration.security.serverPublicKey else {
                throw ConfigurationError.invalidValue(key: "security.server_public_key", message: "is required on a worker with CURVE")
            }
            let server = try CurveKeyPair.loadPublic(file: URL(fileURLWithPath: serverFile))
            for socket in [work, weights] {
                try socket.makeCurveClient(serverPublicKey: server, publicKey: keys.publicKey, secretKey: keys.secretKey)
            }
        }
        try weights.subscribe(MessageType.weights.rawValue)
        try work.connect(configuration.worker.learner)
        try weights.connect(configuration.worker.weights)
    }

    func send(_ message: WireMessage) throws { try send(frames: message.frames) }

    func send(frames: [[UInt8]]) throws {
        guard try work.send(frames, dontWait: true) else { throw WireError("the learner connection is not accepting messages") }
    }

    func close() {
        work.close()
        weights.close()
    }
}
