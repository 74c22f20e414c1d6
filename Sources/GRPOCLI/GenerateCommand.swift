import ArgumentParser
import GRPORun
import Foundation
import LanguageModel
import Tokenization

/// `grpo generate`: sample completions of one chat prompt.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample completions of a chat prompt.")

    @Option(help: "An HF model directory or a .gguf file.")
    var model: String

    @Option(help: "The user message.")
    var prompt: String

    @Option(help: "The system message (default: the chat template's own default).")
    var system: String?

    @Option(name: .short, help: "Completions to sample (one group).")
    var n = 1

    @Option(name: .customLong("max-tokens"), help: "New tokens per completion at most.")
    var maxTokens = 200

    @Option(help: "Sampling temperature; 0 is greedy. Default: generation_config.json's, else 1.")
    var temperature: Float?

    @Option(name: .customLong("top-p"), help: "Nucleus filtering; 1 disables. Default: generation_config.json's, else 1.")
    var topP: Float?

    @Option(name: .customLong("top-k"), help: "Top-k filtering; 0 disables. Default: generation_config.json's, else 0.")
    var topK: Int?

    @Option(help: "Random seed: the same seed gives the same tokens.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object per completion with ids, logprobs and finish reason.")
    var json = false

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        if let t = temperature, t < 0 { throw ValidationError("--temperature must be ≥ 0") }
        if let p = topP, !(p > 0 && p <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if let k = topK, k < 0 { throw ValidationError("--top-k must be ≥ 0") }
    }

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let runtime = try ModelRuntime(path: URL(fileURLWithPath: model))
        let defaults = runtime.loaded.generationDefaults
        let parameters = SamplingParameters(temperature: temperature ?? defaults.temperature ?? 1,
                                            topP: topP ?? defaults.topP ?? 1,
                                            topK: topK ?? defaults.topK ?? 0,
                                            maxTokens: maxTokens, seed: seed)
        var messages: [ChatMessage] = []
        if let system { messages.append(.system(system)) }
        messages.append(.user(prompt))
        let promptIDs = try runtime.promptIDs(messages)
        let started = Date()
        let group = runtime.generate(prompts: [promptIDs], groupSize: n, parameters: parameters)[0]
        let seconds = Date().timeIntervalSince(started)

        for (i, item) in group.enumerated() {
            let c = item.completion
            if json {
                JSONLinesWriter.write(["index": i, "text": item.text, "ids": c.ids.map(Int.init),
                                       "logprobs": JSONLinesWriter.numbers(c.logprobs),
                                       "finish_reason": c.finishReason.rawValue, "prompt_tokens": promptIDs.count])
            } else {
                if n > 1 { print("--- completion \(i + 1)/\(n) (\(c.ids.count) tokens, \(c.finishReason.rawValue))") }
                print(item.text)
            }
        }
        let tokens = group.reduce(0) { $0 + $1.completion.ids.count }
        FileHandle.standardError.write(Data(String(format: "%d prompt tokens, %d new tokens in %.1f s (%.1f tokens/s)\n",
                                                   promptIDs.count, tokens, seconds, Double(tokens) / seconds).utf8))
    }
}
