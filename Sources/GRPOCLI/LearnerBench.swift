import ArgumentParser
import Dispatch
import Foundation
import GRPOCore
import GRPOProtocol
import RolloutLog
import SeededRandom
import Training
import Transport

/// `grpo bench --suite learner`: the learner's two data paths at full speed, with no model.
///
/// Ingest: `--workers` synthetic workers flood a ROUTER with GROUP messages of the seed's
/// shape (16 completions × 200 tokens with logprobs and five rewards); the receiving loop does
/// what the learner's does per group (parse the frames, decode and validate the report, append
/// it to a rollout log under the fsync policy, acknowledge), and reports groups/s and MB/s.
/// Broadcast: the LoRA state of a Qwen2.5-0.5B-sized model (rank 16, all seven projections)
/// is published to `--subscribers` SUB sockets over loopback TCP; the figure is the time from
/// the first byte sent until every subscriber has received and checksum-verified it.
struct LearnerBench {
    let options: LearnerBenchOptions
    let json: Bool

    func run() throws {
        var figures: [(String, Double)] = []
        func report(_ name: String, _ value: Double) {
            figures.append((name, value))
            if !json { FileHandle.standardError.write(Data((name.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%12.2f\n", value)).utf8)) }
        }
        for policy in ["always", "never"] {
            let (groups, bytes, seconds) = try ingest(fsync: policy)
            report("ingest_\(policy)_groups_per_second", Double(groups) / seconds)
            report("ingest_\(policy)_mb_per_second", Double(bytes) / seconds / 1e6)
        }
        for dtype in [WeightsHeader.DType.float32, .bfloat16] {
            let (bytes, seconds) = try broadcast(dtype: dtype)
            report("broadcast_\(dtype.rawValue)_mb", Double(bytes) / 1e6)
            report("broadcast_\(dtype.rawValue)_seconds", seconds)
        }
        if json {
            var object: [String: Any] = ["workers": options.workers, "subscribers": options.subscribers, "groups": options.groups]
            for (k, v) in figures { object[k] = v }
            JSONLinesWriter.write(object)
        }
    }

    /// A group of the seed's shape, as a worker sends it.
    private func syntheticGroup(draw: Int) throws -> [[UInt8]] {
        var rng = SplitMix64(seed: UInt64(draw))
        let completions = (0..<16).map { _ in
            RolloutCompletion(ids: (0..<200).map { _ in Int32(rng.next() % 150_000) },
                              logprobs: (0..<200).map { _ in -Float(rng.next() % 1000) / 100 },
                              reward: Float(rng.next() % 5) / 2,
                              rewards: ["mark": 0.5, "soft_format": 0, "hard_format": 0, "digit": 0.5, "correctness": 0],
                              finishReason: .stop)
        }
        let group = RolloutGroup(promptIDs: (0..<100).map { Int32($0) }, completions: completions, promptIndex: draw, policyVersion: 0)
        return try WireMessage(.group, GroupReport(draw: draw, workerID: "bench", group: group, generateSeconds: 1, scoreSeconds: 0)).frames
    }

    private func ingest(fsync: String) throws -> (groups: Int, bytes: Int, seconds: Double) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-ingest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try RolloutLogWriter.open(directory: directory, policy: fsync == "always" ? .always : .never)
        let router = try ZMQSocket(.router)
        try router.setReceiveHighWaterMark(100_000)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let perWorker = options.groups / options.workers
        let prepared = try (0..<options.workers).map { w in try (0..<min(perWorker, 8)).map { try syntheticGroup(draw: w * perWorker + $0) } }
        let senders = DispatchGroup()
        for w in 0..<options.workers {
            DispatchQueue.global().async(group: senders) {
                guard let dealer = try? ZMQSocket(.dealer) else { return }
                defer { dealer.close() }
                try? dealer.setSendHighWaterMark(100_000)
                try? dealer.connect(endpoint)
                for i in 0..<perWorker { _ = try? dealer.send(prepared[w][i % prepared[w].count]) }
                // Drain acknowledgements so the router never blocks on this peer.
                var acks = 0
                while acks < perWorker, (try? dealer.receive(timeoutMilliseconds: 30_000)) != nil { acks += 1 }
            }
        }
        var received = 0, bytes = 0
        var start: Date?
        while received < perWorker * options.workers {
            guard let frames = try router.receive(timeoutMilliseconds: 30_000) else { break }
            if start == nil { start = Date() }
            let message = try WireMessage(frames: Array(frames.dropFirst()))
            let report = try message.decode(GroupReport.self)
            try report.group.validate(vocabularySize: 151_936)
            let payload = try JSONEncoder().encode(report)
            try log.append(payload)
            bytes += payload.count
            _ = try router.send([frames[0]] + WireMessage(.ack, Ack(draw: report.draw, accepted: true)).frames, dontWait: true)
            received += 1
        }
        let seconds = Date().timeIntervalSince(start ?? Date())
        senders.wait()
        router.close()
        try log.close()
        return (received, bytes, seconds)
    }

    private func broadcast(dtype: WeightsHeader.DType) throws -> (bytes: Int, seconds: Double) {
        // Qwen2.5-0.5B: 24 layers, d 896, q 896, kv 128, ff 4864; rank 16 on all projections.
        let r = 16, d = 896, kv = 128, ff = 4864
        let perLayer = r * (d + d) + r * (d + kv) * 2 + r * (d + d) + r * (d + ff) * 2 + r * (ff + d)
        let parameters = (0..<(24 * perLayer)).map { Float($0 % 1000) * 1e-4 }
        let (header, payload) = parameters.withUnsafeBufferPointer {
            AdapterWeightsCodec.encode(version: 1, parameters: $0, previous: nil, previousVersion: nil, dtype: dtype)
        }
        let frames = try WireMessage(.weights, header, payload: payload).frames
        let publisher = try ZMQSocket(.pub)
        defer { publisher.close() }
        try publisher.bind("tcp://127.0.0.1:*")
        let endpoint = try publisher.lastEndpoint
        let done = DispatchGroup()
        let ready = DispatchSemaphore(value: 0)
        let arrivals = Arrivals()
        for _ in 0..<options.subscribers {
            DispatchQueue.global().async(group: done) {
                guard let sub = try? ZMQSocket(.sub) else { return }
                defer { sub.close() }
                try? sub.subscribe(MessageType.weights.rawValue)
                try? sub.connect(endpoint)
                ready.signal()
                var target = [Float](repeating: 0, count: parameters.count)
                while let frames = try? sub.receive(timeoutMilliseconds: 60_000), let message = try? WireMessage(frames: frames) {
                    guard let h = try? message.decode(WeightsHeader.self), h.version > 0 else { continue }   // warm-up
                    let ok = (try? target.withUnsafeMutableBufferPointer {
                        try AdapterWeightsCodec.apply(h, payload: message.payload!, to: $0, currentVersion: 0)
                    }) ?? false
                    if ok { arrivals.record() }
                    return
                }
            }
        }
        for _ in 0..<options.subscribers { ready.wait() }
        // Slow joiners: publish small warm-ups until every subscription is in place.
        let warmup = try WireMessage(.weights, WeightsHeader(version: 0, encoding: .full, baseVersion: nil, dtype: .float32, count: 0, checksum: 0),
                                 payload: []).frames
        for _ in 0..<20 { _ = try publisher.send(warmup); Thread.sleep(forTimeInterval: 0.05) }
        let start = Date()
        _ = try publisher.send(frames)
        done.wait()
        let finished = arrivals.times
        guard finished.count == options.subscribers else {
            throw CLIError.badInput("only \(finished.count) of \(options.subscribers) subscribers received the weights")
        }
        return (payload.count, finished.max()!.timeIntervalSince(start))
    }
}

struct LearnerBenchOptions: ParsableArguments {
    @Option(help: "Learner: synthetic workers sending groups.")
    var workers = 4
    @Option(name: .customLong("ingest-groups"), help: "Learner: groups sent in all.")
    var groups = 400
    @Option(help: "Learner: subscribers the adapter is broadcast to.")
    var subscribers = 8
}

/// When each subscriber finished receiving, recorded from their threads.
private final class Arrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Date] = []
    func record() { lock.lock(); recorded.append(Date()); lock.unlock() }
    var times: [Date] { lock.lock(); defer { lock.unlock() }; return recorded }
}
