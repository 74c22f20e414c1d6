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
            adapter = LoRAAdapter(config: configuration.loraConfig, modelConfig: decoder.config)
            adapter.initialize(seed: configuration.seed)
        }
        let training = configuration.training
        let policy = PolicyModel(base: decoder, adapter: adapter, recompute: training.recomputeActivations, threads: training.threads)
        updater = GRPOUpdater(policy: policy, settings: configuration.grpoSettings, microBatchSize: training.microBatchSize)
        let o = configuration.optimizer
        optimizer = AdamW(parameterCount: adapter.parameterCount, beta1: o.adamBeta1, beta2: o.adamBeta2,
                          epsilon: o.adamEpsilon, weightDecay: o.weightDecay)
        // Each pass over a batch is one optimizer step (μ per batch), as in TRL.
        schedule = LearningRateSchedule(kind: o.lrSchedulerType, peak: o.learningRate, warmupRatio: o.warmupRatio,
                                        totalSteps: totalSteps * configuration.grpo.numIterations)
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

    /// Writes the adapter (PEFT format), the optimizer moments and `state` into `directory`.
    public func save(to directory: URL, state: [String: Any]) throws {
        try PEFTAdapterFiles.save(adapter, to: directory, baseModel: configuration.model)
        var writer = SafetensorsWriter(metadata: ["format": "grpo-optimizer"])
        try writer.add("adam.first_moment", shape: [adapter.parameterCount], values: optimizer.firstMoment.toArray())
        try writer.add("adam.second_moment", shape: [adapter.parameterCount], values: optimizer.secondMoment.toArray())
        try writer.write(to: directory.appendingPathComponent("optimizer.safetensors"))
        var full = state
        full["steps_done"] = stepsDone
        full["optimizer_steps"] = optimizer.stepCount
        try JSONSerialization.data(withJSONObject: full, options: [.prettyPrinted, .sortedKeys])
            .write(to: directory.appendingPathComponent("trainer_state.json"))
    }

    /// Restores what `save` wrote; returns the caller's `state`.
    public func restore(from directory: URL) throws -> [String: Any] {
        let loaded = try PEFTAdapterFiles.load(from: directory, modelConfig: decoder.config)
        guard loaded.config == adapter.config else {
            throw ConfigurationError.invalidValue(key: "lora", message: "differs from the checkpoint's adapter in \(directory.path)")
        }
        adapter.copyParameters(from: loaded)
        let moments = try SafetensorsFile(url: directory.appendingPathComponent("optimizer.safetensors"))
        try moments.read("adam.first_moment", into: optimizer.firstMoment.buffer)
        try moments.read("adam.second_moment", into: optimizer.secondMoment.buffer)
        let url = directory.appendingPathComponent("trainer_state.json")
        guard let state = (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any],
              let steps = state["steps_done"] as? Int, let optimizerSteps = state["optimizer_steps"] as? Int else {
            throw ConfigurationError.unreadable(path: url.path, reason: "not a trainer state")
        }
        stepsDone = steps
        optimizer.stepCount = optimizerSteps
        return state
    }
}
