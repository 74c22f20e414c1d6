import Foundation
import GRPOProtocol

/// The workers the learner knows: who joined, by which routing identity, when each was last
/// heard from and how many prompts it has asked for (credits).
///
/// Touched by the network thread only; no lock.
struct WorkerRegistry {
    struct Worker {
        var id: String
        /// The ROUTER routing identity its messages arrive with.
        var identity: [UInt8]
        var lastSeen: Date
        /// Prompts the worker is ready to take (its READY credits, capped).
        var credits: Int
        /// Groups it has had accepted.
        var groups = 0
    }

    /// The most prompts one READY may ask for; more is clamped, not trusted.
    static let maxCredits = 64

    private(set) var workers: [String: Worker] = [:]

    var count: Int { workers.count }
    var all: Dictionary<String, Worker>.Values { workers.values }
    /// Worker ids in a fixed order, so assignment does not depend on hashing.
    var sortedIDs: [String] { workers.keys.sorted() }

    subscript(id: String) -> Worker? { workers[id] }

    /// Registers a HELLO. A worker id already known is a reconnection: the caller drops the old
    /// entry (returning its prompts) first.
    mutating func join(_ id: String, identity: [UInt8], now: Date) {
        workers[id] = Worker(id: id, identity: identity, lastSeen: now, credits: 0)
    }

    mutating func remove(_ id: String) { workers[id] = nil }

    func id(for identity: [UInt8]) -> String? {
        workers.first { $0.value.identity == identity }?.key
    }

    mutating func heard(from id: String, at now: Date) { workers[id]?.lastSeen = now }

    mutating func setCredits(_ credits: Int, for id: String) {
        workers[id]?.credits = max(0, min(Self.maxCredits, credits))
    }

    mutating func spendCredits(_ n: Int, of id: String) { workers[id]?.credits -= n }

    mutating func countGroup(from id: String) { workers[id]?.groups += 1 }

    /// Workers silent for longer than `timeout` seconds at `now`.
    func silent(at now: Date, timeout: TimeInterval) -> [Worker] {
        workers.values.filter { now.timeIntervalSince($0.lastSeen) > timeout }.sorted { $0.id < $1.id }
    }
}
