import Foundation
import GRPOProtocol
import GRPORun
import Training

/// The learner's optimizer, on a thread of its own so the network loop keeps answering
/// workers (heartbeats, acknowledgements) through a long update.
///
/// It takes logged groups in log order, `prompts_per_step` at a time, runs the shared
/// `PolicyTrainer` update, and hands back each new adapter version for broadcast. Replay
/// feeds the same trainer from the log with no thread at all.
final class TrainerThread: @unchecked Sendable {
    struct Published {
        var version: Int
        var broadcast: [[UInt8]]     // WEIGHTS frames for the PUB socket
        var snapshot: [[UInt8]]      // full float32 WEIGHTS frames for SNAPSHOT requests
        var report: StepReport
        /// The batch's first group, for the sample log.
        var sample: GroupReport?
        var completionTokens: Int
    }

    let trainer: PolicyTrainer
    let totalSteps: Int
    let promptsPerStep: Int
    let rewardNames: [String]
    let encoding: WeightsHeader.Encoding
    let dtype: WeightsHeader.DType
    /// Called on the trainer thread after each step with the records consumed so far.
    var afterStep: ((_ report: StepReport, _ recordsConsumed: Int) throws -> Void)?

    private let condition = NSCondition()
    private var queue: [GroupReport] = []
    private var published: [Published] = []
    private var stopping = false
    private var failure: Error?
    private var finished = false
    private var recordsConsumed: Int
    private var previous: [Float]

    init(trainer: PolicyTrainer, totalSteps: Int, promptsPerStep: Int, rewardNames: [String], recordsConsumed: Int,
         encoding: WeightsHeader.Encoding, dtype: WeightsHeader.DType) {
        self.trainer = trainer
        self.totalSteps = totalSteps
        self.promptsPerStep = promptsPerStep
        self.rewardNames = rewardNames
        self.recordsConsumed = recordsConsumed
        self.encoding = encoding
        self.dtype = dtype
        self.previous = trainer.adapter.parameters.toArray()
    }

    var isFinished: Bool { condition.lock(); defer { condition.unlock() }; return finished }
    var failureIfAny: Error? { condition.lock(); defer { condition.unlock() }; return failure }

    /// Groups waiting for an update.
    var queuedCount: Int { condition.lock(); defer { condition.unlock() }; return queue.count }

    func enqueue(_ report: GroupReport) {
        condition.lock()
        queue.append(report)
        condition.signal()
        condition.unlock()
    }

    /// New versions since the last call.
    func takePublished() -> [Published] {
        condition.lock(); defer { condition.unlock() }
        let out = published
        published.removeAll()
        return out
    }

    func start() {
        if trainer.stepsDone >= totalSteps {   // a finished run, resumed: nothing left to train
            condition.lock(); finished = true; condition.unlock()
            return
        }
        let thread = Thread { [self] in run() }
        thread.stackSize = 16 << 20
        thread.name = "trainer"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// The current adapter version as full float32 WEIGHTS frames.
    func snapshotFrames() throws -> [[UInt8]] {
        condition.lock(); defer { condition.unlock() }
        return try Self.frames(version: trainer.stepsDone, parameters: previous, base: nil, dtype: .float32)
    }

    private func run() {
        while true {
            condition.lock()
            while queue.count < promptsPerStep && !stopping { condition.wait() }
            if stopping { condition.unlock(); return }
            let batch = Array(queue.prefix(promptsPerStep))
            queue.removeFirst(promptsPerStep)
            condition.unlock()
            do {
                let report = trainer.train(batch.map(\.group), rewardNames: rewardNames)
                let current = trainer.adapter.parameters.toArray()
                let version = trainer.stepsDone
                let broadcast = try Self.frames(version: version, parameters: current,
                                            base: encoding == .delta ? (previous, version - 1) : nil, dtype: dtype)
                let snapshot = try Self.frames(version: version, parameters: current, base: nil, dtype: .float32)
                recordsConsumed += batch.count
                condition.lock()
                previous = current
                published.append(Published(version: version, broadcast: broadcast, snapshot: snapshot, report: report,
                                           sample: batch.first,
                                           completionTokens: batch.reduce(0) { $0 + $1.group.completions.reduce(0) { $0 + $1.ids.count } }))
                condition.unlock()
                try afterStep?(report, recordsConsumed)
                if version >= totalSteps {
                    condition.lock(); finished = true; condition.unlock()
                    return
                }
            } catch {
                condition.lock(); failure = error; finished = true; condition.unlock()
                return
            }
        }
    }

    static func frames(version: Int, parameters: [Float], base: ([Float], Int)?, dtype: WeightsHeader.DType) throws -> [[UInt8]] {
        let (header, payload) = parameters.withUnsafeBufferPointer { p in
            if let (previous, previousVersion) = base {
                return previous.withUnsafeBufferPointer {
                    AdapterWeightsCodec.encode(version: version, parameters: p, previous: $0, previousVersion: previousVersion, dtype: dtype)
                }
            }
            return AdapterWeightsCodec.encode(version: version, parameters: p, previous: nil, previousVersion: nil, dtype: dtype)
        }
        return try WireMessage(.weights, header, payload: payload).frames
    }
}
