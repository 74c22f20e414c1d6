import Foundation
import XCTest
import LanguageModel
import TestSupport

/// The fetched GGUF models (Scripts/fetch-model.sh) against transformers' float32 forward on
/// the same dequantized weights: per-token logprobs of chat-formatted GSM8K sequences.
/// Skipped when the model files are absent.
final class RealModelParityTests: XCTestCase {
    func check(_ fixture: String, tolerance: Float) throws {
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf:
            Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/real/\(fixture).json"))) as! [String: Any]
        let file = Fixtures.downloadedModels.appendingPathComponent(reference["file"] as! String)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw XCTSkip("\(file.path) not fetched (Scripts/fetch-model.sh all)")
        }
        let model = try ModelLoader.load(file)
        let sequences = reference["sequences"] as! [[String: Any]]
        let scored = SequenceScorer(decoder: model.decoder).score(sequences.map { ($0["ids"] as! [Any]).int32s })
        var worst: Float = 0
        for (ref, got) in zip(sequences, scored) {
            let expected = (ref["logprobs"] as! [Any]).floats
            XCTAssertEqual(got.count, expected.count)
            worst = max(worst, zip(got, expected).map { abs($0 - $1) }.max()!)
        }
        XCTAssertLessThan(worst, tolerance, "\(fixture): max |Δ logprob| \(worst)")
        print("\(fixture): max |Δ logprob| vs transformers = \(worst)")
    }

    func testQwen25Coder05BLogprobs() throws {
        try check("qwen2.5-coder-0.5b-instruct-q4_k_m", tolerance: 2e-3)
    }

    func testSmolLM2LogprobsWithLlamaPermutation() throws {
        try check("smollm2-135m-instruct-q4_1", tolerance: 2e-3)
    }
}
