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
///
/// Its parts, each named for its job:
/// - `WorkerRegistry`: who joined, their credits and liveness (network thread only);
/// - `DrawAssignments`: draws out, re-queued and their assignments, the data position
///   (shared with the trainer thread's checkpoints, under its own lock);
/// - `TrainerThread`: the updates, in log order, and the versions to publish;
/// - `LearnerMetrics`: typed counters and the per-step figures (network thread only);
/// - `RolloutStore`: the durable log, appended before every acknowledgement (network thread).
public final class LearnerServer {
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
    private let draws: DrawAssignments
    private var workers = WorkerRegistry()
    private var figures = LearnerMetrics()
    /// The adapter version last published (network thread only).
    private var version: Int
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
        let checkpoint = resume ? try RunCheckpoint.restoreLatest(trainer: trainer, output: output) : nil
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
        let schedule = DrawSchedule(dataCount: problems.count, seed: configuration.seed, nextDraw: nextDraw,
                                    requeued: Array(candidates.subtracting(store.loggedDraws)))
        let (producer, problems) = (producer, problems)
        draws = DrawAssignments(schedule: schedule) { index in
            let prompt = try producer.prepare(problems[index], index: index)
            return (prompt.ids, prompt.answer)
        }
        version = trainer.stepsDone
        firstStep = trainer.stepsDone
        let l = configuration.learner
        trainerThread = TrainerThread(trainer: trainer, totalSteps: totalSteps, promptsPerStep: perStep,
                                      rewardNames: producer.scorer.names, recordsConsumed: consumed,
                                      encoding: l.weightsEncoding, dtype: l.weightsDType)
        for report in existing.dropFirst(consumed) { trainerThread.enqueue(report) }
        metrics = try RunMetricsWriter(outputDirectory: output.path, resume: resume)
        if let checkpoint {
            log("learner: resumed at step \(trainer.stepsDone) (\(checkpoint.recordsConsumed) groups trained, "
                + "\(existing.count - consumed) logged since, \(draws.pendingRequeued.count) prompts to redo)")
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
                try handle(frames, sockets: sockets)
            }
            for published in trainerThread.takePublished() { try publish(published, sockets: sockets) }
            if let failure = trainerThread.failureIfAny { throw failure }
            if trainerThread.isFinished { break }
            let now = Date()
            if now.timeIntervalSince(lastHeartbeat) >= heartbeat {
                lastHeartbeat = now
                expireSilentWorkers(now)
                for w in workers.all { send(w.identity, try WireMessage(.heartbeat, ["version": version]), sockets) }
            }
            try assignWork(sockets)
        }
        for published in trainerThread.takePublished() { try publish(published, sockets: sockets) }
        for w in workers.all { send(w.identity, try WireMessage(.reject, Reject(code: .finished, reason: "finished")), sockets) }
        try PEFTAdapterFiles.save(trainer.adapter, to: output.appendingPathComponent("adapter"), baseModel: configuration.model)
        try store.close()
        log("learner: done; adapter written to \(output.appendingPathComponent("adapter").path)")
    }

    // MARK: Messages

    /// Answers one message. A peer's fault is refused and counted; only the learner's own
    /// failures (the rollout log cannot be written) end the run.
    private func handle(_ frames: [[UInt8]], sockets: LearnerSockets) throws {
        guard frames.count >= 2 else { return reject(nil, "no routing id", sockets) }
        let identity = frames[0]
        let peer = String(decoding: identity.prefix(32), as: UTF8.self)
        do {
            let message = try WireMessage(frames: Array(frames.dropFirst()))
            if message.type == .hello { return try hello(message, identity: identity, sockets: sockets) }
            guard let id = workers.id(for: identity) else {
                return reject(identity, "\(message.type.rawValue) before HELLO from \(peer.debugDescription)", sockets)
            }
            workers.heard(from: id, at: Date())
            switch message.type {
            case .ready: workers.setCredits(try message.decode(Ready.self).credits, for: id)
            case .group: try group(message, worker: id, identity: identity, sockets: sockets)
            case .heartbeat: break
            case .snapshot: send(identity, frames: try trainerThread.snapshotFrames(), sockets)
            case .bye: drop(id, reason: "left")
            default: throw WireError("unexpected \(message.type.rawValue) from a worker")
            }
        } catch let error as LearnerError {
            throw error
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
        workers.join(hello.workerID, identity: identity, now: Date())
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
            figures.counters.refusedGroups += 1
            log("learner: refused group \(draw) from \(worker): \(reason)")
            // The draw does not stay with a worker whose group was refused: it is sampled again
            // once; refused twice, it is skipped (a prompt no worker can answer validly).
            if let skipped = draws.refused(draw, by: worker), skipped { log("learner: draw \(draw) skipped after a second refusal") }
            send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: false, reason: reason)), sockets)
        }
        if store.loggedDraws.contains(draw) {
            figures.counters.duplicates += 1
            return send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: true, reason: "already logged")), sockets)
        }
        let answered: (assignment: Assignment, isOpen: Bool)
        do {
            guard let found = try draws.assignmentAnswered(byDraw: draw) else { return refuse("draw \(draw) was never assigned") }
            answered = found
            try validate(report, against: found.assignment)
        } catch {
            return refuse("\(error)")
        }
        let sampledAt = report.group.policyVersion ?? version
        guard sampledAt >= 0 else { return refuse("policy_version \(sampledAt) is negative") }
        let staleness = sampledAt > version ? 0 : version - sampledAt     // a version ahead: a learner restarted from a checkpoint
        if staleness > configuration.learner.maxStaleness && configuration.learner.stalePolicy == .drop {
            figures.counters.droppedStale += 1
            if answered.isOpen { draws.release([draw], requeue: true) }
            return send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: false, reason: "stale by \(staleness) versions")), sockets)
        }
        // The log records what the learner assigned, not what the peer claims.
        var logged = report
        logged.workerID = worker
        logged.group.promptIndex = answered.assignment.promptIndex
        do { _ = try store.append(logged) } catch {   // durable before the acknowledgement
            throw LearnerError.rolloutLog("\(error)")
        }
        draws.completed(draw)
        figures.accepted(staleness: staleness)
        workers.countGroup(from: worker)
        trainerThread.enqueue(logged)
        send(identity, try WireMessage(.ack, Ack(draw: draw, accepted: true)), sockets)
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
    private func assignWork(_ sockets: LearnerSockets) throws {
        let perStep = configuration.training.promptsPerStep
        let needed = totalSteps * perStep
        let window = (configuration.learner.maxStaleness + 1) * perStep
        let queued = trainerThread.queuedCount, logged = store.recordCount
        for id in workers.sortedIDs {
            guard let w = workers[id], w.credits > 0 else { continue }
            let batch = try draws.take(w.credits, for: id) { out in out + queued < window && logged + out < needed }
            guard !batch.isEmpty else { continue }
            let message: WireMessage
            do { message = try WireMessage(.assign, Assign(assignments: batch)) } catch {
                // Never consume a draw that did not go out: back to the front of the queue.
                draws.release(batch.map(\.draw), requeue: true)
                throw error
            }
            workers.spendCredits(batch.count, of: id)
            send(w.identity, frames: message.frames, sockets)
        }
    }

    private func expireSilentWorkers(_ now: Date) {
        let timeout = Double(configuration.learner.workerTimeoutMilliseconds) / 1000
        for w in workers.silent(at: now, timeout: timeout) {
            figures.counters.lostWorkers += 1
            drop(w.id, reason: "silent for \(Int(now.timeIntervalSince(w.lastSeen)))s")
        }
    }

    /// Forgets a worker; its open prompts go back to the front of the queue.
    private func drop(_ id: String, reason: String) {
        let returned = draws.returnAll(of: id)
        workers.remove(id)
        log("learner: worker \(id) \(reason); \(returned.count) prompts returned to the queue (\(workers.count) live)")
    }

    private func publish(_ published: TrainerThread.Published, sockets: LearnerSockets) throws {
        let started = Date()
        _ = try sockets.weights.send(published.broadcast)
        version = published.version
        figures.broadcast(bytes: published.broadcast.reduce(0) { $0 + $1.count }, seconds: Date().timeIntervalSince(started))
        var report = published.report
        figures.report(into: &report, liveWorkers: workers.count, queuedGroups: trainerThread.queuedCount,
                       openPrompts: draws.openCount, completionTokens: published.completionTokens)
        try metrics.write(step: report.step, names: report.names, values: report.values, jsonLine: report.jsonLine)
        let perStep = Date().timeIntervalSince(runStarted) / Double(max(1, report.step - firstStep))
        log(String(format: "step %d/%d  reward %.3f ± %.3f  kl %.4f  %.0f tok/s  workers %d  %.2f groups/s  staleness %.2f  v%d  eta %@",
                   report.step, totalSteps, report["reward"] ?? 0, report["reward_std"] ?? 0, report["kl"] ?? 0,
                   report["completion_tokens_per_second"] ?? 0, workers.count, report["learner/groups_per_second"] ?? 0,
                   report["learner/staleness_mean"] ?? 0, version, TrainingLoop.duration(perStep * Double(totalSteps - report.step))))
        let every = configuration.training.sampleSteps
        if every > 0, report.step == firstStep + 1 || report.step % every == 0, let sample = published.sample,
           let completion = sample.group.completions.first {
            let index = sample.group.promptIndex ?? draws.problemIndex(ofDraw: sample.draw)
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
        guard configuration.training.savesCheckpoint(afterStep: trainer.stepsDone, of: totalSteps) else { return }
        let (nextDraw, openDraws) = draws.position()
        try RunCheckpoint.save(trainer: trainer, recordsConsumed: consumed, nextDraw: nextDraw, openDraws: openDraws, output: output)
    }

    // MARK: Plumbing


    private func reject(_ identity: [UInt8]?, _ reason: String, _ sockets: LearnerSockets) {
        figures.counters.rejectedMessages += 1
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
