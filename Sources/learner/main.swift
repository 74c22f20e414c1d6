import ArgumentParser
import Foundation
import GRPORun
import Learner
import Tensors

/// `learner --config FILE`: the GRPO learner (see PROTOCOL.md and Deploy/).
struct LearnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learner",
        abstract: "Serve prompts to rollout workers, log their groups, train, and broadcast the adapter.")

    @OptionGroup var runConfiguration: RunConfigurationOptions

    @Flag(help: "Continue from the latest checkpoint and the groups logged after it.")
    var resume = false

    @Option(help: "Train from this rollout log alone (no workers) and write the adapter to --out.")
    var replay: String?

    @Option(help: "With --replay: where to write the adapter (default <output_dir>/replay-adapter).")
    var out: String?

    @Flag(help: "Allow binding a non-loopback address without CURVE.")
    var insecure = false

    @OptionGroup var console: ConsoleOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        var configuration = try runConfiguration.load()
        if insecure { configuration.learner.insecure = true }
        compute.apply(to: &configuration)
        let log = console.log(program: "learner").sink
        if let replay {
            let out = URL(fileURLWithPath: self.out ?? configuration.training.outputDir + "/replay-adapter")
            try LearnerReplay.run(configuration: configuration, logDirectory: URL(fileURLWithPath: replay), out: out, log: log)
        } else {
            try LearnerServer(configuration: configuration, resume: resume, log: log).run()
        }
    }
}

OpenBLASCoreType.ensureBestKernels()
LearnerCommand.main()
