import Datasets
import Foundation
import GRPOCore
import Metrics
import LanguageModel
import Rewards
import Training

/// Where a training loop's groups come from.
public enum RolloutSource {
    /// Sampled and scored each step with the current adapter.
    case live
    /// Recorded groups (a rollout file), `prompts_per_step` per step in file order: offline
    /// GRPO, and a replay of a run.
    case recorded([RolloutGroup])
}

/// The single-process GRPO loop of `grpo train`: draw prompts, sample and score groups with
/// the current adapter, run the update, repeat. The distributed learner runs the same
/// update (`GRPOUpdater`) on groups that arrive from workers instead.
public final class TrainingLoop {
    public let configuration: RunConfiguration
    public let decoder: DecoderModel
    public let trainer: PolicyTrainer
    public var adapter: LoRAAdapter { trainer.adapter }
    public let totalSteps: Int
    /// Live sampling: the model with its tokenizer, the producer, the problems and their order.
    private let live: (runtime: ModelRuntime, producer: RolloutProducer, problems: [Problem])?
    private var order: DataOrder
    private let recorded: [RolloutGroup]
    private let output: URL
    private var metrics: RunMetricsWriter?
    /// Receives progress and sample lines (stderr by default).
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// With `resume`, continues from the latest checkpoint under `output_dir` (a fresh start
    /// when there is none).
    public init(configuration: RunConfiguration, source: RolloutSource = .live, resume: Bool = false) throws {
        try configuration.validate()
        self.configuration = configuration
        let training = configuration.training
        let dataCount: Int
        switch source {
        case .live:
            let runtime = try ModelRuntime(path: URL(fileURLWithPath: configuration.model))
            let dataset = try configuration.data.load()
            guard !dataset.problems.isEmpty else {
                throw ConfigurationError.invalidValue(key: "data", message: "yields no problems (\(dataset.source))")
            }
            live = (runtime, try RolloutProducer(runtime: runtime, configuration: configuration), dataset.problems)
            decoder = runtime.decoder
            recorded = []
            dataCount = dataset.problems.count
        case .recorded(let groups):
            guard !groups.isEmpty else { throw ConfigurationError.invalidValue(key: "rollouts", message: "holds no groups") }
            live = nil
            decoder = try ModelLoader.load(URL(fileURLWithPath: configuration.model)).decoder
            for g in groups { try g.validate(vocabularySize: decoder.config.vocabSize) }
            recorded = groups
            dataCount = groups.count
        }
        let stepsForEpochs = Int((training.numEpochs * Double(dataCount) / Double(training.promptsPerStep)).rounded(.up))
        totalSteps = training.maxSteps ?? max(1, stepsForEpochs)
        trainer = try PolicyTrainer(configuration: configuration, decoder: decoder, totalSteps: totalSteps)
        output = URL(fileURLWithPath: training.outputDir)
        resumed = resume ? try RunCheckpoint.restoreLatest(trainer: trainer, output: output) : nil
        order = DataOrder(count: dataCount, seed: configuration.seed, position: resumed?.nextDraw ?? 0)
    }

    /// The checkpoint this run continues from.
    public let resumed: CheckpointState?

    /// Runs every step, writing `metrics.jsonl`, checkpoints every `save_steps` and the
    /// final adapter to `output_dir/adapter`.
    public func run() throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let metrics = try RunMetricsWriter(outputDirectory: output.path, resume: resumed != nil)
        self.metrics = metrics
        defer { try? metrics.close() }
        let training = configuration.training
        let work = live.map { "\(training.promptsPerStep) prompts × \(configuration.generation.groupSize) completions, \($0.problems.count) problems" }
            ?? "\(training.promptsPerStep) of \(recorded.count) recorded groups"
        log("grpo train: \(totalSteps) steps of \(work), LoRA r=\(adapter.config.rank) on \(adapter.config.targets.count) "
            + "projections (\(adapter.parameterCount) parameters), output \(output.path)")
        let first = trainer.stepsDone + 1
        if let resumed {
            log("grpo train: resumed at step \(resumed.stepsDone) from \(RunCheckpoint.directory(output).path)")
        }
        let started = Date()
        for step in first..<(totalSteps + 1) {
            let report = try runStep(step)
            try metrics.write(step: report.step, names: report.names, values: report.values, jsonLine: report.jsonLine)
            log(progressLine(report, elapsed: Date().timeIntervalSince(started), stepsThisRun: step - first + 1))
            if training.savesCheckpoint(afterStep: step, of: totalSteps) {
                try RunCheckpoint.save(trainer: trainer, recordsConsumed: step * training.promptsPerStep,
                                       nextDraw: live == nil ? 0 : order.position, output: output)
            }
        }
        try PEFTAdapterFiles.save(adapter, to: output.appendingPathComponent("adapter"), baseModel: configuration.model)
        log("grpo train: adapter written to \(output.appendingPathComponent("adapter").path)")
    }

    /// One step: sample with the current adapter merged into the weights (or take the next
    /// recorded groups), then update.
    func runStep(_ step: Int) throws -> StepReport {
        let stepStart = Date()
        let perStep = configuration.training.promptsPerStep
        var produced: [ProducedGroup] = []
        let groups: [RolloutGroup]
        if let live {
            let prompts = try order.next(perStep).map { try live.producer.prepare(live.problems[$0], index: $0) }
            live.runtime.sample(with: adapter.merged(into: decoder.weights))
            produced = live.producer.produce(prompts, seed: configuration.seed &+ UInt64(step) &* 0x1_0000_0001,
                                             policyVersion: step - 1)
            groups = produced.map(\.group)
        } else {
            let start = (step - 1) * perStep
            groups = (start..<(start + perStep)).map { recorded[$0 % recorded.count] }
        }
        let generated = Date()
        let rewardNames = live?.producer.scorer.names ?? Array(Set(groups.flatMap { $0.completions.flatMap(\.rewards.keys) })).sorted()
        var report = trainer.train(groups, rewardNames: rewardNames)
        let done = Date()
        let tokens = groups.reduce(0) { $0 + $1.completions.reduce(0) { $0 + $1.ids.count } }
        report.set("generation_seconds", generated.timeIntervalSince(stepStart))
        report.set("step_seconds", done.timeIntervalSince(stepStart))
        report.set("completion_tokens_per_second", Double(tokens) / max(done.timeIntervalSince(stepStart), 1e-9))
        let every = configuration.training.sampleSteps
        if every > 0 && (step == 1 || step % every == 0), let first = produced.first {
            let sample = sampleLines(first)
            log(sample)
            try? metrics?.addText(step: step, tag: "samples", text: "```\n" + sample + "\n```")
        }
        return report
    }

    private func progressLine(_ r: StepReport, elapsed: TimeInterval, stepsThisRun: Int) -> String {
        let eta = elapsed / Double(stepsThisRun) * Double(totalSteps - r.step)
        return String(format: "step %d/%d  reward %.3f ± %.3f  kl %.4f  len %.0f  grad %.3f  lr %.2e  %.0f tok/s  %.1fs  eta %@",
                      r.step, totalSteps, r["reward"] ?? 0, r["reward_std"] ?? 0, r["kl"] ?? 0,
                      r["completions/mean_length"] ?? 0, r["grad_norm"] ?? 0, r["learning_rate"] ?? 0,
                      r["completion_tokens_per_second"] ?? 0, r["step_seconds"] ?? 0, Self.duration(eta))
    }

    /// A sample as the seed prints it: question, reference answer, output, extracted answer.
    private func sampleLines(_ g: ProducedGroup) -> String {
        SampleText.lines(promptIndex: g.prompt.index, question: g.prompt.question, answer: g.prompt.answer,
                         output: g.texts.first ?? "", reward: g.group.completions.first?.reward)
    }

    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}

/// The sample completion block `grpo train` and the learner print every `sample_steps`.
public enum SampleText {
    public static func lines(promptIndex: Int, question: String, answer: String, output: String, reward: Float?) -> String {
        """
        ---- sample (prompt \(promptIndex)) ----
        question: \(question)
        answer:   \(answer)
        output:   \(output)
        extracted: \(AnswerExtraction.answer(in: output))
        reward:   \(reward.map { String(format: "%.3f", $0) } ?? "-")
        """
    }
}
