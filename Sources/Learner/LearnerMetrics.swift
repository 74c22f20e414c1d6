import Foundation
import GRPORun

/// The learner's own figures between two published steps, added to each step's report as
/// `learner/*`: event counters (cumulative over the run), staleness and ingest rate (per step)
/// and the last broadcast.
///
/// Touched by the network thread only; no lock.
struct LearnerMetrics {
    /// Cumulative counts of what went wrong or was refused.
    struct Counters: Equatable {
        /// Messages refused with REJECT (malformed, before HELLO, wrong protocol...).
        var rejectedMessages = 0
        /// GROUPs refused with ACK(accepted: false) for failing validation.
        var refusedGroups = 0
        /// GROUPs too many versions behind, their draws re-queued.
        var droppedStale = 0
        /// GROUPs for draws already in the log.
        var duplicates = 0
        /// Workers dropped for silence.
        var lostWorkers = 0

        /// Metric name and value, in a fixed order.
        var named: [(String, Int)] {
            [("dropped_stale", droppedStale), ("duplicates", duplicates), ("lost_workers", lostWorkers),
             ("refused_groups", refusedGroups), ("rejected_messages", rejectedMessages)]
        }
    }

    var counters = Counters()
    private var stalenessSum = 0, stalenessCount = 0
    private var groupsSinceReport = 0
    private var lastReport = Date()
    private var broadcastBytes = 0, broadcastSeconds = 0.0

    mutating func accepted(staleness: Int) {
        stalenessSum += max(0, staleness)
        stalenessCount += 1
        groupsSinceReport += 1
    }

    mutating func broadcast(bytes: Int, seconds: Double) {
        broadcastBytes = bytes
        broadcastSeconds = seconds
    }

    /// Adds the learner's figures to `report` and starts the next step's window.
    mutating func report(into report: inout StepReport, liveWorkers: Int, queuedGroups: Int, openPrompts: Int,
                         completionTokens: Int, now: Date = Date()) {
        let elapsed = max(now.timeIntervalSince(lastReport), 1e-9)
        report.set("learner/live_workers", Double(liveWorkers))
        report.set("learner/queued_groups", Double(queuedGroups))
        report.set("learner/open_prompts", Double(openPrompts))
        report.set("learner/groups_per_second", Double(groupsSinceReport) / elapsed)
        report.set("learner/staleness_mean", Double(stalenessSum) / Double(max(stalenessCount, 1)))
        report.set("learner/broadcast_bytes", Double(broadcastBytes))
        report.set("learner/broadcast_seconds", broadcastSeconds)
        for (name, value) in counters.named { report.set("learner/\(name)", Double(value)) }
        report.set("completion_tokens_per_second", Double(completionTokens) / elapsed)
        groupsSinceReport = 0; stalenessSum = 0; stalenessCount = 0; lastReport = now
    }
}
