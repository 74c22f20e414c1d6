import Foundation
import GRPOProtocol
import GRPORun
import LanguageModel
import Training
import Transport

/// A rollout worker: asks the learner for prompts (one credit per prompt it can sample),
/// samples and scores a group for each, sends the groups back and keeps each until it is
/// acknowledged, and switches to a new adapter version between groups, never inside one.
///
/// Liveness both ways (Paranoid Pirate): heartbeats go out while idle and between decode
/// steps; when the learner is silent past `learner_timeout_ms` the worker drops the
/// connection and reconnects with exponential backoff, resending whatever was not
/// acknowledged.
public final class WorkerClient {
    let configuration: RunConfiguration
    let workerID: String
    let log: (String) -> Void
    private let runtime: ModelRuntime
    private let producer: RolloutProducer
    private let adapter: LoRAAdapter
    private var version = 0
    private var unacknowledged: [Int: [[UInt8]]] = [:]   // draw → GROUP frames
    private var finished = false
    private var groupsSent = 0, tokensSampled = 0
    private let started = Date()

    public init(configuration: RunConfiguration, workerID: String, log: @escaping (String) -> Void) throws {
        try configuration.validate()
        self.configuration = configuration
        self.workerID = workerID
        self.log = log
        runtime = try ModelRuntime(path: URL(fileURLWithPath: configuration.model))
        producer = try RolloutProducer(runtime: runtime, configuration: configuration)
        adapter = LoRAAdapter(config: configuration.lora, modelConfig: runtime.config)
        if let path = configuration.adapter {
            adapter.copyParameters(from: try PEFTAdapterFiles.load(from: URL(fileURLWithPath: path), modelConfig: runtime.config))
        } else {
            adapter.initialize(seed: configuration.seed)   // the learner's version 0
        }
        runtime.sample(with: adapter.merged(into: runtime.decoder.weights))
    }

    /// Works until the learner says the run is finished.
    public func run() throws {
        var backoff = 0.25
        while !finished {
            do {
                try session()
                backoff = 0.25
            } catch let error as WireError {
                log("worker \(workerID): \(error); reconnecting in \(backoff)s")
            }
            if finished { break }
            Thread.sleep(forTimeInterval: backoff)
            backoff = min(backoff * 2, Double(configuration.worker.reconnectMaxMilliseconds) / 1000)
        }
        log("worker \(workerID): learner finished; \(groupsSent) groups sent")
    }

    /// One connection: handshake, then serve until the learner goes silent or finishes.
    private func session() throws {
        let connection = try WorkerSockets(configuration: configuration, workerID: workerID)
        defer { connection.close() }
        let heartbeat = Double(configuration.worker.learnerTimeoutMilliseconds) / 1000
        try connection.send(WireMessage(.hello, Hello(workerID: workerID, slots: configuration.worker.promptsPerRequest)))
        var lastHeard = Date()
        var welcomed = false
        var asked = false
        var lastSent = Date()
        while true {
            try applyPublishedWeights(connection)
            if welcomed && !asked {
                for frames in unacknowledged.values.sorted(by: { $0[1].count < $1[1].count }) { try connection.send(frames: frames) }
                try connection.send(WireMessage(.ready, Ready(credits: configuration.worker.promptsPerRequest)))
                asked = true
                lastSent = Date()
            }
            if let frames = try connection.work.receive(timeoutMilliseconds: 250) {
                lastHeard = Date()
                let message = try WireMessage(frames: frames)
                switch message.type {
                case .welcome:
                    let welcome = try message.decode(Welcome.self)
                    welcomed = true
                    if welcome.policyVersion != version { try connection.send(WireMessage(.snapshot, ["version": version])) }
                    log("worker \(workerID): connected to \(configuration.worker.learner) (learner at v\(welcome.policyVersion))")
                case .assign:
                    try sample(try message.decode(Assign.self).assignments, connection: connection)
                    asked = false
                    lastHeard = Date()
                case .ack:
                    let ack = try message.decode(Ack.self)
                    unacknowledged[ack.draw] = nil
                    if !ack.accepted { log("worker \(workerID): group \(ack.draw) refused: \(ack.reason ?? "")") }
                case .weights:
                    try apply(message, connection: connection)
                case .heartbeat:
                    break
                case .reject:
                    let reject = try message.decode(Reject.self)
                    if reject.code == .finished { finished = true; return }
                    throw WireError("learner refused: \(reject.reason)")
                default:
                    throw WireError("unexpected \(message.type.rawValue) from the learner")
                }
            }
            if Date().timeIntervalSince(lastHeard) > heartbeat { throw WireError("learner silent for \(Int(heartbeat))s") }
            if Date().timeIntervalSince(lastSent) > Double(configuration.learner.heartbeatMilliseconds) / 1000 {
                try connection.send(WireMessage(.heartbeat, ["version": version]))
                lastSent = Date()
            }
        }
    }

    /// Samples one group per assignment with the current weights, sending each as it is scored.
    private func sample(_ assignments: [Assignment], connection: WorkerSockets) throws {
        let prompts = assignments.map { PreparedPrompt(index: $0.promptIndex, ids: $0.promptIDs, question: "", answer: $0.answer) }
        let t = Date()
        var lastBeat = Date()
        let produced = producer.produce(prompts, seed: configuration.seed &+ UInt64(assignments[0].draw) &* 0x9E37_79B9,
                                        policyVersion: version) { _ in
            // Between decode steps: keep the learner from declaring this worker dead. Best
            // effort: a beat that cannot go out now is followed by the next one, and a lost
            // connection shows up as the learner's silence once sampling is done.
            if Date().timeIntervalSince(lastBeat) > 1 {
                _ = try? connection.send(WireMessage(.heartbeat, ["version": self.version]))
                lastBeat = Date()
            }
        }
        let seconds = Date().timeIntervalSince(t)
        for (assignment, group) in zip(assignments, produced) {
            let report = GroupReport(draw: assignment.draw, workerID: workerID, group: group.group,
                                     generateSeconds: seconds / Double(assignments.count), scoreSeconds: 0)
            let frames: [[UInt8]]
            do { frames = try WireMessage(.group, report).frames } catch {
                // A group JSON cannot carry (a non-finite reward or logprob) is not sent;
                // the learner gets the draw back when this worker leaves or reconnects.
                log("worker \(workerID): group \(assignment.draw) not sent: \(error)")
                continue
            }
            unacknowledged[assignment.draw] = frames
            try connection.send(frames: frames)
            groupsSent += 1
            tokensSampled += group.group.completions.reduce(0) { $0 + $1.ids.count }
        }
        let elapsed = Date().timeIntervalSince(started)
        log(String(format: "worker %@: %d groups, %.1f completion tokens/s, v%d", workerID, groupsSent,
                   Double(tokensSampled) / max(elapsed, 1e-9), version))
    }

    /// Takes the newest version published since the last group. A damaged message is logged
    /// and skipped; a failing socket is thrown, as the work socket's errors are.
    private func applyPublishedWeights(_ connection: WorkerSockets) throws {
        while let frames = try connection.weights.receive(timeoutMilliseconds: 0) {
            do { try apply(try WireMessage(frames: frames), connection: connection) } catch {
                log("worker \(workerID): ignored a weights message: \(error)")
            }
        }
    }

    private func apply(_ message: WireMessage, connection: WorkerSockets) throws {
        guard message.type == .weights, let payload = message.payload else { throw WireError("not a WEIGHTS message") }
        let header = try message.decode(WeightsHeader.self)
        guard header.version > version || (header.encoding == .full && header.version != version) else { return }
        let applied = try AdapterWeightsCodec.apply(header, payload: payload, to: adapter.parameters.buffer, currentVersion: version)
        if !applied {
            // A delta on a version this worker missed: ask for the whole adapter (Clone pattern).
            try connection.send(WireMessage(.snapshot, ["version": version]))
            return
        }
        version = header.version
        runtime.sample(with: adapter.merged(into: runtime.decoder.weights))
    }
}
