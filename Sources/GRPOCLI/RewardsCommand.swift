import ArgumentParser
import Datasets
import Foundation
import Rewards

/// `grpo rewards`: the five rule-based rewards of completions read as JSONL, or their timing.
struct RewardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewards",
        abstract: "Read JSONL {\"completion\": \"...\", \"answer\": \"...\"} on stdin; write "
            + "{\"rewards\": {\"mark\": x, \"soft_format\": x, \"hard_format\": x, \"digit\": x, \"correctness\": x}, "
            + "\"total\": x} per line, in order.",
        discussion: """
            --compat seed reproduces the seed recipe's Python reward functions exactly, quirks \
            included; --compat fixed (the default) applies the rules they meant. A numeric \
            answer is compared as Python's str() prints it (72 → "72", 72.0 → "72.0"). \
            --benchmark times the rewards on generated completions instead of reading stdin.
            """)

    @Option(help: "seed or fixed.")
    var compat = "fixed"

    @Flag(help: "Time 100,000 typical completions and 1 MiB adversarial texts instead of reading stdin.")
    var benchmark = false

    func validate() throws {
        guard RewardCompatibility(rawValue: compat) != nil else { throw ValidationError("--compat must be seed or fixed") }
    }

    func run() throws {
        let compatibility = RewardCompatibility(rawValue: compat) ?? .fixed
        if benchmark { return try RewardBenchmark.run(compatibility: compatibility) }
        let scorer = try RewardScorer(configuration: RewardConfiguration(compat: compatibility))
        var reader = JSONLinesReader()
        while let object = try reader.next() {
            guard let completion = object["completion"] as? String else {
                throw CLIError.badInput("stdin line \(reader.lineNumber): expected {\"completion\": \"...\", \"answer\": \"...\"}")
            }
            let answer = try Self.answerText(object["answer"], line: reader.lineNumber)
            let scores = scorer.score(completion: completion, answer: answer)
            let values = JSONLinesWriter.numbers(scores.values)
            JSONLinesWriter.write(["rewards": Dictionary(uniqueKeysWithValues: zip(scores.names, values)),
                                   "total": JSONLinesWriter.numbers([scores.total])[0]])
        }
    }

    /// The reference as the seed sees it, `str(answer)`: strings as they are, JSON numbers as
    /// Python prints the int or float its json module makes of them.
    static func answerText(_ value: Any?, line: Int) throws -> String {
        switch value {
        case let text as String:
            return text
        case let decimal as NSDecimalNumber:
            // Foundation's form for integers past 64 bits, which Python keeps exact.
            return decimal.description
        case let number as NSNumber where String(cString: number.objCType) != "c":
            let type = String(cString: number.objCType)
            return type == "d" || type == "f" ? PythonNumberText.floatRepr(number.doubleValue) : number.stringValue
        default:
            throw CLIError.badInput("stdin line \(line): \"answer\" must be a string or a number")
        }
    }
}

/// The figures `grpo rewards --benchmark` prints (and the README quotes).
enum RewardBenchmark {
    static func run(compatibility: RewardCompatibility) throws {
        let scorer = try RewardScorer(configuration: RewardConfiguration(compat: compatibility))
        let typical = RewardWorkloads.typicalCompletions(count: 100_000)
        let meanBytes = typical.reduce(0) { $0 + $1.completion.utf8.count } / typical.count
        var sum: Float = 0
        let seconds = best(of: 3) {
            sum = 0
            for (completion, answer) in typical { sum += scorer.score(completion: completion, answer: answer).total }
        }
        print("compat \(compatibility.rawValue), one core")
        print(String(format: "100,000 completions (mean %d bytes), all %d rewards: %.3f s  (%.2f µs each; mean total %.3f)",
                     meanBytes, scorer.functions.count, seconds, seconds * 10, sum / Float(typical.count)))

        var checksum: Float = 0
        let adversarial = RewardWorkloads.adversarialCompletions(bytes: 1 << 20)
        print("1 MiB adversarial completions, worst of \(adversarial.count) per reward:")
        for reward in scorer.functions {
            var worst = (seconds: 0.0, input: "")
            for (name, completion) in adversarial {
                let time = best(of: 3) { checksum += reward.reward(completion: completion, answer: "18") }
                if time > worst.seconds { worst = (time, name) }
            }
            let name = reward.name.padding(toLength: 12, withPad: " ", startingAt: 0)
            print("  \(name) " + String(format: "%7.3f ms", worst.seconds * 1000) + "  (\(worst.input))")
        }
        if checksum.isNaN { print("") }  // keeps the timed calls observable to the optimizer
    }

    /// The shortest of `runs` timings of `body`, in seconds.
    private static func best(of runs: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        return (0..<runs).map { _ in
            let elapsed = clock.measure(body)
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }.min() ?? 0
    }
}
