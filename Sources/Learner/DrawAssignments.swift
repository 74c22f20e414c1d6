import Foundation
import GRPOProtocol
import GRPORun

/// Which draws are out with which worker, which need sampling again, and what each draw was
/// assigned as: the learner's side of the data order.
///
/// The network thread assigns, releases and re-queues draws; the trainer thread reads the
/// position for a checkpoint. `lock` guards `schedule` and `open`, the only state both
/// threads touch; every method takes it, so callers never do.
final class DrawAssignments: @unchecked Sendable {
    struct Open {
        var worker: String
        var assignment: Assignment
    }

    private let lock = NSLock()
    private let schedule: DrawSchedule
    private var open: [Int: Open] = [:]
    /// Draws refused once and re-queued (a second refusal skips them).
    private var refusedOnce: Set<Int> = []
    /// Turns a data index into the prompt to send (tokenized, truncated), as workers see it.
    private let prepare: (_ problemIndex: Int) throws -> (ids: [Int32], answer: String)

    init(schedule: DrawSchedule, prepare: @escaping (_ problemIndex: Int) throws -> (ids: [Int32], answer: String)) {
        self.schedule = schedule
        self.prepare = prepare
    }

    /// Draws out with workers.
    var openCount: Int { lock.lock(); defer { lock.unlock() }; return open.count }

    /// Draws waiting to be sampled again (lost workers, stale groups).
    var pendingRequeued: [Int] { lock.lock(); defer { lock.unlock() }; return schedule.pendingRequeued }

    /// The data index of draw `k`.
    func problemIndex(ofDraw k: Int) -> Int { lock.lock(); defer { lock.unlock() }; return schedule.problemIndex(ofDraw: k) }

    /// What draw `k` was (or would be) assigned as: a pure function of k and the data order.
    func assignment(forDraw draw: Int) throws -> Assignment {
        try makeAssignment(draw, index: problemIndex(ofDraw: draw))
    }

    private func makeAssignment(_ draw: Int, index: Int) throws -> Assignment {
        let prompt = try prepare(index)
        return Assignment(draw: draw, promptIndex: index, promptIDs: prompt.ids, answer: prompt.answer)
    }

    /// The assignment a group answers: the open one, or, for a draw taken back from a worker
    /// declared silent, the one it was given. nil for a draw never handed out.
    func assignmentAnswered(byDraw draw: Int) throws -> (assignment: Assignment, isOpen: Bool)? {
        lock.lock()
        let current = open[draw]?.assignment
        let known = draw >= 0 && draw < schedule.nextDraw
        lock.unlock()
        if let current { return (current, true) }
        return known ? (try assignment(forDraw: draw), false) : nil
    }

    /// Takes up to `count` draws for `worker` while `allowed(outstanding)` holds, where
    /// `outstanding` counts the draws out. A draw whose prompt cannot be prepared is an error
    /// naming it, and goes back to the queue.
    func take(_ count: Int, for worker: String, allowed: (_ outstanding: Int) -> Bool) throws -> [Assignment] {
        lock.lock(); defer { lock.unlock() }
        var batch: [Assignment] = []
        while batch.count < count, allowed(open.count) {
            let draw = schedule.take()
            let index = schedule.problemIndex(ofDraw: draw)
            let assignment: Assignment
            do { assignment = try makeAssignment(draw, index: index) } catch {
                schedule.giveBack([draw])
                throw LearnerError.unpreparablePrompt(draw: draw, problemIndex: index, reason: "\(error)")
            }
            open[draw] = Open(worker: worker, assignment: assignment)
            batch.append(assignment)
        }
        return batch
    }

    /// A group for `draw` was logged: it is no longer out, nor waiting to be redone.
    func completed(_ draw: Int) {
        lock.lock(); defer { lock.unlock() }
        open[draw] = nil
        schedule.forget(draw)
    }

    /// Takes `draws` back; with `requeue` they go to the front of the queue.
    func release(_ draws: [Int], requeue: Bool) {
        lock.lock(); defer { lock.unlock() }
        for d in draws { open[d] = nil }
        if requeue { schedule.giveBack(draws) }
    }

    /// A group for `draw` from `worker` was refused. If the draw is open with that worker it is
    /// taken back: re-queued the first time, dropped from the order the second. Returns nil
    /// when the draw was not the worker's to answer, else whether it was skipped.
    func refused(_ draw: Int, by worker: String) -> Bool? {
        lock.lock(); defer { lock.unlock() }
        guard open[draw]?.worker == worker else { return nil }
        open[draw] = nil
        if refusedOnce.insert(draw).inserted {
            schedule.giveBack([draw])
            return false
        }
        return true
    }

    /// Takes back every draw `worker` holds, to be sampled again; returns them.
    @discardableResult
    func returnAll(of worker: String) -> [Int] {
        lock.lock(); defer { lock.unlock() }
        let draws = open.filter { $0.value.worker == worker }.map(\.key).sorted()
        for d in draws { open[d] = nil }
        schedule.giveBack(draws)
        return draws
    }

    /// The data position for a checkpoint: the next fresh draw and every draw that must be
    /// sampled again on resume (out with workers, or waiting in the queue).
    func position() -> (nextDraw: Int, openDraws: [Int]) {
        lock.lock(); defer { lock.unlock() }
        return (schedule.nextDraw, (Array(open.keys) + schedule.pendingRequeued).sorted())
    }
}

/// Learner failures that end the run, each naming what and where.
enum LearnerError: Error, CustomStringConvertible {
    case unpreparablePrompt(draw: Int, problemIndex: Int, reason: String)
    /// The rollout log could not be written or synced: nothing can be acknowledged.
    case rolloutLog(String)

    var description: String {
        switch self {
        case .unpreparablePrompt(let draw, let index, let reason):
            return "learner: cannot prepare the prompt of draw \(draw) (data item \(index)): \(reason)"
        case .rolloutLog(let reason):
            return "learner: the rollout log cannot be written, so no group can be acknowledged: \(reason)"
        }
    }
}
