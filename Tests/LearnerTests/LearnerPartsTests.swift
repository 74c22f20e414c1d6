import Foundation
import GRPOProtocol
import GRPORun
@testable import Learner
import XCTest

/// The learner's parts alone: the worker registry, draw assignment and its data position,
/// and the typed counters.
final class LearnerPartsTests: XCTestCase {
    func assignments(count: Int = 10, seed: UInt64 = 3, nextDraw: Int = 0, requeued: [Int] = []) -> DrawAssignments {
        DrawAssignments(schedule: DrawSchedule(dataCount: count, seed: seed, nextDraw: nextDraw, requeued: requeued)) { index in
            ([Int32(index), 7], "answer \(index)")
        }
    }

    func testDrawsFollowTheDataOrderAndComeBackFromALostWorker() throws {
        let draws = assignments()
        let a = try draws.take(3, for: "w1") { _ in true }
        XCTAssertEqual(a.map(\.draw), [0, 1, 2])
        let order = DataOrder.permutation(count: 10, seed: 3, epoch: 0)
        XCTAssertEqual(a.map(\.promptIndex), Array(order.prefix(3)))
        XCTAssertEqual(a[1].promptIDs, [Int32(order[1]), 7])
        _ = try draws.take(2, for: "w2") { _ in true }
        XCTAssertEqual(draws.openCount, 5)
        XCTAssertEqual(draws.returnAll(of: "w1"), [0, 1, 2])
        XCTAssertEqual(draws.openCount, 2)
        // Returned draws go out first, before fresh ones.
        XCTAssertEqual(try draws.take(4, for: "w2") { _ in true }.map(\.draw), [0, 1, 2, 5])
        let position = draws.position()
        XCTAssertEqual(position.nextDraw, 6)
        XCTAssertEqual(position.openDraws, [0, 1, 2, 3, 4, 5])
    }

    func testTakeStopsAtTheWindow() throws {
        let draws = assignments()
        XCTAssertEqual(try draws.take(10, for: "w") { $0 < 4 }.count, 4)
        XCTAssertEqual(try draws.take(10, for: "w") { $0 < 4 }.count, 0)
    }

    func testAnsweredAssignmentIsTheOpenOneOrTheDrawsOwn() throws {
        let draws = assignments()
        let taken = try draws.take(2, for: "w") { _ in true }
        XCTAssertEqual(try draws.assignmentAnswered(byDraw: 1)?.assignment, taken[1])
        XCTAssertEqual(try draws.assignmentAnswered(byDraw: 1)?.isOpen, true)
        draws.returnAll(of: "w")
        XCTAssertEqual(try draws.assignmentAnswered(byDraw: 1)?.assignment, taken[1], "a draw taken back is still known")
        XCTAssertEqual(try draws.assignmentAnswered(byDraw: 1)?.isOpen, false)
        XCTAssertNil(try draws.assignmentAnswered(byDraw: 2), "never handed out")
        XCTAssertNil(try draws.assignmentAnswered(byDraw: -1))
        XCTAssertNil(try draws.assignmentAnswered(byDraw: .max))
    }

    /// A refused group does not leave its draw with the worker forever: re-queued once, then
    /// skipped, and only the worker that held it can cause either.
    func testRefusedDrawIsRequeuedOnceThenSkipped() throws {
        let draws = assignments()
        _ = try draws.take(1, for: "w") { _ in true }
        XCTAssertNil(draws.refused(0, by: "other"), "not that worker's draw")
        XCTAssertEqual(draws.openCount, 1)
        XCTAssertEqual(draws.refused(0, by: "w"), false)
        XCTAssertEqual(draws.openCount, 0)
        XCTAssertEqual(draws.pendingRequeued, [0])
        XCTAssertEqual(try draws.take(1, for: "w") { _ in true }.map(\.draw), [0])
        XCTAssertEqual(draws.refused(0, by: "w"), true)
        XCTAssertEqual(draws.openCount, 0)
        XCTAssertEqual(draws.pendingRequeued, [])
        XCTAssertEqual(try draws.take(1, for: "w") { _ in true }.map(\.draw), [1])
    }

    func testAPromptThatCannotBePreparedIsAnErrorNamingTheDraw() {
        struct Bad: Error {}
        let draws = DrawAssignments(schedule: DrawSchedule(dataCount: 4, seed: 0)) { _ in throw Bad() }
        XCTAssertThrowsError(try draws.take(1, for: "w") { _ in true }) { error in
            XCTAssertTrue("\(error)".contains("draw 0"), "\(error)")
        }
        XCTAssertEqual(draws.pendingRequeued, [0], "the draw is not consumed")
        XCTAssertEqual(draws.openCount, 0)
    }

    func testRegistryCreditsAndSilence() {
        var registry = WorkerRegistry()
        let t0 = Date(timeIntervalSince1970: 1000)
        registry.join("b", identity: [2], now: t0)
        registry.join("a", identity: [1], now: t0)
        XCTAssertEqual(registry.sortedIDs, ["a", "b"])
        XCTAssertEqual(registry.id(for: [2]), "b")
        XCTAssertNil(registry.id(for: [3]))
        registry.setCredits(1_000_000_000_000, for: "a")
        XCTAssertEqual(registry["a"]?.credits, WorkerRegistry.maxCredits, "credits are capped, not trusted")
        registry.setCredits(-5, for: "a")
        XCTAssertEqual(registry["a"]?.credits, 0)
        registry.heard(from: "a", at: t0.addingTimeInterval(10))
        XCTAssertEqual(registry.silent(at: t0.addingTimeInterval(12), timeout: 5).map(\.id), ["b"])
        registry.remove("b")
        XCTAssertEqual(registry.count, 1)
    }

    func testMetricsReportTypedCountersAndResetPerStep() {
        var metrics = LearnerMetrics()
        metrics.counters.duplicates = 2
        metrics.counters.rejectedMessages = 1
        metrics.accepted(staleness: 1)
        metrics.accepted(staleness: 0)
        metrics.broadcast(bytes: 100, seconds: 0.5)
        var report = StepReport(step: 1)
        metrics.report(into: &report, liveWorkers: 2, queuedGroups: 3, openPrompts: 4, completionTokens: 10)
        XCTAssertEqual(report["learner/duplicates"], 2)
        XCTAssertEqual(report["learner/rejected_messages"], 1)
        XCTAssertEqual(report["learner/staleness_mean"], 0.5)
        XCTAssertEqual(report["learner/live_workers"], 2)
        XCTAssertEqual(report["learner/broadcast_bytes"], 100)
        var next = StepReport(step: 2)
        metrics.report(into: &next, liveWorkers: 2, queuedGroups: 0, openPrompts: 0, completionTokens: 0)
        XCTAssertEqual(next["learner/staleness_mean"], 0, "per-step figures start again")
        XCTAssertEqual(next["learner/duplicates"], 2, "counters are cumulative")
    }
}
