import ArgumentParser
import Foundation
import GRPOCore
import GRPORun
import Training

/// `grpo train --config FILE`: single-process GRPO (generate, score, update), the same
/// algorithm the distributed learner runs, for one machine and for debugging.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run GRPO in one process from a YAML configuration.",
        discussion: "Writes metrics.jsonl, checkpoints (checkpoints/step-N: adapter, optimizer moments, data position; --resume continues from the latest) and the final PEFT adapter under training.output_dir.")

    @Option(help: "A YAML run configuration (see Configs/).")
    var config: String

    @Option(name: .customLong("set"), help: "Override a key, e.g. --set training.max_steps=10 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Train on recorded rollout groups (JSONL, as `grpo grad --batch`) instead of sampling.")
    var rollouts: String?

    @Flag(help: "Continue from the latest checkpoint under training.output_dir (checkpoints/latest).")
    var resume = false

    @OptionGroup var console: ConsoleOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        var configuration = try ConfigurationLoader.load(RunConfiguration.self, path: config,
                                                         defaults: RunConfiguration(model: ""), overrides: overrides)
        try configuration.validate()
        compute.apply(to: &configuration)
        var source = RolloutSource.live
        if let rollouts {
            // The vocabulary is checked against the model once it is loaded.
            source = .recorded(try RolloutGroup.readJSONLines(rollouts, vocabularySize: Int(Int32.max)))
        }
        let loop = try TrainingLoop(configuration: configuration, source: source, resume: resume)
        loop.log = console.log(program: "grpo train").sink
        try loop.run()
    }
}
