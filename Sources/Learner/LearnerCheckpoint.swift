import Foundation
import GRPORun
#if canImport(Glibc)
import Glibc
#endif

/// Checkpoints of the learner, `<output_dir>/checkpoints/step-N`, each written whole into a
/// hidden staging directory and renamed into place, then named in `latest` (itself written
/// by rename), so a crash at any moment leaves the previous checkpoint intact.
///
/// A checkpoint holds the trainer's state (adapter in PEFT format, AdamW moments, step
/// counts) and the learner's: the rollout-log records already trained on, the next draw of
/// the data order and the draws that were out with workers.
struct LearnerCheckpoint {
    var recordsConsumed: Int
    var nextDraw: Int
    var openDraws: [Int]

    static func directory(_ output: URL) -> URL { output.appendingPathComponent("checkpoints") }

    func save(trainer: PolicyTrainer, output: URL) throws {
        let root = Self.directory(output)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let name = "step-\(trainer.stepsDone)"
        let staging = root.appendingPathComponent(".\(name).partial")
        try? FileManager.default.removeItem(at: staging)   // a leftover of a crash, usually absent
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try trainer.save(to: staging, state: ["records_consumed": recordsConsumed, "next_draw": nextDraw, "open_draws": openDraws])
        let final = root.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: final)     // usually absent; if it stays, the rename fails
        try Self.rename(staging, final)
        let pointer = root.appendingPathComponent(".latest.partial")
        try Data(name.utf8).write(to: pointer)
        try Self.rename(pointer, root.appendingPathComponent("latest"))
    }

    /// Restores the latest checkpoint into `trainer`; nil when there is none.
    static func restoreLatest(trainer: PolicyTrainer, output: URL) throws -> LearnerCheckpoint? {
        let root = directory(output)
        let latest = root.appendingPathComponent("latest")
        guard FileManager.default.fileExists(atPath: latest.path) else { return nil }
        let name: String
        do { name = try String(contentsOf: latest, encoding: .utf8) } catch {
            throw ConfigurationError.unreadable(path: latest.path, reason: error.localizedDescription)
        }
        let state = try trainer.restore(from: root.appendingPathComponent(name.trimmingCharacters(in: .whitespacesAndNewlines)))
        guard let consumed = state["records_consumed"] as? Int, let next = state["next_draw"] as? Int,
              let open = state["open_draws"] as? [Int] else {
            throw ConfigurationError.unreadable(path: root.appendingPathComponent(name).path, reason: "checkpoint state incomplete")
        }
        return LearnerCheckpoint(recordsConsumed: consumed, nextDraw: next, openDraws: open)
    }

    private static func rename(_ from: URL, _ to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw ConfigurationError.unreadable(path: to.path, reason: "cannot rename into place (errno \(errno))")
        }
    }
}
