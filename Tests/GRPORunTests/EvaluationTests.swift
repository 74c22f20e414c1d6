import Foundation
import LanguageModel
import Rewards
import TestSupport
import Training
import XCTest
@testable import GRPORun

/// `grpo eval`'s logic: the pass@k estimator, the judge (which must agree with training's
/// correctness reward), the errors, and end-to-end runs on the fetched SmolLM2 model.
final class EvaluationTests: XCTestCase {
    // MARK: pass@k

    func testPassAtKMatchesHandComputedValues() {
        XCTAssertEqual(PassAtK.estimate(n: 4, c: 1, k: 1), 0.25, accuracy: 1e-12)
        XCTAssertEqual(PassAtK.estimate(n: 4, c: 1, k: 2), 0.5, accuracy: 1e-12)   // 1 − C(3,2)/C(4,2) = 1 − 3/6
        XCTAssertEqual(PassAtK.estimate(n: 4, c: 1, k: 4), 1, accuracy: 1e-12)
        XCTAssertEqual(PassAtK.estimate(n: 5, c: 0, k: 1), 0)
        XCTAssertEqual(PassAtK.estimate(n: 5, c: 0, k: 5), 0)
        XCTAssertEqual(PassAtK.estimate(n: 5, c: 5, k: 1), 1)
        XCTAssertEqual(PassAtK.estimate(n: 5, c: 5, k: 3), 1)
        XCTAssertEqual(PassAtK.estimate(n: 1, c: 1, k: 1), 1)
        XCTAssertEqual(PassAtK.estimate(n: 1, c: 0, k: 1), 0)
        XCTAssertEqual(PassAtK.estimate(n: 5, c: 2, k: 2), 0.7, accuracy: 1e-12)   // 1 − C(3,2)/C(5,2) = 1 − 3/10
        XCTAssertEqual(PassAtK.estimate(n: 10, c: 3, k: 5), 1 - 21.0 / 252, accuracy: 1e-12)   // 1 − C(7,5)/C(10,5)
        // pass@1 is the fraction correct.
        for n in 1...8 {
            for c in 0...n { XCTAssertEqual(PassAtK.estimate(n: n, c: c, k: 1), Double(c) / Double(n), accuracy: 1e-12) }
        }
        // Against the binomial definition for every small case.
        func choose(_ n: Int, _ k: Int) -> Double {
            k < 0 || k > n ? 0 : (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
        }
        for n in 1...12 {
            for c in 0...n {
                for k in 1...n {
                    XCTAssertEqual(PassAtK.estimate(n: n, c: c, k: k), 1 - choose(n - c, k) / choose(n, k), accuracy: 1e-9,
                                   "n=\(n) c=\(c) k=\(k)")
                }
            }
        }
    }

    // MARK: Judging

    static let judgingCases: [(completion: String, answer: String)] = [
        ("<think>\n16 - 3 - 4 = 9, 9 * 2 = 18\n</think>\n<answer>\n18\n</answer>\n", "18"),
        ("<think>\n...\n</think>\n<answer>\n$18\n</answer>", "18"),
        ("<think>\n...\n</think>\n<answer>18.0</answer>", "18"),
        ("<answer>\n1,000\n</answer>", "1000"),
        ("<answer>1,080</answer>", "1080"),
        ("<answer>\n17\n</answer>", "18"),
        ("18", "18"),                                           // no tags: the whole text is the answer
        ("The answer is 18.", "18"),
        ("<think>\n小明有12个苹果，吃了3个。\n</think>\n<answer>\n9\n</answer>\n", "9"),
        ("<think>\n计算：5×4=20\n</think>\n<answer>\n20元\n</answer>\n", "20"),
        ("<think>\n计算\n</think>\n<answer>\n答案是20\n</answer>\n", "20"),
        ("<answer>\n3个\n</answer>", "3"),
        ("<answer>\n一百\n</answer>", "100"),
        ("<answer>first</answer> then <answer>\n42\n</answer>", "42"),   // the last <answer> counts
        ("<answer>\n42", "42"),                                 // unclosed: to the end
        ("<answer>\n0.5\n</answer>", "0.5"),
        ("<answer>\n.5\n</answer>", "0.5"),
        ("<answer>\n-7\n</answer>", "-7"),
        ("<answer>\nyes\n</answer>", "yes"),
        ("", "18"),
    ]

    func testJudgeAgreesWithTheCorrectnessReward() {
        for compat in RewardCompatibility.allCases {
            let judge = EvaluationJudge(compatibility: compat)
            let reward = CorrectnessReward(compatibility: compat)
            for (completion, answer) in Self.judgingCases {
                XCTAssertEqual(judge.isCorrect(completion: completion, answer: answer),
                               reward.reward(completion: completion, answer: answer) > 0,
                               "\(compat): \(completion.debugDescription) vs \(answer)")
                XCTAssertEqual(judge.extractedAnswer(completion), AnswerExtraction.answer(in: completion))
            }
        }
    }

    func testJudgeVerdictsOnKnownCases() {
        let fixed = EvaluationJudge(compatibility: .fixed), seed = EvaluationJudge(compatibility: .seed)
        let tagged = "<think>\n16 - 3 - 4 = 9\n</think>\n<answer>\n18\n</answer>\n"
        XCTAssertTrue(fixed.isCorrect(completion: tagged, answer: "18"))
        XCTAssertTrue(seed.isCorrect(completion: tagged, answer: "18"))
        XCTAssertEqual(fixed.extractedAnswer(tagged), "18")
        // Thousands separators and units count only under the fixed rules.
        XCTAssertTrue(fixed.isCorrect(completion: "<answer>\n1,000\n</answer>", answer: "1000"))
        XCTAssertFalse(seed.isCorrect(completion: "<answer>\n1,000\n</answer>", answer: "1000"))
        XCTAssertTrue(fixed.isCorrect(completion: "<answer>\n20元\n</answer>", answer: "20"))
        XCTAssertFalse(seed.isCorrect(completion: "<answer>\n20元\n</answer>", answer: "20"))
        XCTAssertTrue(fixed.isCorrect(completion: "<answer>18.0</answer>", answer: "18"))
        XCTAssertFalse(seed.isCorrect(completion: "<answer>18.0</answer>", answer: "18"))
        // Wrong numbers and untagged prose are wrong in both.
        for judge in [fixed, seed] {
            XCTAssertFalse(judge.isCorrect(completion: "<answer>\n17\n</answer>", answer: "18"))
            XCTAssertFalse(judge.isCorrect(completion: "The answer is 18.", answer: "18"))
            XCTAssertTrue(judge.isCorrect(completion: "18", answer: "18"))
        }
    }

    func testFormatCheck() {
        XCTAssertTrue(EvaluationJudge.hasThinkAndAnswer("<think>\nx\n</think>\n<answer>\n1\n</answer>\n"))
        XCTAssertTrue(EvaluationJudge.hasThinkAndAnswer("Sure! <think>x</think> so <answer>1</answer> done"))
        XCTAssertFalse(EvaluationJudge.hasThinkAndAnswer("<answer>\n1\n</answer>"))
        XCTAssertFalse(EvaluationJudge.hasThinkAndAnswer("<think>\nx\n</think>\n<answer>\n1"))
        XCTAssertFalse(EvaluationJudge.hasThinkAndAnswer("<answer>1</answer><think>x</think>"))
        XCTAssertFalse(EvaluationJudge.hasThinkAndAnswer(""))
    }

    // MARK: Errors

    func testSettingsErrorsComeBeforeLoadingTheModel() {
        let data = Self.gsm8kTest.path
        func error(_ change: (inout EvaluationSettings) -> Void) -> String? {
            var settings = EvaluationSettings(model: "/nonexistent/model.gguf", dataFile: data)
            change(&settings)
            do { _ = try Evaluation(settings: settings); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(error { $0.dataFile = "/nonexistent/test.jsonl" }, "data file /nonexistent/test.jsonl does not exist")
        XCTAssertEqual(error { $0.limit = 0 }, "--limit must be at least 1 (got 0)")
        XCTAssertEqual(error { $0.samples = 0 }, "--samples must be at least 1 (got 0)")
        XCTAssertEqual(error { $0.batch = 0 }, "--batch must be at least 1 (got 0)")
        XCTAssertEqual(error { $0.maxTokens = 0 }, "--max-tokens must be at least 1 (got 0)")
        XCTAssertEqual(error { $0.userTemplate = "no placeholder" }, "--user-template must contain {question}")
        XCTAssertNotNil(error { $0.samples = 4; $0.temperature = 0 }?.range(of: "needs --temperature > 0"))
        XCTAssertNotNil(error { $0.temperature = -1 })
    }

    func testSamplingDefaults() {
        var settings = EvaluationSettings(model: "m", dataFile: "d")
        XCTAssertEqual(settings.effectiveTemperature, 0, "one sample: greedy")
        XCTAssertEqual(settings.systemPrompt, PromptSection().systemPrompt, "training's system prompt")
        XCTAssertEqual(settings.compat, RewardConfiguration().compat)
        settings.samples = 4
        XCTAssertEqual(settings.effectiveTemperature, 0.7)
        settings.temperature = 1.1
        XCTAssertEqual(settings.effectiveTemperature, 1.1)
    }

    // MARK: End to end (needs Scripts/fetch-model.sh's SmolLM2)

    static let gsm8kTest = Fixtures.packageRoot.appendingPathComponent("../shared/data/gsm8k/test.jsonl").standardized

    private func smolLM() throws -> URL {
        let path = Fixtures.downloadedModels.appendingPathComponent("smollm2-135m-instruct-q4_1.gguf")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path.path), "Scripts/fetch-model.sh not run")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.gsm8kTest.path), "no \(Self.gsm8kTest.path)")
        return path
    }

    private func settings(_ model: URL, limit: Int, maxTokens: Int) -> EvaluationSettings {
        var settings = EvaluationSettings(model: model.path, dataFile: Self.gsm8kTest.path)
        settings.preset = .gsm8k
        settings.limit = limit
        settings.maxTokens = maxTokens
        settings.batch = 2
        return settings
    }

    func testGreedyRunOnThreeItems() throws {
        let model = try smolLM()
        let evaluation = try Evaluation(settings: settings(model, limit: 3, maxTokens: 16))
        var progress: [String] = []
        evaluation.log = { progress.append($0) }
        var lines: [String] = []
        var items: [EvaluatedItem] = []
        let summary = try evaluation.run { item in
            items.append(item)
            lines.append(Evaluation.jsonLine(item.jsonObject))
        }
        lines.append(Evaluation.jsonLine(summary.jsonObject))

        XCTAssertEqual(lines.count, 4, "3 per-item records and a summary")
        let records = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        for (i, record) in records.prefix(3).enumerated() {
            XCTAssertEqual(record["index"] as? Int, i)
            XCTAssertNil(record["summary"])
            XCTAssertEqual(record["answer"] as? String, ["18", "3", "70000"][i])
            XCTAssertFalse((record["question"] as? String ?? "").isEmpty)
            XCTAssertEqual((record["outputs"] as? [String])?.count, 1)
            XCTAssertEqual((record["extracted"] as? [String])?.count, 1)
            XCTAssertEqual((record["correct"] as? [Bool])?.count, 1)
            let tokens = try XCTUnwrap(record["tokens"] as? [Int])
            XCTAssertEqual(tokens.count, 1)
            XCTAssertTrue((1...16).contains(tokens[0]))
        }
        for item in items {
            XCTAssertEqual(item.correct, item.outputs.map { CorrectnessReward(compatibility: .fixed).reward(completion: $0, answer: item.answer) > 0 })
            XCTAssertEqual(item.extracted, item.outputs.map(AnswerExtraction.answer(in:)))
        }
        let last = records[3]
        XCTAssertEqual(last["summary"] as? Bool, true)
        XCTAssertEqual(last["items"] as? Int, 3)
        XCTAssertEqual(last["model"] as? String, model.path)
        XCTAssertTrue(last["adapter"] is NSNull)
        XCTAssertNotNil(last["accuracy"] as? Double)
        XCTAssertNotNil(last["items_per_second"] as? Double)
        XCTAssertNil(last["pass@1"], "greedy runs report accuracy")
        XCTAssertEqual(summary.items, 3)
        XCTAssertEqual(summary.accuracy, Double(items.reduce(0) { $0 + $1.correctCount }) / 3, accuracy: 1e-12)
        XCTAssertEqual(summary.meanCompletionTokens, Double(items.reduce(0) { $0 + $1.tokens[0] }) / 3, accuracy: 1e-12)
        XCTAssertEqual(summary.maxTokensRate, Double(items.filter { $0.finishReasons[0] == "length" }.count) / 3, accuracy: 1e-12)
        XCTAssertEqual(progress.filter { $0.hasPrefix("eval 2/3") }.count, 1, "progress after each batch of 2")
        XCTAssertEqual(progress.filter { $0.hasPrefix("eval 3/3") }.count, 1)

        // The prompt is training's: RolloutProducer.prepare with the default prompt section.
        let producer = try RolloutProducer(runtime: evaluation.runtime, configuration: RunConfiguration(model: model.path))
        XCTAssertEqual(try evaluation.prompt(1).ids, try producer.prepare(evaluation.problems[1], index: 1).ids)
    }

    func testSampledRunReportsPassAtK() throws {
        let model = try smolLM()
        var s = settings(model, limit: 2, maxTokens: 8)
        s.samples = 3
        let evaluation = try Evaluation(settings: s)
        evaluation.log = { _ in }
        var items: [EvaluatedItem] = []
        let summary = try evaluation.run { items.append($0) }
        XCTAssertEqual(items.count, 2)
        XCTAssertTrue(items.allSatisfy { $0.outputs.count == 3 && $0.correct.count == 3 && $0.tokens.count == 3 })
        XCTAssertEqual(summary.temperature, 0.7)
        let expected1 = items.map { PassAtK.estimate(n: 3, c: $0.correctCount, k: 1) }.reduce(0, +) / 2
        let expected3 = items.map { PassAtK.estimate(n: 3, c: $0.correctCount, k: 3) }.reduce(0, +) / 2
        XCTAssertEqual(summary.passAt1, expected1, accuracy: 1e-12)
        XCTAssertEqual(summary.passAtK, expected3, accuracy: 1e-12)
        XCTAssertEqual(summary.jsonObject["pass@3"] as? Double, expected3)
        XCTAssertNotNil(summary.jsonObject["pass@1"])
    }

    func testAdapterIsMergedForSampling() throws {
        let model = try smolLM()
        func outputs(adapter: URL?) throws -> [String] {
            var s = settings(model, limit: 2, maxTokens: 8)
            s.adapter = adapter?.path
            let evaluation = try Evaluation(settings: s)
            evaluation.log = { _ in }
            var texts: [String] = []
            try evaluation.run { texts += $0.outputs }
            return texts
        }
        let base = try outputs(adapter: nil)
        let modelConfig = try ModelRuntime(path: model).config
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        // B = 0: the adapted model is the base model.
        let adapter = LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8), modelConfig: modelConfig)
        adapter.initialize(seed: 1)
        try PEFTAdapterFiles.save(adapter, to: directory.appendingPathComponent("zero"))
        XCTAssertEqual(try outputs(adapter: directory.appendingPathComponent("zero")), base)

        // A large B: different weights, different greedy completions.
        for t in adapter.tensors where t.kind == .b {
            for i in 0..<t.count { adapter.parameters.pointer[t.offset + i] = i % 2 == 0 ? 0.5 : -0.5 }
        }
        try PEFTAdapterFiles.save(adapter, to: directory.appendingPathComponent("big"))
        XCTAssertNotEqual(try outputs(adapter: directory.appendingPathComponent("big")), base)
    }

    func testAdapterOfAnotherModelIsRefused() throws {
        let model = try smolLM()
        let adapter = try Fixtures.usable(Fixtures.training.appendingPathComponent("trained/adapter"))   // tiny-llama's
        var s = settings(model, limit: 1, maxTokens: 1)
        s.adapter = adapter.path
        XCTAssertThrowsError(try Evaluation(settings: s)) { error in
            guard case EvaluationError.adapter(let path, _, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, adapter.path)
            XCTAssertTrue(reason.contains("shape") || reason.contains("tensor"), reason)
            XCTAssertTrue("\(error)".hasPrefix("cannot use adapter \(adapter.path) with model \(model.path): "), "\(error)")
        }
    }
}
