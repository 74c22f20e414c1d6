import Foundation
import ModelFiles
import TestSupport
import XCTest

/// `grpo grad` end to end: a batch file in, PyTorch's loss and gradients out.
final class GradCommandTests: XCTestCase {
    func testGradMatchesPyTorchFixture() throws {
        let root = Fixtures.training.appendingPathComponent("tiny-llama")
        let cases = (try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("cases.json"))) as! [String: Any])["cases"] as! [[String: Any]]
        let c = cases.first { $0["name"] as! String == "dapo_truncated" }!
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("grads-\(UUID().uuidString).safetensors")
        let (status, stdout, stderr) = try GRPOProcess.run([
            "grad", "--model", try Fixtures.model("tiny-llama").path,
            "--adapter", try Fixtures.usable(root.appendingPathComponent("adapter")).path,
            "--batch", root.appendingPathComponent("batch.jsonl").path, "--out", out.path,
            "--loss-type", "dapo", "--beta", "0.04", "--epsilon", "0.2", "--epsilon-high", "0.28",
            "--max-completion-length", "6", "--micro-batch", "2",
        ], input: "")
        XCTAssertEqual(status, 0, stderr)
        let line = GRPOProcess.lines(stdout)
        XCTAssertEqual(line.count, 1)
        XCTAssertEqual((line[0]["loss"] as! NSNumber).doubleValue, (c["loss"] as! NSNumber).doubleValue, accuracy: 1e-5)
        XCTAssertEqual((line[0]["grad_norm"] as! NSNumber).doubleValue, (c["grad_norm"] as! NSNumber).doubleValue, accuracy: 1e-4)
        let got = try SafetensorsFile(url: out)
        let expected = try SafetensorsFile(url: root.appendingPathComponent("grads-dapo_truncated.safetensors"))
        XCTAssertEqual(Set(got.tensorNames), Set(expected.tensorNames))
        for name in expected.tensorNames {
            let count = try expected.info(name).elementCount
            var a = [Float](repeating: 0, count: count), b = a
            try a.withUnsafeMutableBufferPointer { try got.read(name, into: $0) }
            try b.withUnsafeMutableBufferPointer { try expected.read(name, into: $0) }
            let diff = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            let norm = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertLessThan(diff / norm, 1e-4, name)
        }
    }

    func testBadBatchLineIsNamed() throws {
        let root = Fixtures.training.appendingPathComponent("tiny-qwen2")
        let batch = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString).jsonl")
        try "{\"prompt_ids\": [1, 2], \"completions\": [{\"ids\": [3], \"reward\": 1}]}\n{\"prompt_ids\": [1]}\n".write(to: batch, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try GRPOProcess.run([
            "grad", "--model", try Fixtures.model("tiny-qwen2").path,
            "--adapter", try Fixtures.usable(root.appendingPathComponent("adapter")).path,
            "--batch", batch.path, "--out", "/dev/null",
        ], input: "")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(stderr.contains("\(batch.lastPathComponent):2:") && stderr.contains("completions"), stderr)
    }
}
