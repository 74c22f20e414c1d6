import Foundation
import XCTest

/// The `grpo` executable end to end: its JSONL contracts on the committed fixtures.
final class CommandLineTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(_ arguments: [String], input: String) throws -> (Int32, String, String) {
        try GRPOProcess.run(arguments, input: input)
    }

    func lines(_ text: String) -> [[String: Any]] { GRPOProcess.lines(text) }

    func testScoreMatchesTransformers() throws {
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf:
            Self.packageRoot.appendingPathComponent("Tests/Fixtures/models/reference.json"))) as! [String: Any]
        let sequences = (reference["tiny-llama"] as! [String: Any])["sequences"] as! [[String: Any]]
        let input = sequences.map { "{\"ids\": \(($0["ids"] as! [Int]))}" }.joined(separator: "\n") + "\n"
        let (status, out, err) = try run(["score", "--model", "Tests/Fixtures/models/tiny-llama"].absolute(Self.packageRoot), input: input)
        XCTAssertEqual(status, 0, err)
        let got = lines(out)
        XCTAssertEqual(got.count, sequences.count)
        for (g, ref) in zip(got, sequences) {
            let a = (g["logprobs"] as! [NSNumber]).map(\.doubleValue)
            let b = (ref["logprobs"] as! [NSNumber]).map(\.doubleValue)
            XCTAssertEqual(a.count, b.count)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-4) }
        }
    }

    func testTokenizeMatchesHuggingFace() throws {
        let fixture = try String(contentsOf: Self.packageRoot.appendingPathComponent("Tests/Fixtures/tokenizer/encoding.jsonl"), encoding: .utf8)
        let rows = lines(fixture).prefix(40)
        let input = rows.map { row -> String in
            let data = try! JSONSerialization.data(withJSONObject: ["text": row["text"]!])
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: "\n") + "\n"
        let tokenizer = Self.packageRoot.appendingPathComponent("../shared/tokenizers/qwen2.5/tokenizer.json").standardized.path
        let (status, out, err) = try run(["tokenize", "--tokenizer", tokenizer], input: input)
        XCTAssertEqual(status, 0, err)
        let got = lines(out)
        XCTAssertEqual(got.count, rows.count)
        for (g, row) in zip(got, rows) {
            XCTAssertEqual(g["ids"] as! [Int], row["qwen"] as! [Int], "\(row["text"]!)")
        }
    }

    func testMalformedInputNamesTheLine() throws {
        let (status, _, err) = try run(["score", "--model", "Tests/Fixtures/models/tiny-llama"].absolute(Self.packageRoot),
                                       input: "{\"ids\": [1, 2, 3]}\n{\"ids\": [1, 999999]}\n")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(err.contains("line 2"), err)
    }

    func testMissingModelIsAClearError() throws {
        let (status, _, err) = try run(["score", "--model", "/nonexistent/model.gguf"], input: "")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(err.contains("/nonexistent/model.gguf"), err)
    }
}

extension Array where Element == String {
    /// Makes the value after "--model" absolute against `root`.
    func absolute(_ root: URL) -> [String] {
        var out = self
        if let i = out.firstIndex(of: "--model"), i + 1 < out.count, !out[i + 1].hasPrefix("/") {
            out[i + 1] = root.appendingPathComponent(out[i + 1]).path
        }
        return out
    }
}
