import Foundation
import GRPOCore
import LanguageModel
import Tensors
import Training

/// `grpo bench --suite threads`: decode and training throughput at 1, 2, … N threads
/// (N = `--threads`, by default the cores available), measured in interleaved rounds so
/// that machine noise falls on every count alike; medians and the speed-up over 1 thread.
///
/// Each count gets its own generator and policy (their workspaces are sized for their
/// threads) and `Compute.apply(threads:)` for the small-batch linear and OpenBLAS. The same
/// run reports whether completions and gradients came out bit-identical at every count.
struct ThreadScalingBench {
    let model: String
    let data: String?
    let groupSize: Int
    let maxTokens: Int
    let seed: UInt64
    let training: TrainingBenchOptions
    let json: Bool

    func run() throws {
        let maxThreads = Compute.threads
        defer { Compute.apply(threads: maxThreads) }
        let counts = Array(1...maxThreads)
        let runtime = try ModelRuntime(path: URL(fileURLWithPath: model))
        let decoder = runtime.decoder
        let prompt = try BenchPrompts.make(for: runtime, count: 1, dataPath: data)[0]
        let params = SamplingParameters(temperature: 1, maxTokens: maxTokens, seed: seed)

        let adapter = LoRAAdapter(config: LoRAConfig(rank: training.rank, alpha: Float(2 * training.rank)), modelConfig: decoder.config)
        adapter.initialize(seed: 0)
        // B ≠ 0, so every projection's gradient is non-trivial.
        for t in adapter.tensors where t.kind == .b {
            for i in 0..<t.count { adapter.parameters[t.offset + i] = Float((i * 7919 + t.offset) % 17) / 17 * 0.02 - 0.01 }
        }
        let vocab = min(150_000, decoder.config.vocabSize)
        func token(_ i: Int, _ j: Int) -> Int32 { Int32((1000 + 7919 * i + 104_729 * j) % vocab) }
        let shared: [Int32] = (0..<training.promptTokens).map { token(0, $0) }
        var members: [RolloutCompletion] = []
        for i in 0..<training.sequences {
            let ids: [Int32] = (0..<training.completionTokens).map { token(i, $0 + 1000) }
            members.append(RolloutCompletion(ids: ids, reward: Float(i % 3)))
        }
        let group = RolloutGroup(promptIDs: shared, completions: members)
        let trainTokens = Double(training.sequences * (training.promptTokens + training.completionTokens))

        var generators: [Int: GroupGenerator] = [:], updaters: [Int: GRPOUpdater] = [:]
        var completions: [Int: [[Int32]]] = [:], gradients: [Int: [Float]] = [:]
        var decodeRates: [Int: [Double]] = [:], trainRates: [Int: [Double]] = [:]
        for t in counts {
            Compute.apply(threads: t)
            generators[t] = GroupGenerator(decoder: decoder, stopTokens: [], threads: t)
            let policy = PolicyModel(base: decoder, adapter: adapter, threads: t)
            updaters[t] = GRPOUpdater(policy: policy, settings: GRPOSettings(), microBatchSize: training.microBatch)
        }
        func decode(_ t: Int) -> (rate: Double, ids: [[Int32]]) {
            let start = Date()
            let out = generators[t]!.generate(prompts: [prompt], groupSize: groupSize, parameters: params)
            let ids = out.joined().map(\.ids)
            return (Double(ids.reduce(0) { $0 + $1.count }) / Date().timeIntervalSince(start), ids)
        }
        func train(_ t: Int) -> (rate: Double, gradient: [Float]) {
            let updater = updaters[t]!
            let start = Date()
            let batch = TrainingBatch(groups: [group], settings: updater.settings, microBatchSize: training.microBatch)
            _ = updater.computeGradients(batch, baselines: updater.baselines(for: batch))
            return (trainTokens / Date().timeIntervalSince(start), updater.gradients.toArray())
        }
        for t in counts {   // warm-up: grows each workspace once, and records the outputs to compare
            Compute.apply(threads: t)
            completions[t] = decode(t).ids
            gradients[t] = train(t).gradient
        }
        for _ in 0..<max(1, training.repeats) {
            for t in counts {
                Compute.apply(threads: t)
                decodeRates[t, default: []].append(decode(t).rate)
                trainRates[t, default: []].append(train(t).rate)
            }
        }

        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        let base = (decode: median(decodeRates[1]!), train: median(trainRates[1]!))
        var rows: [[String: Any]] = []
        for t in counts {
            let d = median(decodeRates[t]!), tr = median(trainRates[t]!)
            rows.append(["threads": t, "decode_tokens_per_s": d, "train_tokens_per_s": tr,
                         "decode_speedup": d / base.decode, "train_speedup": tr / base.train,
                         "completions_identical_to_1_thread": completions[t]! == completions[1]!,
                         "gradients_identical_to_1_thread": gradients[t]! == gradients[1]!])
        }
        if json {
            JSONLinesWriter.write(["model": model, "blas_core": BLAS.coreName,
                                   "decode": "1x\(groupSize) × \(maxTokens) tokens",
                                   "train": "\(training.sequences) × (\(training.promptTokens) + \(training.completionTokens)) tokens, r\(training.rank)",
                                   "rounds": training.repeats, "rows": rows])
            return
        }
        var text = "threads: decode 1x\(groupSize) × \(maxTokens) tokens; train one group of \(training.sequences) × "
            + "(\(training.promptTokens) + \(training.completionTokens)) tokens, LoRA r\(training.rank); "
            + "medians of \(training.repeats) interleaved rounds; OpenBLAS \(BLAS.coreName)\n"
        text += "threads  decode tok/s  speed-up  train tok/s  speed-up  same completions  same gradients\n"
        for r in rows {
            text += String(format: "%7d  %12.1f  %7.2fx  %11.1f  %7.2fx  %16@  %14@\n",
                           r["threads"] as! Int, r["decode_tokens_per_s"] as! Double, r["decode_speedup"] as! Double,
                           r["train_tokens_per_s"] as! Double, r["train_speedup"] as! Double,
                           (r["completions_identical_to_1_thread"] as! Bool ? "yes" : "no") as NSString,
                           (r["gradients_identical_to_1_thread"] as! Bool ? "yes" : "no") as NSString)
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
