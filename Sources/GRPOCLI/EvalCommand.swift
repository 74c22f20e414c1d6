import ArgumentParser
import Datasets
import Foundation
import GRPORun
import Rewards

/// `grpo eval`: accuracy or pass@k of a model (with or without a trained adapter) on a data
/// set, prompts built and answers judged as training builds and judges them.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a model's (or model + adapter's) accuracy or pass@k on a data set.",
        discussion: """
            Prompts are built as `grpo train` builds them (system prompt, chat template, user \
            template, truncation); each completion's <answer> is judged by the correctness \
            reward of --compat. One greedy sample per problem by default (accuracy); with \
            --samples K > 1, K sampled completions per problem (temperature 0.7 unless given) \
            and the unbiased pass@1 and pass@K. Writes one JSON object per problem, then a \
            summary object ("summary": true), to --out or standard output; progress and the \
            summary go to standard error. Sampled runs are reproducible for a given --seed and --batch.
            """)

    @Option(help: "An HF model directory or a .gguf file.")
    var model: String

    @Option(help: "A PEFT adapter directory (e.g. runs/x/adapter) to merge into the model.")
    var adapter: String?

    @Option(help: "A JSONL or JSON-array data file.")
    var data: String

    @Option(help: "Field mapping: \(DatasetPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset = DatasetPreset.gsm8k.rawValue

    @Option(help: "Evaluate the first N problems.")
    var limit: Int?

    @Option(help: "Completions per problem; > 1 reports pass@1 and pass@K.")
    var samples = 1

    @Option(help: "Sampling temperature (default: 0, greedy, for one sample; 0.7 for several).")
    var temperature: Float?

    @Option(name: .customLong("max-tokens"), help: "New tokens per completion at most (training's max_completion_length).")
    var maxTokens = 200

    @Option(name: .customLong("system-prompt"), help: "The system turn (default: the seed's SYSTEM_PROMPT, as training).")
    var systemPrompt: String?

    @Flag(name: .customLong("no-system-prompt"), help: "No system turn (the chat template's default applies).")
    var noSystemPrompt = false

    @Option(name: .customLong("user-template"), help: "The user turn, {question} replaced by the question (default: {question}, as training).")
    var userTemplate: String?

    @Option(name: .customLong("max-prompt-length"), help: "Prompt tokens kept, the end of longer prompts (default: 256, as training).")
    var maxPromptLength: Int?

    @Option(help: "Correctness rules: seed or fixed.")
    var compat = RewardConfiguration().compat.rawValue

    @Option(help: "Prompts sampled together.")
    var batch = 8

    @Option(help: "Random seed for sampled runs.")
    var seed: UInt64 = 0

    @Option(help: "Write the JSONL records here instead of standard output.")
    var out: String?

    func validate() throws {
        if DatasetPreset(name: preset) == nil { throw ValidationError(DatasetError.unknownPreset(preset).description) }
        if RewardCompatibility(rawValue: compat) == nil { throw ValidationError("--compat must be seed or fixed") }
        if systemPrompt != nil && noSystemPrompt { throw ValidationError("--system-prompt and --no-system-prompt exclude each other") }
        do { try settings().validate() } catch let error as EvaluationError { throw ValidationError(error.description) }
    }

    func settings() -> EvaluationSettings {
        var s = EvaluationSettings(model: model, dataFile: data)
        s.adapter = adapter
        s.preset = DatasetPreset(name: preset) ?? .gsm8k
        s.limit = limit
        s.samples = samples
        s.temperature = temperature
        s.maxTokens = maxTokens
        if noSystemPrompt { s.systemPrompt = nil } else if let systemPrompt { s.systemPrompt = systemPrompt }
        if let userTemplate { s.userTemplate = userTemplate }
        if let maxPromptLength { s.maxPromptLength = maxPromptLength }
        s.compat = RewardCompatibility(rawValue: compat) ?? .fixed
        s.batch = batch
        s.seed = seed
        return s
    }

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let evaluation = try Evaluation(settings: settings())
        let output: FileHandle
        if let out {
            let url = URL(fileURLWithPath: out)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CLIError.badOption("--out: cannot create \(out)")
            }
            output = try FileHandle(forWritingTo: url)
        } else {
            output = FileHandle.standardOutput
        }
        defer { if out != nil { try? output.close() } }
        func write(_ object: [String: Any]) {
            output.write(Data((Evaluation.jsonLine(object) + "\n").utf8))
        }
        let summary = try evaluation.run { write($0.jsonObject) }
        write(summary.jsonObject)
        FileHandle.standardError.write(Data((summary.text + (out.map { "\n  records in \($0)" } ?? "") + "\n").utf8))
    }
}
