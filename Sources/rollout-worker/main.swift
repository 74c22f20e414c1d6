import ArgumentParser
import Foundation
import GRPORun
import RolloutWorker
import Tensors

/// `rollout-worker --config FILE`: samples and scores groups for the learner.
struct RolloutWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout-worker",
        abstract: "Sample and score groups of completions for a GRPO learner.")

    @Option(help: "The run's YAML configuration, the learner's file (default: the embedded Configs/quickstart.yaml).")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a key, e.g. --set worker.learner=tcp://10.0.0.5:5555 (repeatable).")
    var overrides: [String] = []

    @Option(help: "This worker's name (default: host name and process id).")
    var id: String?

    @OptionGroup var console: ConsoleOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        var configuration = try config.map {
            try ConfigurationLoader.load(RunConfiguration.self, path: $0, defaults: RunConfiguration(model: ""), overrides: overrides)
        } ?? RunConfiguration.quickstart(overrides: overrides)
        try configuration.validate()
        compute.apply(to: &configuration)
        let name = id ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        try WorkerClient(configuration: configuration, workerID: name,
                         log: console.log(program: "rollout-worker:\(name)").sink).run()
    }
}

OpenBLASCoreType.ensureBestKernels()
RolloutWorkerCommand.main()
