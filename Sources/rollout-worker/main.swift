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

    @OptionGroup var runConfiguration: RunConfigurationOptions

    @Option(help: "This worker's name (default: host name and process id).")
    var id: String?

    @OptionGroup var console: ConsoleOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        var configuration = try runConfiguration.load()
        compute.apply(to: &configuration)
        let name = id ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        try WorkerClient(configuration: configuration, workerID: name,
                         log: console.log(program: "rollout-worker:\(name)").sink).run()
    }
}

OpenBLASCoreType.ensureBestKernels()
RolloutWorkerCommand.main()
