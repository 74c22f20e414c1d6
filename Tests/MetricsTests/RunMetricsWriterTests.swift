import Foundation
import XCTest
import Metrics

final class RunMetricsWriterTests: XCTestCase {
    /// Three steps as a training loop reports them: names in report order, one name without a
    /// value, a NaN at step 3, and a sample text at steps 1 and 3.
    static let names = ["reward", "rewards/correctness/mean", "kl", "grad_norm", "absent"]
    static let steps: [(step: Int, values: [String: Double])] = [
        (1, ["reward": 0.25, "rewards/correctness/mean": 0.5, "kl": 0, "grad_norm": 1.5]),
        (2, ["reward": 0.5, "rewards/correctness/mean": 0.75, "kl": 0.0123, "grad_norm": 0.8]),
        (3, ["reward": 1, "rewards/correctness/mean": 1, "kl": 0.03, "grad_norm": .nan]),
    ]
    static let texts: [(step: Int, text: String)] = [
        (1, "**question** 2 + 2?\n\n```\n<think>easy</think> 4 ✓\n```"),
        (3, "second sample: `x = 5`"),
    ]

    /// The JSON line a caller produced (StepReport.jsonLine's format).
    static func jsonLine(step: Int, values: [String: Double]) -> String {
        "{\"step\":\(step)," + names.compactMap { name in
            values[name].map { "\"\(name)\":" + ($0.isFinite ? "\($0)" : "null") }
        }.joined(separator: ",") + "}"
    }

    func writeRun(to directory: String, resume: Bool = false) throws {
        let writer = try RunMetricsWriter(outputDirectory: directory, resume: resume)
        for (step, values) in Self.steps {
            try writer.write(step: step, names: Self.names, values: values, jsonLine: Self.jsonLine(step: step, values: values))
            for text in Self.texts where text.step == step {
                try writer.addText(step: step, tag: "samples/completion", text: text.text)
            }
        }
        try writer.close()
    }

    func testMetricsJSONLinesAreWrittenAndResumeAppends() throws {
        let directory = try MetricsTestSupport.temporaryDirectory(self) + "/run"
        try writeRun(to: directory)
        let lines = Self.steps.map { Self.jsonLine(step: $0.step, values: $0.values) + "\n" }.joined()
        let jsonl = directory + "/metrics.jsonl"
        XCTAssertEqual(String(decoding: try MetricsTestSupport.contents(jsonl), as: UTF8.self), lines)
        try writeRun(to: directory, resume: true)
        XCTAssertEqual(String(decoding: try MetricsTestSupport.contents(jsonl), as: UTF8.self), lines + lines)
        try writeRun(to: directory)
        XCTAssertEqual(String(decoding: try MetricsTestSupport.contents(jsonl), as: UTF8.self), lines, "a new run starts afresh")
        let eventFiles = try FileManager.default.contentsOfDirectory(atPath: directory + "/tensorboard")
        XCTAssertEqual(eventFiles.filter { $0.hasPrefix("events.out.tfevents.") }.count, 3, "\(eventFiles)")
    }

    /// TensorBoard's EventAccumulator, via Scripts/read-tensorboard.py, reads back every
    /// scalar (as the float32 written) at its step, and every text.
    func testTensorBoardReadsTheScalarsAndTexts() throws {
        let directory = try MetricsTestSupport.temporaryDirectory(self)
        try writeRun(to: directory)
        let data = try MetricsTestSupport.runScript([directory + "/tensorboard"])
        let read = try JSONDecoder().decode(ReadBack.self, from: data)
        let scalars = read.scalars
        let texts = read.texts

        XCTAssertEqual(Set(scalars.keys), Set(Self.names.dropLast()))
        for name in Self.names.dropLast() {
            let points = try XCTUnwrap(scalars[name])
            XCTAssertEqual(points.map(\.step), Self.steps.map(\.step), name)
            for (point, step) in zip(points, Self.steps) {
                // Bit-exact: the float32 written, widened as Python widens it.
                XCTAssertEqual(point.value.bitPattern, Double(Float(step.values[name]!)).bitPattern,
                               "\(name) at step \(step.step): read \(point.value)")
            }
        }
        let samples = try XCTUnwrap(texts["samples/completion"])
        XCTAssertEqual(Set(texts.keys), ["samples/completion"])
        XCTAssertEqual(samples.map(\.step), Self.texts.map(\.step))
        XCTAssertEqual(samples.map(\.text), Self.texts.map(\.text))
    }
}

/// The script's output. JSONDecoder, not JSONSerialization, whose Linux implementation
/// parses some decimals to a neighbouring double (0.029999999329447746 -> ...736).
private struct ReadBack: Decodable {
    struct Scalar: Decodable {
        let step: Int
        let value: Double

        /// `[step, value]`; non-finite values arrive as "nan", "inf" or "-inf".
        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            step = try pair.decode(Int.self)
            if let number = try? pair.decode(Double.self) {
                value = number
            } else {
                let word = try pair.decode(String.self)
                guard let special = ["nan": Double.nan, "inf": .infinity, "-inf": -.infinity][word] else {
                    throw DecodingError.dataCorruptedError(in: pair, debugDescription: "unexpected scalar \(word)")
                }
                value = special
            }
        }
    }

    struct Text: Decodable {
        let step: Int
        let text: String

        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            step = try pair.decode(Int.self)
            text = try pair.decode(String.self)
        }
    }

    let scalars: [String: [Scalar]]
    let texts: [String: [Text]]
}
