import Foundation
import XCTest
@testable import LanguageModel
import TestSupport

/// A model directory that does not fit its configuration fails with an error naming the
/// file and what is wrong, never with a crash or a silently wrong model.
final class ModelLoadingErrorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.model("tiny-qwen2")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Rewrites one key of config.json.
    func setConfig(_ key: String, _ value: Any?) throws {
        let url = directory.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        config[key] = value
        try JSONSerialization.data(withJSONObject: config).write(to: url)
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testUnknownArchitectureNamesTheSupportedOnes() throws {
        try setConfig("model_type", "gpt_neox")
        let text = message { try ModelLoader.load(self.directory) }
        XCTAssertTrue(text.contains("gpt_neox") && text.contains("qwen2") && text.contains("llama"), text)
    }

    func testShapeMismatchNamesTensorAndFile() throws {
        try setConfig("intermediate_size", 96)
        let text = message { try ModelLoader.load(self.directory) }
        XCTAssertTrue(text.contains("mlp.gate_proj.weight") && text.contains("model.safetensors"), text)
    }

    func testMissingTensorIsNamed() throws {
        try setConfig("tie_word_embeddings", false)
        let text = message { try ModelLoader.load(self.directory) }
        XCTAssertTrue(text.contains("lm_head.weight"), text)
    }

    func testMissingConfigKeyIsNamed() throws {
        try setConfig("hidden_size", nil)
        let text = message { try ModelLoader.load(self.directory) }
        XCTAssertTrue(text.contains("hidden_size") && text.contains("config.json"), text)
    }

    func testMissingWeightsFileIsNamed() throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        let text = message { try ModelLoader.load(self.directory) }
        XCTAssertTrue(text.contains("model.safetensors"), text)
    }

    func testHeadCountsMustDivide() throws {
        try setConfig("num_key_value_heads", 3)
        let text = message { try ModelLoader.load(self.directory) }
        XCTAssertTrue(text.contains("num_key_value_heads"), text)
    }

    func testNestedAndFlatRopeThetaBothRead() throws {
        // tiny-qwen2 nests rope_theta under rope_parameters; tiny-llama has it at the top level.
        XCTAssertEqual(try ModelLoader.load(directory).config.ropeTheta, 1_000_000)
        XCTAssertEqual(try ModelLoader.load(Fixtures.model("tiny-llama")).config.ropeTheta, 10_000)
    }
}
