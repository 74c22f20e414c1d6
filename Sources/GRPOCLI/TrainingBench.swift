import ArgumentParser
import Foundation
import GRPOCore
import LanguageModel
import Tensors
import Training

struct TrainingBenchOptions: ParsableArguments {
    @Option(help: "Training: sequences per step.")
    var sequences = 16
    @Option(name: .customLong("prompt-tokens"), help: "Training: prompt tokens per sequence.")
    var promptTokens = 100
    @Option(name: .customLong("completion-tokens"), help: "Training: completion tokens per sequence.")
    var completionTokens = 200
    @Option(name: .customLong("micro-batch"), help: "Training: sequences per micro-batch.")
    var microBatch = 4
    @Option(help: "Training: LoRA rank (alpha = 2·rank, all seven projections).")
    var rank = 16
    @Option(help: "Training: timed steps (the best is reported) after one warm-up step.")
    var repeats = 2
    @Flag(name: .customLong("recompute"), help: "Training: recompute activations in the backward.")
    var recompute = false
}

/// `grpo bench --suite training`: the model work of one GRPO step, timed. Per step: the
/// reference forward (adapter disabled), then the LoRA forward, the fused output head and
/// the backward to every adapter parameter, over `sequences` sequences in micro-batches.
///
/// Measured twice: as independent sequences (what a padded PyTorch batch computes) and as
/// one GRPO group, the completions sharing their prompt, which runs the prompt once per
/// micro-batch. Token ids are a fixed arithmetic pattern that Scripts/bench-training-torch.py
/// reproduces. Peak memory is taken after a step of 16 × (256 + 200) tokens, the seed's
/// longest prompt and completion.
struct TrainingBench {
    let options: TrainingBenchOptions
    let model: String
    let json: Bool

    func run() throws {
        var figures: [(String, Double)] = []
        func report(_ name: String, _ value: Double) {
            figures.append((name, value))
            if !json { FileHandle.standardError.write(Data((name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%10.2f\n", value)).utf8)) }
        }
        let start = Date()
        let decoder = try ModelLoader.load(URL(fileURLWithPath: model)).decoder
        report("load_seconds", Date().timeIntervalSince(start))
        let adapter = LoRAAdapter(config: LoRAConfig(rank: options.rank, alpha: Float(2 * options.rank)), modelConfig: decoder.config)
        adapter.initialize(seed: 0)
        let policy = PolicyModel(base: decoder, adapter: adapter, recompute: options.recompute)
        let updater = GRPOUpdater(policy: policy, settings: GRPOSettings(), microBatchSize: options.microBatch)
        let vocab = Int32(min(150_000, decoder.config.vocabSize))
        func token(_ i: Int, _ j: Int) -> Int32 { Int32((1000 + 7919 * i + 104_729 * j) % Int(vocab)) }
        func sequence(_ i: Int, _ prompt: Int, _ completion: Int) -> (prompt: [Int32], completion: [Int32]) {
            let ids = (0..<(prompt + completion)).map { token(i, $0) }
            return (Array(ids[..<prompt]), Array(ids[prompt...]))
        }
        /// Seconds of one step over `groups`.
        func step(_ groups: [RolloutGroup]) -> Double {
            let t = Date()
            let batch = TrainingBatch(groups: groups, settings: updater.settings, microBatchSize: options.microBatch)
            _ = updater.computeGradients(batch, baselines: updater.baselines(for: batch))
            return Date().timeIntervalSince(t)
        }
        func independent(_ prompt: Int, _ completion: Int) -> [RolloutGroup] {
            (0..<options.sequences).map { i in
                let s = sequence(i, prompt, completion)
                return RolloutGroup(promptIDs: s.prompt, completions: [RolloutCompletion(ids: s.completion, reward: Float(i % 3))])
            }
        }
        func group(_ prompt: Int, _ completion: Int) -> [RolloutGroup] {
            let shared = sequence(0, prompt, completion).prompt
            return [RolloutGroup(promptIDs: shared, completions: (0..<options.sequences).map { i in
                RolloutCompletion(ids: sequence(i, prompt, completion).completion, reward: Float(i % 3))
            })]
        }

        let tokens = Double(options.sequences * (options.promptTokens + options.completionTokens))
        for (name, groups) in [("train", independent(options.promptTokens, options.completionTokens)),
                               ("train_group", group(options.promptTokens, options.completionTokens))] {
            _ = step(groups)   // warm-up: grows the activation arena once
            let best = (0..<max(1, options.repeats)).map { _ in step(groups) }.min()!
            report("\(name)_tokens_per_second", tokens / best)
            report("\(name)_step_seconds", best)
        }
        report("train_activation_mib", Double(policy.activationBytes) / 1_048_576)
        _ = step(independent(256, 200))
        report("train_peak_rss_mib", Double(peakResidentBytes()) / 1_048_576)

        if json {
            var object: [String: Any] = ["model": model, "blas_core": BLAS.coreName, "train_sequences": options.sequences,
                                         "train_tokens_per_sequence": options.promptTokens + options.completionTokens,
                                         "micro_batch": options.microBatch, "rank": options.rank]
            for (k, v) in figures { object[k] = v }
            JSONLinesWriter.write(object)
        }
    }
}
