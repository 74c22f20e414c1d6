import Foundation
import LanguageModel
import Tensors
import TestSupport
import XCTest
@testable import Training

/// PEFT adapters load here and give PEFT's log-probabilities; adapters written here read back
/// identically.
final class AdapterFileTests: XCTestCase {
    func testQwen2PEFTAdapterGivesPEFTLogProbs() throws { try checkLogProbs("tiny-qwen2") }
    func testLlamaPEFTAdapterGivesPEFTLogProbs() throws { try checkLogProbs("tiny-llama") }

    /// Both the unmerged training forward and inference on merged weights agree with PEFT,
    /// with the adapter and with it disabled.
    private func checkLogProbs(_ model: String) throws {
        let fixture = try TrainingFixture(model)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.file("adapter-logprobs.json"))) as! [String: Any]
        let expectedAdapter = (json["adapter"] as! [[Any]]).map(\.floats)
        let expectedBase = (json["base"] as! [[Any]]).map(\.floats)
        let adapter = try fixture.adapter()
        let policy = PolicyModel(base: fixture.decoder, adapter: adapter)
        let groups = fixture.groups.map { ($0.promptIDs, $0.completions.map(\.ids)) }
        let packed = PackedSequences(groups: groups)
        let withAdapter = policy.logProbs(packed, useAdapter: true)
        let without = policy.logProbs(packed, useAdapter: false)
        let merged = SequenceScorer(decoder: DecoderModel(config: fixture.decoder.config,
                                                          weights: adapter.merged(into: fixture.decoder.weights)))
        let sequences = fixture.groups.flatMap { g in g.completions.map { g.promptIDs + $0.ids } }
        let mergedScores = merged.score(sequences)
        var k = 0
        var worst: Float = 0
        for g in fixture.groups {
            for c in g.completions {
                let range = packed.completionTargets[k]
                for t in 0..<c.ids.count {
                    let e = expectedAdapter[k][t]
                    worst = max(worst, abs(withAdapter[range.lowerBound + t] - e))
                    XCTAssertEqual(withAdapter[range.lowerBound + t], e, accuracy: 1e-4, "\(model) completion \(k) token \(t)")
                    XCTAssertEqual(without[range.lowerBound + t], expectedBase[k][t], accuracy: 1e-4, "\(model) base \(k) \(t)")
                    XCTAssertEqual(mergedScores[k][g.promptIDs.count - 1 + t], e, accuracy: 1e-4, "\(model) merged \(k) \(t)")
                }
                k += 1
            }
        }
        print("\(model): max |Δlogp| with adapter \(worst)")
    }

    func testSavedAdapterReadsBackIdentically() throws {
        let fixture = try TrainingFixture("tiny-llama")
        let adapter = try fixture.adapter()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-adapter-\(UUID().uuidString)")
        try PEFTAdapterFiles.save(adapter, to: directory, baseModel: "tiny-llama")
        let again = try PEFTAdapterFiles.load(from: directory, modelConfig: fixture.decoder.config)
        XCTAssertEqual(again.config, adapter.config)
        XCTAssertEqual(again.parameters.toArray(), adapter.parameters.toArray())
    }

    func testBadAdapterConfigsAreNamedErrors() throws {
        let fixture = try TrainingFixture("tiny-qwen2")
        let original = try Data(contentsOf: fixture.adapterDirectory.appendingPathComponent("adapter_config.json"))
        let base = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("use_dora", { $0["use_dora"] = true }),
            ("regular expression", { $0["target_modules"] = ".*proj" }),
            ("\"lm_head\"", { $0["target_modules"] = ["q_proj", "lm_head"] }),
            ("\"r\"", { $0["r"] = 0 }),
            ("has shape", { $0["r"] = 8 }),
            ("unexpected tensor", { $0["target_modules"] = ["q_proj", "v_proj"] }),
        ]
        for (expected, mutate) in cases {
            var json = base
            mutate(&json)
            let dir = try Fixtures.usable(Fixtures.training.appendingPathComponent("tiny-qwen2/adapter"))
            try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("adapter_config.json"))
            XCTAssertThrowsError(try PEFTAdapterFiles.load(from: dir, modelConfig: fixture.decoder.config)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
                XCTAssertTrue("\(error)".contains(dir.lastPathComponent), "\(error) should name the file")
            }
        }
    }
}

/// An adapter trained by `grpo train` (Scripts/make-trained-adapter-fixture.sh), loaded by
/// PEFT in Python, gives the log-probabilities computed here.
final class TrainedAdapterTests: XCTestCase {
    func testPEFTLoadsTrainedAdapterAndAgrees() throws {
        let root = Fixtures.training.appendingPathComponent("trained")
        let fixture = try TrainingFixture("tiny-llama")
        let adapter = try PEFTAdapterFiles.load(from: try Fixtures.usable(root.appendingPathComponent("adapter")),
                                                modelConfig: fixture.decoder.config)
        // Training moved B away from PEFT's zero initialisation.
        XCTAssertGreaterThan(adapter.parameters.toArray().map(abs).max()!, 0.01)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("peft-logprobs.json"))) as! [String: Any]
        let expected = (json["adapter"] as! [[Any]]).map(\.floats)
        let base = (json["base"] as! [[Any]]).map(\.floats)
        let packed = PackedSequences(groups: fixture.groups.map { ($0.promptIDs, $0.completions.map(\.ids)) })
        let got = PolicyModel(base: fixture.decoder, adapter: adapter).logProbs(packed, useAdapter: true)
        var worst: Float = 0, moved: Float = 0
        for (k, range) in packed.completionTargets.enumerated() {
            for (t, i) in range.enumerated() {
                worst = max(worst, abs(got[i] - expected[k][t]))
                moved = max(moved, abs(expected[k][t] - base[k][t]))
            }
        }
        XCTAssertLessThan(worst, 1e-4)
        XCTAssertGreaterThan(moved, 0.05, "the trained adapter should change the model")
        print("trained adapter vs PEFT: max |Δlogp| \(worst) (adapter moves logp by up to \(moved))")
    }
}
