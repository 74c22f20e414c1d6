import Foundation
import XCTest
@testable import GRPORun
import Training

/// Run configurations load strictly: defaults for what is left out, and a clear error naming
/// the file and key for anything misspelt or mistyped.
final class ConfigurationLoaderTests: XCTestCase {
    func load(_ yaml: String, overrides: [String] = []) throws -> RunConfiguration {
        try ConfigurationLoader.decode(RunConfiguration.self, yaml: yaml, path: "test.yaml",
                                       defaults: RunConfiguration(model: ""), overrides: overrides)
    }

    func testDefaultsFillWhatIsLeftOut() throws {
        let c = try load("model: m.gguf\ngrpo: {beta: 0.0}\n")
        XCTAssertEqual(c.model, "m.gguf")
        XCTAssertEqual(c.grpo.beta, 0)
        XCTAssertEqual(c.grpo.epsilonLow, 0.2)
        XCTAssertEqual(c.grpo.epsilonHigh, 0.2)
        XCTAssertEqual(c.learner.fsync, .always)
        XCTAssertNil(c.compute.threads)
        XCTAssertEqual(c.optimizer.adamBeta2, 0.99)
        XCTAssertEqual(c.generation.groupSize, 16)
        XCTAssertEqual(c.lora.targets, LoRAConfig.allLinear)
        XCTAssertNil(c.training.maxSteps)
        XCTAssertNoThrow(try c.validate())
    }

    func testExponentNumbersWithoutADotAreNumbers() throws {
        // YAML 1.1 reads 5e-6 as a string; the loader takes it as the number the user meant.
        let c = try load("model: m\noptimizer: {learning_rate: 5e-6}\n")
        XCTAssertEqual(c.optimizer.learningRate, 5e-6)
    }

    func testUnknownKeysAreErrorsNamingTheKey() {
        for (yaml, key) in [("model: m\ngrpo: {betta: 0.1}\n", "grpo.betta"),
                            ("model: m\ntrainig: {max_steps: 3}\n", "trainig"),
                            ("model: m\nrewards: {rewards: [{name: mark, wieght: 2}]}\n", "rewards.rewards[0].wieght"),
                            ("model: m\ndata: {generator: {cout: 5}}\n", "data.generator.cout")] {
            XCTAssertThrowsError(try load(yaml)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("test.yaml") && text.contains("unknown key '\(key)'"), text)
            }
        }
    }

    func testWrongTypesAndValuesAreErrorsNamingTheKey() {
        XCTAssertThrowsError(try load("model: m\ngrpo: {loss_type: ppo}\n")) { XCTAssertTrue("\($0)".contains("grpo.loss_type"), "\($0)") }
        XCTAssertThrowsError(try load("model: m\ngeneration: {group_size: many}\n")) { XCTAssertTrue("\($0)".contains("generation.group_size"), "\($0)") }
        XCTAssertThrowsError(try load("model: m\nlora: {target_modules: [q_proj, lm_head]}\n")) { XCTAssertTrue("\($0)".contains("lora.target_modules"), "\($0)") }
        XCTAssertThrowsError(try load("model: m\ngeneration: {group_size: 1}\n").validate()) { XCTAssertTrue("\($0)".contains("generation.group_size"), "\($0)") }
        XCTAssertThrowsError(try load("model: m\noptimizer: {warmup_ratio: 2}\n").validate()) { XCTAssertTrue("\($0)".contains("warmup_ratio"), "\($0)") }
        XCTAssertThrowsError(try load("model: m\nrewards: {rewards: [{name: nope}]}\n").validate()) { XCTAssertTrue("\($0)".contains("nope"), "\($0)") }
        XCTAssertThrowsError(try load("- a\n- b\n")) { XCTAssertTrue("\($0)".contains("mapping"), "\($0)") }
    }

    /// Closed sets of values are enums: a typo is an error naming the key, never a silent
    /// fallback to a default.
    func testMisspeltEnumValuesFailNamingTheKey() {
        for (yaml, key) in [("learner: {weights_dtype: bfloat61}", "learner.weights_dtype"),
                            ("learner: {weights_encoding: delt}", "learner.weights_encoding"),
                            ("learner: {fsync: \"every:x\"}", "learner.fsync"),
                            ("learner: {fsync: \"every:0\"}", "learner.fsync"),
                            ("learner: {fsync: sometimes}", "learner.fsync"),
                            ("learner: {stale_policy: fix}", "learner.stale_policy"),
                            ("grpo: {loss_type: grpoo}", "grpo.loss_type"),
                            ("grpo: {scale_rewards: all}", "grpo.scale_rewards"),
                            ("grpo: {importance_sampling: clip}", "grpo.importance_sampling"),
                            ("optimizer: {lr_scheduler_type: cosin}", "optimizer.lr_scheduler_type")] {
            XCTAssertThrowsError(try load("model: m\n" + yaml + "\n")) { error in
                XCTAssertTrue("\(error)".contains(key), "\(yaml): \(error)")
            }
        }
    }

    func testTypedValuesRoundTrip() throws {
        let c = try load("""
            model: m
            learner: {fsync: "every:16", weights_dtype: bfloat16, weights_encoding: delta, stale_policy: correct}
            grpo: {importance_sampling: truncate, epsilon: 0.2, epsilon_high: 0.28}
            compute: {threads: 3}
            """)
        XCTAssertEqual(c.learner.fsync, .everyRecords(16))
        XCTAssertEqual(c.learner.weightsDType, .bfloat16)
        XCTAssertEqual(c.learner.weightsEncoding, .delta)
        XCTAssertEqual(c.learner.stalePolicy, .correct)
        XCTAssertEqual(c.grpo.epsilonHigh, 0.28)
        XCTAssertEqual(c.compute.threads, 3)
        XCTAssertNoThrow(try c.validate())
        // epsilon_high follows epsilon unless set.
        XCTAssertEqual(try load("model: m\ngrpo: {epsilon: 0.3}\n").grpo.epsilonHigh, 0.3)
        // The generation limit reaches the objective.
        XCTAssertEqual(try load("model: m\ngeneration: {max_completion_length: 77}\n").objective.maxCompletionLength, 77)
    }

    /// `stale_policy: correct` trains stale groups with importance weights, so it needs a
    /// correction configured.
    func testStaleCorrectionNeedsAnImportanceCorrection() throws {
        let c = try load("model: m\nlearner: {stale_policy: correct}\n")
        XCTAssertThrowsError(try c.validate()) { error in
            XCTAssertTrue("\(error)".contains("learner.stale_policy") && "\(error)".contains("importance_sampling"), "\(error)")
        }
    }

    func testRangeErrorsNameTheFullKeyPath() throws {
        for (yaml, key) in [("lora: {rank: 0}", "lora.rank"), ("grpo: {beta: -1}", "grpo.beta"),
                            ("compute: {threads: 0}", "compute.threads"), ("learner: {max_staleness: -1}", "learner.max_staleness"),
                            ("worker: {prompts_per_request: 0}", "worker.prompts_per_request"),
                            ("training: {micro_batch_size: 0}", "training.micro_batch_size")] {
            XCTAssertThrowsError(try load("model: m\n" + yaml + "\n").validate()) { error in
                XCTAssertTrue("\(error)".contains("'\(key)'"), "\(yaml): \(error)")
            }
        }
    }

    func testOverridesApplyBeforeDecoding() throws {
        let c = try load("model: m\ntraining: {max_steps: 100}\n", overrides: ["training.max_steps=3", "grpo.loss_type=dapo", "lora.rank=8"])
        XCTAssertEqual(c.training.maxSteps, 3)
        XCTAssertEqual(c.grpo.lossType, .dapo)
        XCTAssertEqual(c.lora.rank, 8)
        XCTAssertThrowsError(try load("model: m\n", overrides: ["grpo.bogus=1"])) { XCTAssertTrue("\($0)".contains("grpo.bogus"), "\($0)") }
    }

    func testCommittedConfigsLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let configs = root.appendingPathComponent("Configs")
        let files = try FileManager.default.contentsOfDirectory(atPath: configs.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let c = try ConfigurationLoader.load(RunConfiguration.self, path: configs.appendingPathComponent(file).path,
                                                 defaults: RunConfiguration(model: ""))
            XCTAssertNoThrow(try c.validate(), file)
        }
    }
}

final class DataOrderTests: XCTestCase {
    /// Each epoch is a permutation; epochs differ; a resumed order continues identically.
    func testEpochsArePermutationsAndResumeExactly() {
        var order = DataOrder(count: 10, seed: 7)
        let first = order.next(10), second = order.next(10)
        XCTAssertEqual(Set(first), Set(0..<10))
        XCTAssertEqual(Set(second), Set(0..<10))
        XCTAssertNotEqual(first, second)
        var a = DataOrder(count: 10, seed: 7)
        _ = a.next(13)
        var b = DataOrder(count: 10, seed: 7, epoch: a.epoch, offset: a.offset)
        XCTAssertEqual(a.next(15), b.next(15))
    }
}

final class EmbeddedQuickstartTests: XCTestCase {
    /// `learner` and `rollout-worker` without --config run Configs/quickstart.yaml as embedded.
    func testEmbeddedQuickstartIsTheCommittedFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Configs/quickstart.yaml"), encoding: .utf8)
        XCTAssertEqual(RunConfiguration.quickstartYAML, file, "regenerate Sources/GRPORun/EmbeddedQuickstart.swift from Configs/quickstart.yaml")
        XCTAssertNoThrow(try RunConfiguration.quickstart().validate())
    }
}
