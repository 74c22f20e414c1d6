import ArgumentParser

/// The `grpo` toolbox.
public struct GRPOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grpo",
        abstract: "GRPO toolbox for Qwen2/Llama models on CPU.",
        subcommands: [TokenizeCommand.self, ScoreCommand.self, GenerateCommand.self, BenchCommand.self,
                      RewardsCommand.self, DataCommand.self, GradCommand.self, TrainCommand.self, ExportCommand.self, KeysCommand.self, RolloutsCommand.self, EvalCommand.self])
    public init() {}
}
