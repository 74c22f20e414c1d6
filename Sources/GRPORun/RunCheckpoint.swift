import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a run stands, beside the trainer's tensors: the one checkpoint state of `grpo train`
/// and the learner (`trainer_state.json`).
///
/// Randomness needs no state of its own: the sampling seed of step k and the LoRA dropout
/// masks are functions of (seed, k), so restoring the step count restores them.
public struct CheckpointState: Codable, Equatable, Sendable {
    /// Batches trained on (each `num_iterations` optimizer steps).
    public var stepsDone: Int
    /// Optimizer steps taken (the learning-rate schedule's position).
    public var optimizerSteps: Int
    /// Rollout groups trained on: records of the learner's rollout log, or of `grpo train`'s
    /// recorded rollouts.
    public var recordsConsumed: Int
    /// The data position: draw k is the k-th prompt of the seeded data order (`DataOrder`).
    public var nextDraw: Int
    /// Draws handed out but not yet trained on, to be sampled again on resume (the learner's
    /// prompts out with workers; empty for `grpo train`).
    public var openDraws: [Int]

    public init(stepsDone: Int, optimizerSteps: Int, recordsConsumed: Int, nextDraw: Int, openDraws: [Int] = []) {
        self.stepsDone = stepsDone
        self.optimizerSteps = optimizerSteps
        self.recordsConsumed = recordsConsumed
        self.nextDraw = nextDraw
        self.openDraws = openDraws
    }

    enum CodingKeys: String, CodingKey {
        case stepsDone = "steps_done", optimizerSteps = "optimizer_steps", recordsConsumed = "records_consumed"
        case nextDraw = "next_draw", openDraws = "open_draws"
    }
}

/// Checkpoints of a run, `<output_dir>/checkpoints/step-N`, the one format `grpo train` and the
/// learner write and `--resume` reads. Each holds the adapter (PEFT files), the AdamW moments
/// (`optimizer.safetensors`) and `trainer_state.json` (`CheckpointState`). A checkpoint is
/// written whole into a hidden staging directory and renamed into place, then named in
/// `latest` (itself written by rename), so a crash at any moment leaves the previous one intact.
public enum RunCheckpoint {
    public static func directory(_ output: URL) -> URL { output.appendingPathComponent("checkpoints") }

    /// Writes the trainer's state and the run's data position (see `CheckpointState`).
    public static func save(trainer: PolicyTrainer, recordsConsumed: Int, nextDraw: Int, openDraws: [Int] = [],
                            output: URL) throws {
        let root = directory(output)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let name = "step-\(trainer.stepsDone)"
        let staging = root.appendingPathComponent(".\(name).partial")
        if FileManager.default.fileExists(atPath: staging.path) { try FileManager.default.removeItem(at: staging) }
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try trainer.save(to: staging, recordsConsumed: recordsConsumed, nextDraw: nextDraw, openDraws: openDraws)
        let final = root.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
        try rename(staging, final)
        let pointer = root.appendingPathComponent(".latest.partial")
        try Data(name.utf8).write(to: pointer)
        try rename(pointer, root.appendingPathComponent("latest"))
    }

    /// Restores the latest checkpoint into `trainer`; nil when there is none.
    public static func restoreLatest(trainer: PolicyTrainer, output: URL) throws -> CheckpointState? {
        let root = directory(output)
        let pointer = root.appendingPathComponent("latest")
        guard FileManager.default.fileExists(atPath: pointer.path) else { return nil }
        let name = try String(contentsOf: pointer, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, !name.contains("/") else {
            throw ConfigurationError.unreadable(path: pointer.path, reason: "does not name a checkpoint (\(name.debugDescription))")
        }
        return try trainer.restore(from: root.appendingPathComponent(name))
    }

    private static func rename(_ from: URL, _ to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw ConfigurationError.unreadable(path: to.path, reason: "cannot rename into place (errno \(errno))")
        }
    }
}
