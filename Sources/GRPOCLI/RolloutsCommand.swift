import ArgumentParser
import Foundation
import GRPOCore
import GRPOProtocol
import LanguageModel
import RolloutLog

/// `grpo rollouts inspect DIR`: what a learner's rollout log holds.
struct RolloutsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollouts", abstract: "Inspect rollout logs.", subcommands: [Inspect.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a rollout log: groups, versions, workers, rewards, lengths and a sample.")

        @Argument(help: "The log directory (<output_dir>/rollouts).")
        var directory: String

        @Option(help: "A model (HF directory or .gguf) whose tokenizer decodes the sample.")
        var model: String?

        @Option(help: "Which group to show as the sample (default: the last).")
        var sample: Int?

        @Flag(help: "Print the summary as one JSON object.")
        var json = false

        func run() throws {
            let (reports, warnings) = try GroupReport.readLog(URL(fileURLWithPath: directory))
            guard !reports.isEmpty else { throw CLIError.badInput("\(directory): the log holds no groups") }
            let completions = reports.flatMap(\.group.completions)
            let rewards = completions.map { Double($0.reward) }
            let lengths = completions.map { Double($0.ids.count) }
            var versions: [Int: Int] = [:], workers: [String: Int] = [:]
            for r in reports {
                versions[r.group.policyVersion ?? -1, default: 0] += 1
                workers[r.workerID, default: 0] += 1
            }
            let names = Set(completions.flatMap(\.rewards.keys)).sorted()
            var summary: [String: Any] = [
                "groups": reports.count, "completions": completions.count,
                "draws": ["min": reports.map(\.draw).min()!, "max": reports.map(\.draw).max()!, "distinct": Set(reports.map(\.draw)).count],
                "versions": Dictionary(uniqueKeysWithValues: versions.map { ("\($0.key)", $0.value) }),
                "workers": workers,
                "reward": stats(rewards), "completion_tokens": stats(lengths),
                "rewards": Dictionary(uniqueKeysWithValues: names.map { name in (name, stats(completions.map { Double($0.rewards[name] ?? 0) })) }),
                "truncated_fraction": Double(completions.filter { $0.finishReason == .length }.count) / Double(completions.count),
                "segments": try RolloutLogReader(directory: URL(fileURLWithPath: directory)).segments.count, "warnings": warnings,
            ]
            let index = min(max(sample ?? reports.count - 1, 0), reports.count - 1)
            let shown = reports[index]
            var sampleObject: [String: Any] = ["record": index, "draw": shown.draw, "worker": shown.workerID,
                                               "rewards": shown.group.completions.map(\.reward)]
            if let model {
                let runtime = try ModelRuntime(path: URL(fileURLWithPath: model))
                sampleObject["prompt"] = runtime.tokenizer.decode(shown.group.promptIDs, skipSpecialTokens: false)
                sampleObject["completion"] = runtime.tokenizer.decode(shown.group.completions[0].ids, skipSpecialTokens: true)
            } else {
                sampleObject["prompt_tokens"] = shown.group.promptIDs.count
            }
            summary["sample"] = sampleObject
            if json {
                JSONLinesWriter.write(summary)
                return
            }
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }

        private func stats(_ xs: [Double]) -> [String: Double] {
            let mean = xs.reduce(0, +) / Double(max(xs.count, 1))
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(xs.count - 1, 1))
            return ["mean": mean, "std": variance.squareRoot(), "min": xs.min() ?? 0, "max": xs.max() ?? 0]
        }
    }
}
