import Foundation
import GRPOCore
import LanguageModel
import Tensors
import TestSupport
import Training
import XCTest

/// `--threads 1` and `--threads 2` give the same completions and the same gradients, bit for
/// bit: every kernel splits its work across threads by rows, columns or heads, never inside
/// a sum, so the thread count changes who computes a number, not how it is computed.
/// Run on SmolLM2-135M, whose widths are large enough for every kernel to split.
final class ThreadCountInvarianceTests: XCTestCase {
    func testCompletionsAndGradientsDoNotDependOnTheThreadCount() throws {
        let file = Fixtures.downloadedModels.appendingPathComponent("smollm2-135m-instruct-q4_1.gguf")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: file.path), "needs \(file.lastPathComponent) (Scripts/fetch-model.sh all)")
        let decoder = try ModelLoader.load(file).decoder
        let before = Compute.threads
        defer { Compute.apply(threads: before) }

        let prompt: [Int32] = (0..<40).map { Int32(100 + 37 * $0) }
        let adapter = LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8), modelConfig: decoder.config)
        adapter.initialize(seed: 5)
        for t in adapter.tensors where t.kind == .b {
            for i in 0..<t.count { adapter.parameters[t.offset + i] = Float((i * 7919 + t.offset) % 17) / 17 * 0.02 - 0.01 }
        }
        func run(threads: Int) -> (ids: [[Int32]], logprobs: [[Float]], gradient: [Float]) {
            Compute.apply(threads: threads)
            let generator = GroupGenerator(decoder: decoder, stopTokens: [], threads: threads)
            let out = generator.generate(prompts: [prompt], groupSize: 4, parameters: SamplingParameters(maxTokens: 24, seed: 9))[0]
            var settings = GRPOSettings()
            settings.beta = 0.04
            let updater = GRPOUpdater(policy: PolicyModel(base: decoder, adapter: adapter, threads: threads), settings: settings,
                                      microBatchSize: 2)
            let group = RolloutGroup(promptIDs: prompt, completions: out.enumerated().map { i, c in
                RolloutCompletion(ids: c.ids, logprobs: c.logprobs, reward: Float(i % 3))
            })
            let batch = TrainingBatch(groups: [group], settings: settings, microBatchSize: 2)
            _ = updater.computeGradients(batch, baselines: updater.baselines(for: batch))
            return (out.map(\.ids), out.map(\.logprobs), updater.gradients.toArray())
        }
        let one = run(threads: 1), two = run(threads: 2)
        XCTAssertEqual(one.ids, two.ids, "completions")
        XCTAssertEqual(one.logprobs, two.logprobs, "sampling log-probs")
        XCTAssertTrue(one.gradient.contains { $0 != 0 })
        let differing = zip(one.gradient, two.gradient).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "\(differing) of \(one.gradient.count) gradient entries differ between 1 and 2 threads")
    }
}
