import Foundation
import GRPOCore
import LanguageModel
import ModelFiles
import Training

/// The optimizer side of a run, the one update path of `grpo train`, the learner and its
/// replay: the adapter, the GRPO updater, AdamW and the schedule, advanced one batch of
/// groups at a time, with its whole state saved and restored through checkpoints.
public final class PolicyTrainer {
    public let configuration: RunConfiguration
    public let decoder: DecoderModel
    public let adapter: LoRAAdapter
    public let updater: GRPOUpdater
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// Batches trained on so far (each is `num_iterations` optimizer steps).
    public private(set) var stepsDone = 0

    public init(configuration: RunConfiguration, decoder: DecoderModel, totalSteps: Int) throws {
        self.configuration = configuration
        self.decoder = decoder
        if let path = configuration.adapter {
            adapter = try PEFTAdapterFiles.load(from: URL(fileURLWithPath: path), modelConfig: decoder.config)
        } else {
            adapter = LoRAAdapter(config: configuration.lora, modelConfig: decoder.config)
            adapter.initialize(seed: configuration.seed)
        }
        let training = configuration.training
        let policy = PolicyModel(base: decoder, adapter: adapter, recompute: training.recomputeActivations)
        updater = GRPOUpdater(policy: policy, settings: configuration.objective, microBatchSize: training.microBatchSize)
        optimizer = configuration.optimizer.makeOptimizer(parameterCount: adapter.parameterCount)
        // Each pass over a batch is one optimizer step (μ per batch), as in TRL.
        schedule = configuration.optimizer.makeSchedule(totalSteps: totalSteps * configuration.grpo.numIterations)
    }

    /// Trains on one batch of groups; returns the step's report (rollout statistics and the
    /// update's figures). The dropout masks depend only on the seed and the step number, so a
    /// replay of the same groups reproduces the adapter exactly.
    public func train(_ groups: [RolloutGroup], rewardNames: [String]) -> StepReport {
        stepsDone += 1
        let started = Date()
        let batch = TrainingBatch(groups: groups, settings: updater.settings, microBatchSize: configuration.training.microBatchSize)
        let steps = updater.step(batch, optimizer: optimizer, schedule: schedule, maxGradNorm: configuration.optimizer.maxGradNorm,
                                 stepsDone: optimizer.stepCount, dropoutSeed: configuration.seed ^ UInt64(stepsDone))
        var report = StepReport(step: stepsDone)
        report.addRollouts(groups, rewardNames: rewardNames, maxCompletionLength: configuration.generation.maxCompletionLength)
        report.addUpdate(steps)
        report.set("update_seconds", Date().timeIntervalSince(started))
        return report
    }

    // MARK: Checkpoints

    /// Writes the adapter (PEFT format), the optimizer moments and the checkpoint state (the
    /// trainer's step counts and the caller's data position) into `directory`.
    public func save(to directory: URL, recordsConsumed: Int, nextDraw: Int, openDraws: [Int]) throws {
        try PEFTAdapterFiles.save(adapter, to: directory, baseModel: configuration.model)
        var writer = SafetensorsWriter(metadata: ["format": "grpo-optimizer"])
        try writer.add("adam.first_moment", shape: [adapter.parameterCount], values: optimizer.firstMoment.toArray())
        try writer.add("adam.second_moment", shape: [adapter.parameterCount], values: optimizer.secondMoment.toArray())
        try writer.write(to: directory.appendingPathComponent("optimizer.safetensors"))
        let state = CheckpointState(stepsDone: stepsDone, optimizerSteps: optimizer.stepCount,
                                    recordsConsumed: recordsConsumed, nextDraw: nextDraw, openDraws: openDraws)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: directory.appendingPathComponent("trainer_state.json"))
    }

    /// Restores what `save` wrote; returns the checkpoint's state.
    public func restore(from directory: URL) throws -> CheckpointState {
        let loaded = try PEFTAdapterFiles.load(from: directory, modelConfig: decoder.config)
        guard loaded.config == adapter.config else {
            throw ConfigurationError.invalidValue(key: "lora", message: "differs from the checkpoint's adapter in \(directory.path)")
        }
        let url = directory.appendingPathComponent("trainer_state.json")
        let state: CheckpointState
        do { state = try JSONDecoder().decode(CheckpointState.self, from: Data(contentsOf: url)) } catch let error as DecodingError {
            throw ConfigurationError.unreadable(path: url.path, reason: "not a checkpoint state: \(error.summary)")
        } catch {
            throw ConfigurationError.unreadable(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard state.stepsDone >= 0, state.optimizerSteps >= 0, state.recordsConsumed >= 0, state.nextDraw >= 0 else {
            throw ConfigurationError.unreadable(path: url.path, reason: "negative step or record counts")
        }
        adapter.copyParameters(from: loaded)
        let moments = try SafetensorsFile(url: directory.appendingPathComponent("optimizer.safetensors"))
        try moments.read("adam.first_moment", into: optimizer.firstMoment.buffer)
        try moments.read("adam.second_moment", into: optimizer.secondMoment.buffer)
        stepsDone = state.stepsDone
        optimizer.stepCount = state.optimizerSteps
        return state
    }
}
