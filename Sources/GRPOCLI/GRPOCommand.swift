import ArgumentParser

public struct GRPOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grpo",
        abstract: "GRPO toolbox: tokenize, score, generate, bench.",
        subcommands: [])
    public init() {}
}
