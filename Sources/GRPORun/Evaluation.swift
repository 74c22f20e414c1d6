import Datasets
import Foundation
import GRPOCore
import LanguageModel
import Rewards
import Training

/// What `grpo eval` measures and how: the model (and adapter), the data, the sampling and the
/// prompt settings. The prompt settings default to training's (`PromptSection`), so a model is
/// evaluated on the prompts it was trained on.
public struct EvaluationSettings: Sendable, Equatable {
    /// An HF model directory or a GGUF file.
    public var model: String
    /// A PEFT adapter directory, merged into the model's weights for sampling.
    public var adapter: String?
    /// A JSONL or JSON-array data file.
    public var dataFile: String
    public var preset: DatasetPreset = .gsm8k
    /// Evaluate the first this many problems.
    public var limit: Int?
    /// Completions per problem (n of pass@k).
    public var samples = 1
    /// nil: greedy (0) for one sample, 0.7 for several.
    public var temperature: Float?
    public var topP: Float = 1
    public var topK = 0
    public var maxTokens = 200
    /// The system turn; the seed's SYSTEM_PROMPT, as training uses by default.
    public var systemPrompt: String? = PromptSection().systemPrompt
    public var userTemplate = PromptSection().userTemplate
    public var maxPromptLength = PromptSection().maxPromptLength
    /// The correctness reward's rules (training's default: fixed).
    public var compat: RewardCompatibility = RewardConfiguration().compat
    /// Prompts sampled together.
    public var batch = 8
    public var seed: UInt64 = 0

    /// The temperature used when none is given for several samples.
    public static let defaultSampledTemperature: Float = 0.7

    public init(model: String, dataFile: String) {
        self.model = model
        self.dataFile = dataFile
    }

    public var effectiveTemperature: Float {
        temperature ?? (samples > 1 ? Self.defaultSampledTemperature : 0)
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw EvaluationError.invalidSetting(message) }
        }
        try check(!model.isEmpty, "--model is required")
        if let limit { try check(limit >= 1, "--limit must be at least 1 (got \(limit))") }
        try check(samples >= 1, "--samples must be at least 1 (got \(samples))")
        try check(maxTokens >= 1, "--max-tokens must be at least 1 (got \(maxTokens))")
        try check(batch >= 1, "--batch must be at least 1 (got \(batch))")
        try check(maxPromptLength >= 1, "--max-prompt-length must be at least 1")
        try check(userTemplate.contains("{question}"), "--user-template must contain {question}")
        let t = effectiveTemperature
        try check(t >= 0 && t.isFinite, "--temperature must be ≥ 0")
        try check(samples == 1 || t > 0,
                  "--samples \(samples) needs --temperature > 0 (greedy samples are all the same)")
        try check(topP > 0 && topP <= 1, "top_p must be in (0, 1]")
        try check(topK >= 0, "top_k must be ≥ 0")
    }
}

public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(String)
    case missingDataFile(String)
    case adapter(path: String, model: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let message): return message
        case .missingDataFile(let path): return "data file \(path) does not exist"
        case .adapter(let path, let model, let reason):
            return "cannot use adapter \(path) with model \(model): \(reason)"
        }
    }
}

/// Decides whether a completion answers a problem, exactly as training's `correctness` reward
/// does: the seed's `<answer>` extraction (`AnswerExtraction`), then the reward's comparison
/// under the chosen compat mode. Correct means the reward is positive (it pays 2.0 or 0).
public struct EvaluationJudge: Sendable {
    public let compatibility: RewardCompatibility
    private let reward: CorrectnessReward

    public init(compatibility: RewardCompatibility) {
        self.compatibility = compatibility
        reward = CorrectnessReward(compatibility: compatibility)
    }

    /// The answer the reward compares (the text after the last "<answer>", up to "</answer>").
    public func extractedAnswer(_ completion: String) -> String {
        AnswerExtraction.answer(in: completion)
    }

    public func isCorrect(completion: String, answer: String) -> Bool {
        reward.reward(completion: completion, answer: answer) > 0
    }

    /// The completion holds a "<think>…</think>" block followed by an "<answer>…</answer>"
    /// block (anywhere, any whitespace: looser than the format rewards, which anchor them).
    public static func hasThinkAndAnswer(_ completion: String) -> Bool {
        var rest = completion[...]
        for tag in ["<think>", "</think>", "<answer>", "</answer>"] {
            guard let found = rest.range(of: tag, options: .literal) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }
}

/// pass@k from n samples of which c are correct, with the unbiased estimator of Chen et al.
/// (2021): 1 − C(n−c, k) / C(n, k), the chance that k of the n samples drawn without
/// replacement include a correct one.
public enum PassAtK {
    public static func estimate(n: Int, c: Int, k: Int) -> Double {
        precondition(n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n, "pass@k needs 0 ≤ c ≤ n and 1 ≤ k ≤ n")
        if c == 0 { return 0 }
        if n - c < k { return 1 }
        // C(n−c, k) / C(n, k) = ∏_{i = n−c+1}^{n} (1 − k/i), without large binomials.
        var ratio = 1.0
        for i in (n - c + 1)...n { ratio *= 1 - Double(k) / Double(i) }
        return 1 - ratio
    }
}

/// One problem's completions, judged.
public struct EvaluatedItem: Sendable {
    /// The problem's position among the loaded problems (0-based).
    public var index: Int
    /// "file:line" of the row.
    public var location: String?
    public var question: String
    /// The reference answer, as the rewards see it.
    public var answer: String
    public var promptTokens: Int
    public var outputs: [String]
    public var extracted: [String]
    public var correct: [Bool]
    /// Completion tokens (the end-of-turn token included when the model stopped).
    public var tokens: [Int]
    /// "stop" or "length" (hit max tokens).
    public var finishReasons: [String]
    /// Each output has a <think>…</think> and an <answer>…</answer> block.
    public var format: [Bool]

    public var correctCount: Int { correct.filter { $0 }.count }

    /// The per-item JSONL record (arrays hold one entry per sample).
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "index": index, "question": question, "answer": answer, "prompt_tokens": promptTokens,
            "outputs": outputs, "extracted": extracted, "correct": correct, "tokens": tokens,
            "finish_reasons": finishReasons, "format": format, "num_correct": correctCount, "samples": outputs.count,
        ]
        if let location { object["location"] = location }
        return object
    }
}

/// A run's totals: what the last JSONL line and the stderr summary report.
public struct EvaluationSummary: Sendable {
    public var items = 0
    public var samplesPerItem = 1
    /// Correct completions / completions: greedy accuracy for one greedy sample per item.
    public var accuracy = 0.0
    /// Mean unbiased pass@1 and pass@K over items (K = samplesPerItem).
    public var passAt1 = 0.0
    public var passAtK = 0.0
    public var meanCompletionTokens = 0.0
    /// Completions that stopped at max tokens.
    public var maxTokensRate = 0.0
    /// Completions with a <think>…</think> and an <answer>…</answer> block.
    public var formatRate = 0.0
    /// Sampling time (model loading excluded).
    public var seconds = 0.0
    public var loadSeconds = 0.0
    public var model = ""
    public var adapter: String?
    public var dataFile = ""
    public var preset = ""
    public var compat = ""
    public var temperature: Float = 0
    public var maxTokens = 0
    public var batch = 0
    public var seed: UInt64 = 0
    public var completionTokens = 0

    public var itemsPerSecond: Double { Double(items) / max(seconds, 1e-9) }
    public var completionTokensPerSecond: Double { Double(completionTokens) / max(seconds, 1e-9) }

    /// The summary line of the JSONL (`"summary": true`).
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "summary": true, "items": items, "samples": samplesPerItem, "accuracy": accuracy,
            "mean_completion_tokens": meanCompletionTokens, "max_tokens_rate": maxTokensRate, "format_rate": formatRate,
            "items_per_second": itemsPerSecond, "completion_tokens_per_second": completionTokensPerSecond,
            "seconds": seconds, "load_seconds": loadSeconds,
            "model": model, "adapter": adapter as Any? ?? NSNull(), "data": dataFile, "preset": preset, "compat": compat,
            "temperature": Double("\(temperature)") ?? Double(temperature), "max_tokens": maxTokens, "batch": batch,
            "seed": NSNumber(value: seed),
        ]
        if samplesPerItem > 1 {
            object["pass@1"] = passAt1
            object["pass@\(samplesPerItem)"] = passAtK
        }
        return object
    }

    /// The human summary for stderr.
    public var text: String {
        var lines = ["eval summary: \(items) items, model \(model), adapter \(adapter ?? "none")"]
        lines.append("  data \(dataFile) (\(preset)), compat \(compat), temperature \(temperature), max tokens \(maxTokens)")
        if samplesPerItem > 1 {
            lines.append(String(format: "  pass@1 %.4f  pass@%d %.4f  mean accuracy over samples %.4f",
                                passAt1, samplesPerItem, passAtK, accuracy))
        } else {
            let kind = temperature == 0 ? "greedy" : "sampled"
            lines.append(String(format: "  accuracy %.4f (%d/%d, %@)", accuracy, Int((accuracy * Double(items)).rounded()), items,
                                kind as NSString))
        }
        lines.append(String(format: "  mean completion tokens %.1f, hit max tokens %.1f%%, format %.1f%%",
                            meanCompletionTokens, 100 * maxTokensRate, 100 * formatRate))
        lines.append(String(format: "  %.3f items/s, %.1f completion tokens/s (%.1f s sampling, %.1f s loading)",
                            itemsPerSecond, completionTokensPerSecond, seconds, loadSeconds))
        return lines.joined(separator: "\n")
    }
}

/// `grpo eval`: accuracy (greedy) or pass@k (sampled) of a model, with or without an adapter,
/// on a data set, with prompts built exactly as training builds them (`RolloutProducer.prepare`)
/// and answers judged by training's correctness reward.
public final class Evaluation {
    public let settings: EvaluationSettings
    public let judge: EvaluationJudge
    public let dataset: LoadedDataset
    public let runtime: ModelRuntime
    public let adapter: LoRAAdapter?
    public let loadSeconds: Double
    private let producer: RolloutProducer
    /// Receives progress lines (stderr by default).
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Checks the settings and the data before loading the model, then the adapter against it.
    public init(settings: EvaluationSettings) throws {
        let started = Date()
        try settings.validate()
        guard FileManager.default.fileExists(atPath: settings.dataFile) else {
            throw EvaluationError.missingDataFile(settings.dataFile)
        }
        self.settings = settings
        judge = EvaluationJudge(compatibility: settings.compat)
        dataset = try DatasetConfiguration(file: settings.dataFile, preset: settings.preset, limit: settings.limit).load()
        runtime = try ModelRuntime(path: URL(fileURLWithPath: settings.model))
        if let path = settings.adapter {
            do {
                adapter = try PEFTAdapterFiles.load(from: URL(fileURLWithPath: path), modelConfig: runtime.config)
            } catch {
                throw EvaluationError.adapter(path: path, model: settings.model, reason: "\(error)")
            }
        } else {
            adapter = nil
        }
        if let adapter { runtime.sample(with: adapter.merged(into: runtime.decoder.weights)) }
        var configuration = RunConfiguration(model: settings.model)
        configuration.prompt.systemPrompt = settings.systemPrompt
        configuration.prompt.userTemplate = settings.userTemplate
        configuration.prompt.maxPromptLength = settings.maxPromptLength
        configuration.rewards = RewardConfiguration(compat: settings.compat)
        producer = try RolloutProducer(runtime: runtime, configuration: configuration)
        loadSeconds = Date().timeIntervalSince(started)
    }

    public var problems: [Problem] { dataset.problems }

    /// The prompt of problem `index`, as training renders and truncates it.
    public func prompt(_ index: Int) throws -> PreparedPrompt {
        try producer.prepare(problems[index], index: index)
    }

    /// Samples every problem in batches of `settings.batch` prompts, judging each completion;
    /// `onItem` receives the items in data order as each batch finishes.
    @discardableResult
    public func run(onItem: (EvaluatedItem) throws -> Void = { _ in }) throws -> EvaluationSummary {
        let s = settings
        let total = problems.count
        let temperature = s.effectiveTemperature
        let started = Date()
        var totals = RunningTotals()
        if !dataset.issues.isEmpty { log("eval: \(dataset.summary)") }
        log("eval: \(total) items × \(s.samples) sample\(s.samples == 1 ? "" : "s"), temperature \(temperature), "
            + "max tokens \(s.maxTokens), batch \(s.batch), model \(s.model)" + (s.adapter.map { " + adapter \($0)" } ?? ""))
        var batchIndex = 0
        for start in stride(from: 0, to: total, by: s.batch) {
            let prompts = try (start..<min(start + s.batch, total)).map(prompt)
            let parameters = SamplingParameters(temperature: temperature, topP: s.topP, topK: s.topK, maxTokens: s.maxTokens,
                                                seed: s.seed &+ UInt64(batchIndex) &* 0x1_0000_0001)
            let groups = runtime.generate(prompts: prompts.map(\.ids), groupSize: s.samples, parameters: parameters)
            for (prompt, group) in zip(prompts, groups) {
                let item = evaluate(prompt, group)
                totals.add(item, k: s.samples)
                try onItem(item)
            }
            batchIndex += 1
            let elapsed = Date().timeIntervalSince(started)
            let done = totals.items
            let eta = elapsed / Double(done) * Double(total - done)
            var line = String(format: "eval %d/%d  accuracy %.3f", done, total, totals.accuracy)
            if s.samples > 1 { line += String(format: "  pass@%d %.3f", s.samples, totals.passAtK / Double(done)) }
            line += String(format: "  %.2f items/s  eta %@", Double(done) / max(elapsed, 1e-9), TrainingLoop.duration(eta))
            log(line)
        }
        var summary = EvaluationSummary()
        summary.items = totals.items
        summary.samplesPerItem = s.samples
        summary.accuracy = totals.accuracy
        summary.passAt1 = totals.passAt1 / Double(max(totals.items, 1))
        summary.passAtK = totals.passAtK / Double(max(totals.items, 1))
        let completions = Double(max(totals.completions, 1))
        summary.meanCompletionTokens = Double(totals.tokens) / completions
        summary.maxTokensRate = Double(totals.hitMaxTokens) / completions
        summary.formatRate = Double(totals.formatted) / completions
        summary.completionTokens = totals.tokens
        summary.seconds = Date().timeIntervalSince(started)
        summary.loadSeconds = loadSeconds
        summary.model = s.model
        summary.adapter = s.adapter
        summary.dataFile = s.dataFile
        summary.preset = s.preset.rawValue
        summary.compat = s.compat.rawValue
        summary.temperature = temperature
        summary.maxTokens = s.maxTokens
        summary.batch = s.batch
        summary.seed = s.seed
        return summary
    }

    /// Judges one prompt's completions.
    public func evaluate(_ prompt: PreparedPrompt, _ completions: [GeneratedCompletion]) -> EvaluatedItem {
        let texts = completions.map(\.text)
        return EvaluatedItem(
            index: prompt.index, location: problems.indices.contains(prompt.index) ? problems[prompt.index].location?.description : nil,
            question: prompt.question, answer: prompt.answer, promptTokens: prompt.ids.count,
            outputs: texts, extracted: texts.map(judge.extractedAnswer),
            correct: texts.map { judge.isCorrect(completion: $0, answer: prompt.answer) },
            tokens: completions.map(\.completion.ids.count),
            finishReasons: completions.map(\.completion.finishReason.rawValue),
            format: texts.map(EvaluationJudge.hasThinkAndAnswer))
    }

    /// One compact JSON object, keys sorted (reproducible lines).
    public static func jsonLine(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private struct RunningTotals {
        var items = 0, completions = 0, correct = 0, tokens = 0, hitMaxTokens = 0, formatted = 0
        var passAt1 = 0.0, passAtK = 0.0

        var accuracy: Double { Double(correct) / Double(max(completions, 1)) }

        mutating func add(_ item: EvaluatedItem, k: Int) {
            items += 1
            completions += item.outputs.count
            correct += item.correctCount
            tokens += item.tokens.reduce(0, +)
            hitMaxTokens += item.finishReasons.filter { $0 == FinishReason.length.rawValue }.count
            formatted += item.format.filter { $0 }.count
            let n = item.outputs.count
            passAt1 += PassAtK.estimate(n: n, c: item.correctCount, k: 1)
            passAtK += PassAtK.estimate(n: n, c: item.correctCount, k: min(k, n))
        }
    }
}
