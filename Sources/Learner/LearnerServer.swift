import Datasets
import Foundation
import GRPOProtocol
import GRPORun
import LanguageModel
import Metrics
import Training
import Transport

/// The learner: owns the data order, hands prompts to workers as they ask (credits), logs
/// every accepted group durably before acknowledging it, trains on logged groups in log
/// order, and publishes each new adapter version.
///
/// The network loop (this thread) never blocks on training: `TrainerThread` runs updates
/// while this loop keeps assigning, acknowledging and heartbeating.
public final class LearnerServer {
    struct Worker {
        var id: String
        var identity: [UInt8]
        var lastSeen: Date
        var credits: Int
        var groups = 0
    }
    struct Open {
        var worker: String
        var assignment: Assignment
    }

    let configuration: RunConfiguration
    let output: URL
    let log: (String) -> Void
    private let runtime: ModelRuntime
    private let producer: RolloutProducer
    private let problems: [Problem]
    private let totalSteps: Int
    private let trainer: PolicyTrainer
    private let trainerThread: TrainerThread
    private let store: RolloutStore
    private let schedule: DrawSchedule
    private let stateLock = NSLock()            // guards schedule and open (read by checkpoints)
    private var open: [Int: Open] = [:]
    private var workers: [String: Worker] = [:]
    private var version: Int
    private var counters: [String: Int] = ["rejected_messages": 0, "refused_groups": 0, "dropped_stale": 0, "duplicates": 0,
                                           "lost_workers": 0]
    private var stalenessSum = 0, stalenessCount = 0
    private var lastBroadcastBytes = 0, lastBroadcastSeconds = 0.0
    private var groupsSinceReport = 0, lastReport = Date()
    private let metrics: RunMetricsWriter
    private let runStarted = Date()
    private var firstStep = 0

    /// Sets up model, data, log and trainer; with `resume`, continues from the latest
    /// checkpoint and the groups logged after it.
    public init(configuration: RunConfiguration, resume: Bool, log: @escaping (String) -> Void) throws {
        try configuration.validate()
        self.configuration = configuration
        self.log = log
        output = URL(fileURLWithPath: configuration.training.outputDir)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        runtime = try ModelRuntime(path: URL(fileURLWithPath: configuration.model))
        producer = try RolloutProducer(runtime: runtime, configuration: configuration)
        let dataset = try configuration.data.load()
        guard !dataset.problems.isEmpty else { throw ConfigurationError.invalidValue(key: "data", message: "yields no problems") }
        problems = dataset.problems
        let perStep = configuration.training.promptsPerStep
        totalSteps = configuration.training.maxSteps
            ?? max(1, Int((configuration.training.numEpochs * Double(problems.count) / Double(perStep)).rounded(.up)))
        trainer = try PolicyTrainer(configuration: configuration, decoder: runtime.decoder, totalSteps: totalSteps)

        let logDirectory = URL(fileURLWithPath: configuration.learner.logDir ?? output.appendingPathComponent("rollouts").path)
        let existing = try RolloutStore.readAll(logDirectory, log: log)
        let checkpoint = resume ? try LearnerCheckpoint.restoreLatest(trainer: trainer, output: output) : nil
        if !resume && !existing.isEmpty {
            throw ConfigurationError.invalidValue(key: "learner.log_dir",
                message: "\(logDirectory.path) already holds \(existing.count) groups; pass --resume to continue that run or choose a new output_dir")
        }
        store = try RolloutStore(directory: logDirectory, fsync: configuration.learner.fsync, log: log)
        store.noteExisting(existing)
        let consumed = checkpoint?.recordsConsumed ?? 0
        // Draws handed out before the crash but never logged go back to the queue.
        let nextDraw = max(checkpoint?.nextDraw ?? 0, (existing.map(\.draw).max() ?? -1) + 1)
        let candidates = Set(checkpoint?.openDraws ?? []).union((checkpoint?.nextDraw ?? 0)..<nextDraw)
        schedule = DrawSchedule(dataCount: problems.count, seed: configuration.seed, nextDraw: nextDraw,
                                requeued: Array(candidates.subtracting(store.loggedDraws)))
        version = trainer.stepsDone
        firstStep = trainer.stepsDone
        let l = configuration.learner
        trainerThread = TrainerThread(trainer: trainer, totalSteps: totalSteps, promptsPerStep: perStep,
                                      rewardNames: producer.scorer.names, recordsConsumed: consumed,
                                      encoding: l.weightsEncoding == "delta" ? .delta : .full,
                                      dtype: l.weightsDType == "bfloat16" ? .bfloat16 : .float32)
        for report in existing.dropFirst(consumed) { trainerThread.enqueue(report) }
        metrics = try RunMetricsWriter(outputDirectory: output.path, resume: resume)
        if let checkpoint {
            log("learner: resumed at step \(trainer.stepsDone) (\(checkpoint.recordsConsumed) groups trained, "
                + "\(existing.count - consumed) logged since, \(schedule.pendingRequeued.count) prompts to redo)")
        }
        trainerThread.afterStep = { [unowned self] report, consumed in try self.afterStep(report, consumed: consumed) }
    }

    /// Serves workers until the last step is trained; the final adapter goes to
    /// `<output_dir>/adapter`.
    public func run() throws {
        let sockets = try LearnerSockets(configuration: configuration, log: log)
        defer { sockets.close() }
        log("learner: \(totalSteps) steps of \(configuration.training.promptsPerStep) groups × \(configuration.generation.groupSize); "
            + "work \(configuration.learner.bind), weights \(configuration.learner.publish), log \(store.directory.path)")
        trainerThread.start()
        var lastHeartbeat = Date.distantPast
        let heartbeat = Double(configuration.learner.heartbeatMilliseconds) / 1000
        while true {
            if let frames = try sockets.work.receive(timeoutMilliseconds: configuration.learner.heartbeatMilliseconds / 2) {
                handle(frames, sockets: sockets)
            }
            for published in trainerThread.takePublished() { try publish(published, sockets: sockets) }
            if let failure = trainerThread.failureIfAny { throw failure }
            if trainerThread.isFinished { break }
            let now = Date()
            if now.timeIntervalSince(lastHeartbeat) >= heartbeat {
                lastHeartbeat = now
                expireSilentWorkers(now)
                for w in workers.values { send(w.identity, try WireMessage(.heartbeat, ["version": version]), sockets) }
            }
            assignWork(sockets)
        }
        for published in trainerThread.takePublished() { try publish(published, sockets: sockets) }
        for w in workers.values { send(w.identity, try WireMessage(.reject, Reject(code: .finished, reason: "finished")), sockets) }
        try PEFTAdapterFiles.save(trainer.adapter, to: output.appendingPathComponent("adapter"), baseModel: configuration.model)
        try store.close()
        log("learner: done; adapter written to \(output.appendingPathComponent("adapter").path)")
    }

    // MARK: Messages

    private func handle(_ frames: [[UInt8]], sockets: LearnerSockets) {
        guard frames.count >= 2 else { return reject(nil, "no routing id", sockets) }
        let identity = frames[0]
        let peer = String(decoding: identity.prefix(32), as: UTF8.self)
        do {
            let message = try WireMessage(frames: Array(frames.dropFirst()))
            if message.type == .hello { return try hello(message, identity: identity, sockets: sockets) }
            guard let id = workerID(for: identity) else {
                return reject(identity, "\(message.type.rawValue) before HELLO from \(peer.debugDescription)", sockets)
            }
            workers[id]?.lastSeen = Date()
            switch message.type {
            case .ready: workers[id]?.credits = max(0, min(64, try message.decode(Ready.self).credits))
            case .group: try group(message, worker: id, identity: identity, sockets: sockets)
            case .heartbeat: break
            case .snapshot: send(identity, frames: try trainerThread.snapshotFrames(), sockets)
            case .bye: drop(id, reason: "left")
            default: throw WireError("unexpected \(message.type.rawValue) from a worker")
            }
        } catch {
            reject(identity, "\(error) (peer \(peer.debugDescription))", sockets)
        }
    }

    private func hello(_ message: WireMessage, identity: [UInt8], sockets: LearnerSockets) throws {
        let hello = try message.decode(Hello.self)
        guard hello.protocolVersion == WireProtocol.version else {
            throw WireError("protocol \(hello.protocolVersion) from \(hello.workerID); this learner speaks \(WireProtocol.version)")
        }
        guard !hello.workerID.isEmpty, hello.workerID.utf8.count <= 128 else { throw WireError("worker_id must be 1-128 bytes") }
        if workers[hello.workerID] != nil { drop(hello.workerID, reason: "reconnected") }
        workers[hello.workerID] = Worker(id: hello.workerID, identity: identity, lastSeen: Date(), credits: 0)
        log("learner: worker \(hello.workerID) joined (\(workers.count) live)")
        send(identity, try WireMessage(.welcome, Welcome(policyVersion: version, heartbeatMilliseconds: configuration.learner.heartbeatMilliseconds)), sockets)
    }

    /// Validates a group, checks its staleness, logs it durably, then acknowledges it.
    ///
    /// The first valid group for a draw wins, even from a worker the draw was taken back from
    /// (declared silent, then heard again): its work is good, and the draw's later copies are
    /// acknowledged as already logged. A group that fails validation is refused with an ACK,
    /// so the worker drops it rather than resending it forever.
    private func group(_ message: WireMessage, worker: String, identity: [UInt8], sockets: LearnerSockets) throws {
        let report = try message.decode(GroupReport.self)
        let draw = report.draw
        func refuse(_ reason: String) {
            counters["refused_groups", default: 0] += 1
            log("learner: refused group \(draw) from \(worker): \(reason)")
            send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: false, reason: reason)), sockets)
        }
        if store.loggedDraws.contains(draw) {
            counters["duplicates"]! += 1
            return send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: true, reason: "already logged")), sockets)
        }
        stateLock.lock()
        let assigned = open[draw]?.assignment
        let known = draw >= 0 && draw < schedule.nextDraw
        stateLock.unlock()
        guard known else { return refuse("draw \(draw) was never assigned") }
        do {
            try validate(report, against: try assigned ?? assignment(forDraw: draw))
        } catch {
            return refuse("\(error)")
        }
        let staleness = version - (report.group.policyVersion ?? version)
        if staleness > configuration.learner.maxStaleness && configuration.learner.stalePolicy == "drop" {
            counters["dropped_stale"]! += 1
            if assigned != nil { release([draw], requeue: true) }
            return send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: false, reason: "stale by \(staleness) versions")), sockets)
        }
        var logged = report
        logged.workerID = worker
        _ = try store.append(logged)          // durable before the acknowledgement
        release([draw], requeue: false)
        stateLock.lock(); schedule.forget(draw); stateLock.unlock()
        stalenessSum += max(0, staleness); stalenessCount += 1
        workers[worker]?.groups += 1
        groupsSinceReport += 1
        trainerThread.enqueue(logged)
        send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: true)), sockets)
    }

    /// What draw `k` was assigned as (the data order makes it a pure function of k).
    private func assignment(forDraw draw: Int) throws -> Assignment {
        let index = schedule.problemIndex(ofDraw: draw)
        let prompt = try producer.prepare(problems[index], index: index)
        return Assignment(draw: draw, promptIndex: index, promptIDs: prompt.ids, answer: prompt.answer)
    }

    private func validate(_ report: GroupReport, against assignment: Assignment) throws {
        let g = report.group
        guard g.promptIDs == assignment.promptIDs else { throw WireError("GROUP \(report.draw): prompt_ids differ from the assignment") }
        guard g.completions.count == configuration.generation.groupSize else {
            throw WireError("GROUP \(report.draw): \(g.completions.count) completions, the run's group_size is \(configuration.generation.groupSize)")
        }
        if let c = g.completions.first(where: { $0.ids.count > configuration.generation.maxCompletionLength }) {
            throw WireError("GROUP \(report.draw): a completion of \(c.ids.count) tokens exceeds max_completion_length")
        }
        do { try g.validate(vocabularySize: runtime.config.vocabSize) } catch { throw WireError("GROUP \(report.draw): \(error)") }
    }

    // MARK: Assignment, liveness, broadcast

    /// Hands prompts to workers with credits, keeping at most (max_staleness + 1) steps of
    /// groups out or waiting, so nothing is sampled too many versions before it is trained.
    private func assignWork(_ sockets: LearnerSockets) {
        let perStep = configuration.training.promptsPerStep
        let needed = totalSteps * perStep
        let window = (configuration.learner.maxStaleness + 1) * perStep
        for id in workers.keys.sorted() {
            guard var w = workers[id], w.credits > 0 else { continue }
            var batch: [Assignment] = []
            stateLock.lock()
            while w.credits > 0, open.count + trainerThread.queuedCount < window, store.recordCount + open.count < needed {
                let draw = schedule.take()
                let assignment: Assignment
                do { assignment = try self.assignment(forDraw: draw) } catch {
                    log("learner: draw \(draw) skipped, its prompt cannot be prepared: \(error)")
                    continue
                }
                open[draw] = Open(worker: id, assignment: assignment)
                batch.append(assignment)
                w.credits -= 1
            }
            stateLock.unlock()
            workers[id] = w
            if !batch.isEmpty { send(w.identity, try WireMessage(.assign, Assign(assignments: batch)), sockets) }
        }
    }

    private func expireSilentWorkers(_ now: Date) {
        let timeout = Double(configuration.learner.workerTimeoutMilliseconds) / 1000
        for w in workers.values where now.timeIntervalSince(w.lastSeen) > timeout {
            counters["lost_workers"]! += 1
            drop(w.id, reason: "silent for \(Int(now.timeIntervalSince(w.lastSeen)))s")
        }
    }

    /// Forgets a worker; its open prompts go back to the front of the queue.
    private func drop(_ id: String, reason: String) {
        stateLock.lock()
        let draws = open.filter { $0.value.worker == id }.map(\.key)
        stateLock.unlock()
        release(draws, requeue: true)
        workers[id] = nil
        log("learner: worker \(id) \(reason); \(draws.count) prompts returned to the queue (\(workers.count) live)")
    }

    private func release(_ draws: [Int], requeue: Bool) {
        stateLock.lock()
        for d in draws { open[d] = nil }
        if requeue { schedule.giveBack(draws) }
        stateLock.unlock()
    }

    private func publish(_ published: TrainerThread.Published, sockets: LearnerSockets) throws {
        let started = Date()
        _ = try sockets.weights.send(published.broadcast)
        version = published.version
        lastBroadcastBytes = published.broadcast.reduce(0) { $0 + $1.count }
        lastBroadcastSeconds = Date().timeIntervalSince(started)
        var report = published.report
        let elapsed = Date().timeIntervalSince(lastReport)
        report.set("learner/live_workers", Double(workers.count))
        report.set("learner/queued_groups", Double(trainerThread.queuedCount))
        stateLock.lock(); report.set("learner/open_prompts", Double(open.count)); stateLock.unlock()
        report.set("learner/groups_per_second", Double(groupsSinceReport) / max(elapsed, 1e-9))
        report.set("learner/staleness_mean", Double(stalenessSum) / Double(max(stalenessCount, 1)))
        report.set("learner/broadcast_bytes", Double(lastBroadcastBytes))
        report.set("learner/broadcast_seconds", lastBroadcastSeconds)
        for (k, v) in counters.sorted(by: { $0.key < $1.key }) { report.set("learner/\(k)", Double(v)) }
        report.set("completion_tokens_per_second", Double(published.completionTokens) / max(elapsed, 1e-9))
        groupsSinceReport = 0; stalenessSum = 0; stalenessCount = 0; lastReport = Date()
        try metrics.write(step: report.step, names: report.names, values: report.values, jsonLine: report.jsonLine)
        let perStep = Date().timeIntervalSince(runStarted) / Double(max(1, report.step - firstStep))
        log(String(format: "step %d/%d  reward %.3f ± %.3f  kl %.4f  %.0f tok/s  workers %d  %.2f groups/s  staleness %.2f  v%d  eta %@",
                   report.step, totalSteps, report["reward"] ?? 0, report["reward_std"] ?? 0, report["kl"] ?? 0,
                   report["completion_tokens_per_second"] ?? 0, workers.count, report["learner/groups_per_second"] ?? 0,
                   report["learner/staleness_mean"] ?? 0, version, TrainingLoop.duration(perStep * Double(totalSteps - report.step))))
        let every = configuration.training.sampleSteps
        if every > 0, report.step == firstStep + 1 || report.step % every == 0, let sample = published.sample,
           let completion = sample.group.completions.first {
            let index = sample.group.promptIndex ?? schedule.problemIndex(ofDraw: sample.draw)
            let output = runtime.tokenizer.decode(completion.ids, skipSpecialTokens: true)
            let text = SampleText.lines(promptIndex: index, question: problems[index].question,
                                        answer: problems[index].answer, output: output, reward: completion.reward)
            log(text)
            do { try metrics.addText(step: report.step, tag: "samples", text: "```\n" + text + "\n```") } catch {
                log("learner: the sample text was not written to TensorBoard: \(error)")
            }
        }
    }

    /// On the trainer thread after each step: a checkpoint every `save_steps` and at the end.
    private func afterStep(_ report: StepReport, consumed: Int) throws {
        let every = configuration.training.saveSteps
        guard (every > 0 && trainer.stepsDone % every == 0) || trainer.stepsDone >= totalSteps else { return }
        stateLock.lock()
        let checkpoint = LearnerCheckpoint(recordsConsumed: consumed, nextDraw: schedule.nextDraw,
                                           openDraws: Array(open.keys) + schedule.pendingRequeued)
        stateLock.unlock()
        try checkpoint.save(trainer: trainer, output: output)
    }

    // MARK: Plumbing

    private func workerID(for identity: [UInt8]) -> String? {
        workers.first { $0.value.identity == identity }?.key
    }

    private func reject(_ identity: [UInt8]?, _ reason: String, _ sockets: LearnerSockets) {
        counters["rejected_messages"]! += 1
        log("learner: rejected a message: \(reason)")
        if let identity { send(identity, try WireMessage(.reject, Reject(code: .protocolError, reason: reason)), sockets) }
    }

    /// Sends a message, logging one that cannot be encoded instead of sending it.
    private func send(_ identity: [UInt8], _ message: @autoclosure () throws -> WireMessage, _ sockets: LearnerSockets) {
        do { send(identity, frames: try message().frames, sockets) } catch {
            log("learner: a message was not sent: \(error)")
        }
    }

    private func send(_ identity: [UInt8], frames: [[UInt8]], _ sockets: LearnerSockets) {
        // Never block the loop on one slow or vanished worker: best effort, as a worker that
        // misses a message times out and reconnects (and resends what was not acknowledged).
        _ = try? sockets.work.send([identity] + frames, dontWait: true)
    }
}
