import ArgumentParser
import Datasets
import Foundation
import Tokenization

/// `grpo data`: how a user checks a data set before a run.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Load a data set as training would and report rows, skipped rows, prompt lengths and sample prompts.",
        discussion: """
            Without --file, the built-in arithmetic word problems are used (the default data). \
            With --tokenizer, prompts are rendered with its chat template and their token \
            lengths summarised against --max-prompt-length (longer prompts keep their last \
            tokens, as TRL truncates). Parquet and hub data sets: convert them first with \
            Scripts/convert-dataset.py.
            """)

    @Option(help: "A JSONL or JSON-array data file (default: the built-in arithmetic problems).")
    var file: String?

    @Option(help: "Field mapping: \(DatasetPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: String?

    @Option(name: .customLong("bad-rows"), help: "skip (report and continue) or reject (fail on any bad row).")
    var badRows = "skip"

    @Option(help: "Use at most this many problems.")
    var limit: Int?

    @Option(help: "A tokenizer.json, an HF model directory or a .gguf file, for rendered prompts and token lengths.")
    var tokenizer: String?

    @Option(name: .customLong("chat-template"),
            help: "Chat template family when the tokenizer files carry none: \(ChatTemplate.Family.allCases.map(\.rawValue).joined(separator: ", ")).")
    var chatTemplate: String?

    @Option(name: .customLong("max-prompt-length"), help: "Prompt tokens kept (the end of longer prompts).")
    var maxPromptLength = 256

    @Option(name: .customLong("system-prompt"), help: "The system turn (default: the seed's SYSTEM_PROMPT).")
    var systemPrompt: String?

    @Flag(name: .customLong("no-system-prompt"), help: "No system turn (the chat template's default applies).")
    var noSystemPrompt = false

    @Option(help: "Prompts to print.")
    var show = 3

    @Option(name: .customLong("max-issues"), help: "Skipped rows to list one by one.")
    var maxIssues = 20

    func validate() throws {
        guard BadRowPolicy(rawValue: badRows) != nil else { throw ValidationError("--bad-rows must be skip or reject") }
        if let preset, DatasetPreset(name: preset) == nil { throw ValidationError(DatasetError.unknownPreset(preset).description) }
        if file != nil && preset == nil { throw ValidationError("--file needs --preset") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard maxPromptLength >= 1 else { throw ValidationError("--max-prompt-length must be at least 1") }
        guard show >= 0, maxIssues >= 0 else { throw ValidationError("--show and --max-issues must be ≥ 0") }
        if let chatTemplate, ChatTemplate.Family(rawValue: chatTemplate) == nil {
            throw ValidationError("--chat-template must be one of \(ChatTemplate.Family.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let configuration = DatasetConfiguration(file: file, preset: preset.flatMap(DatasetPreset.init(name:)),
                                                 badRows: BadRowPolicy(rawValue: badRows) ?? .skip, limit: limit)
        let dataset = try configuration.load()
        print(dataset.summary)
        if !dataset.issues.isEmpty {
            print("skipped rows:")
            for issue in dataset.issues.prefix(maxIssues) { print("  \(issue)") }
            if dataset.issues.count > maxIssues { print("  … and \(dataset.issues.count - maxIssues) more") }
        }

        let builder = PromptBuilder(systemPrompt: noSystemPrompt ? nil : systemPrompt ?? PromptBuilder.seedSystemPrompt)
        let prompts = builder.prompts(for: dataset.problems)
        guard let tokenizer else {
            print("(prompt token lengths and rendered prompts need --tokenizer)")
            for (index, prompt) in prompts.prefix(show).enumerated() {
                print("\n--- prompt \(index + 1)\(where: dataset.problems[index]), answer \(quoted: prompt.answer)")
                if let system = prompt.system { print("[system]\n\(system)") }
                print("[user]\n\(prompt.user)")
            }
            return
        }
        try report(prompts, problems: dataset.problems, tokenizer: TokenizeCommand.load(URL(fileURLWithPath: tokenizer)))
    }

    /// Token-length statistics of every rendered prompt, then a few prompts as the model sees them.
    private func report(_ prompts: [Prompt], problems: [Problem], tokenizer: BPETokenizer) throws {
        guard let template = chatTemplate.flatMap(ChatTemplate.Family.init(rawValue:)).map({ ChatTemplate(family: $0) })
                ?? tokenizer.chatTemplate else {
            throw CLIError.badOption("--tokenizer: \(self.tokenizer ?? "") carries no supported chat template; "
                + "name one with --chat-template (\(ChatTemplate.Family.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        func messages(_ prompt: Prompt) -> [ChatMessage] {
            (prompt.system.map { [.system($0)] } ?? []) + [.user(prompt.user)]
        }
        var rendered: [String] = []
        var lengths: [Int] = []
        for prompt in prompts {
            let text = try template.render(messages(prompt), addGenerationPrompt: true)
            if rendered.count < show { rendered.append(text) }
            lengths.append(tokenizer.encode(text).count)
        }
        let sorted = lengths.sorted()
        func percentile(_ p: Double) -> Int { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] }
        let over = lengths.filter { $0 > maxPromptLength }.count
        print(String(format: "prompt tokens (%@ template): min %d, mean %.1f, median %d, p95 %d, max %d",
                     template.family.rawValue as NSString, sorted.first ?? 0,
                     Double(lengths.reduce(0, +)) / Double(max(lengths.count, 1)), percentile(0.5), percentile(0.95),
                     sorted.last ?? 0))
        print(String(format: "%d of %d prompts (%.1f%%) exceed --max-prompt-length %d and would keep only their last %d tokens",
                     over, lengths.count, 100 * Double(over) / Double(max(lengths.count, 1)), maxPromptLength, maxPromptLength))
        for (index, text) in rendered.enumerated() {
            let kept = PromptBuilder.truncatedKeepingEnd(tokenizer.encode(text), maxLength: maxPromptLength)
            let cut = lengths[index] > maxPromptLength ? " (cut to the last \(maxPromptLength))" : ""
            print("\n--- prompt \(index + 1)\(where: problems[index]), \(lengths[index]) tokens\(cut), answer \(quoted: prompts[index].answer)")
            print(lengths[index] > maxPromptLength ? tokenizer.decode(kept) : text, terminator: "")
        }
    }
}

private extension DefaultStringInterpolation {
    /// " (file:line)" for rows read from a file, nothing for generated ones.
    mutating func appendInterpolation(where problem: Problem) {
        if let location = problem.location { appendLiteral(" (\(location))") }
    }

    mutating func appendInterpolation(quoted text: String) {
        appendLiteral(text.debugDescription)
    }
}
