import ArgumentParser
import GRPORun
import Dispatch
import Foundation
import LanguageModel
import Tensors
#if canImport(Glibc)
import Glibc
#endif

/// `grpo bench --model PATH`: the rollout and scoring work of one GRPO step, timed.
///
/// Decoding runs twice per shape: as a rollout does, stopping each sequence at its
/// end-of-sequence token (`useful` tokens/s counts only tokens up to and including it), and
/// with stopping disabled so every sequence decodes exactly `--max-tokens` tokens (`full`,
/// raw throughput). `Scripts/bench-transformers.py` gives transformers' `generate` the
/// same work (`min_new_tokens = max_new_tokens` for the full runs).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prefill, group decoding, multi-group decoding and scoring throughput.")

    @Option(help: "An HF model directory or a .gguf file.")
    var model: String

    @Option(name: .customLong("group-size"), help: "Completions per prompt.")
    var groupSize = 16

    @Option(help: "Groups decoded together in the multi-group run.")
    var groups = 4

    @Option(name: .customLong("max-tokens"), help: "New tokens per completion.")
    var maxTokens = 200

    @Option(help: "Sampling temperature.")
    var temperature: Float = 0.9

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "GSM8K JSONL file the prompts' questions come from.")
    var data: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "inference (prefill, decoding, scoring), training (LoRA forward + backward + reference forward) or learner (ingest and broadcast; --model unused) or threads (decode and training at 1…--threads threads).")
    var suite: Suite = .inference

    enum Suite: String, CaseIterable, ExpressibleByArgument { case inference, training, learner, threads }

    @OptionGroup var training: TrainingBenchOptions

    @OptionGroup var learner: LearnerBenchOptions

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        switch suite {
        case .inference: try runInference()
        case .training: try TrainingBench(options: training, model: model, json: json).run()
        case .learner: try LearnerBench(options: learner, json: json).run()
        case .threads:
            try ThreadScalingBench(model: model, data: data, groupSize: groupSize, maxTokens: maxTokens, seed: seed,
                                   training: training, json: json).run()
        }
    }

    private func runInference() throws {
        var figures: [(String, Double)] = []
        func report(_ name: String, _ value: Double) {
            figures.append((name, value))
            if !json { FileHandle.standardError.write(Data((name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%10.2f\n", value)).utf8)) }
        }
        let start = Date()
        let runtime = try ModelRuntime(path: URL(fileURLWithPath: model))
        report("load_seconds", Date().timeIntervalSince(start))
        let prompts = try BenchPrompts.make(for: runtime, count: max(groups, 1), dataPath: data)
        report("prompt_tokens", Double(prompts[0].count))
        let decoder = runtime.decoder
        let nonStopping = GroupGenerator(decoder: decoder, stopTokens: [])
        let params = SamplingParameters(temperature: temperature, maxTokens: maxTokens, seed: seed)

        // Prefill: the group's prompts, packed, as the rollout prefill runs them.
        let prefillScorer = SequenceScorer(decoder: decoder)
        _ = prefillScorer.score([Array(prompts[0].prefix(8))])  // warm-up
        var t = Date()
        let prefillReps = 3
        for _ in 0..<prefillReps { _ = prefillScorer.score(prompts) }
        let prefillTokens = prefills(prompts) * prefillReps
        report("prefill_tokens_per_s", Double(prefillTokens) / Date().timeIntervalSince(t))

        let stopping = GroupGenerator(decoder: decoder, stopTokens: runtime.stopTokens)
        var fullCompletions: [[Completion]] = []
        for count in groups > 1 ? [1, groups] : [1] {
            let label = "\(count)x\(groupSize)"
            for (engine, kind) in [(stopping, "useful"), (nonStopping, "full")] {
                t = Date()
                let out = engine.generate(prompts: Array(prompts.prefix(count)), groupSize: groupSize, parameters: params)
                let seconds = Date().timeIntervalSince(t)
                let tokens = out.joined().reduce(0) { $0 + $1.ids.count }
                report("decode_\(label)_\(kind)_tokens_per_s", Double(tokens) / seconds)
                if kind == "useful" { report("decode_\(label)_mean_length", Double(tokens) / Double(count * groupSize)) }
                if kind == "full" && count == 1 { fullCompletions = out }
            }
        }

        // Scoring: the learner's teacher-forced pass over prompt + completion.
        let scored = fullCompletions[0].map { prompts[0] + $0.ids }
        let scorer = SequenceScorer(decoder: decoder)
        t = Date()
        _ = scorer.score(scored)
        report("score_tokens_per_s", Double(prefills(scored)) / Date().timeIntervalSince(t))
        report("peak_rss_mib", Double(peakResidentBytes()) / 1_048_576)

        if json {
            var object: [String: Any] = ["model": model, "blas_core": BLAS.coreName, "group_size": groupSize,
                                         "groups": groups, "max_tokens": maxTokens]
            for (k, v) in figures { object[k] = v }
            JSONLinesWriter.write(object)
        } else {
            FileHandle.standardError.write(Data("OpenBLAS kernels: \(BLAS.coreName)\n".utf8))
        }
    }

    private func prefills(_ sequences: [[Int32]]) -> Int { sequences.reduce(0) { $0 + $1.count } }

}

/// The process's peak resident set so far.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}
