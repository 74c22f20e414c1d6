import Foundation
import XCTest
import ModelFiles

/// Reads every tensor of the real models (when Scripts/fetch-model.sh has put them in
/// ./models, or in $GRPO_MODELS_DIR) and compares sampled values and sums
/// with the gguf-py dequantization the fixture script recorded, after Hugging Face renaming
/// and, for Llama, un-permutation.
final class RealModelTests: XCTestCase {
    static let models = [
        ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "real-qwen2.5-coder-0.5b-instruct-q4_k_m.samples.safetensors"),
        ("smollm2-135m-instruct-q4_1.gguf", "real-smollm2-135m-instruct-q4_1.samples.safetensors"),
    ]

    func modelURL(_ fileName: String) throws -> URL {
        let directory = ProcessInfo.processInfo.environment["GRPO_MODELS_DIR"]
            ?? Fixtures.repository.appendingPathComponent("models").path
        let url = URL(fileURLWithPath: directory).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(fileName) is not in \(directory)")
        }
        return url
    }

    /// Same rule as the fixture script's sample_positions.
    static func samplePositions(_ n: Int) -> [Int] {
        Array(0..<4) + (0..<8).map { $0 * (n - 1) / 7 } + Array((n - 4)..<n)
    }

    func checkModel(_ index: Int) throws {
        let (fileName, samplesName) = Self.models[index]
        let checkpoint = try GGUFCheckpoint(url: try modelURL(fileName))
        let reference = try SafetensorsFile(url: Fixtures.url(samplesName))
        struct Index: Decodable {
            let architecture: String
            let names: [String]
            let shapes: [[Int]]
            let types: [String]
        }
        let index = try JSONDecoder().decode(Index.self, from: Data(try XCTUnwrap(reference.metadata["index"]).utf8))
        let (names, shapes, types) = (index.names, index.shapes, index.types)
        let samples = try reference.floats("samples")
        // [sum, sum of magnitudes, position-weighted sum] per tensor, stored as F64.
        let sumBytes = try reference.rawData("sums")
        let sums = (0..<(sumBytes.count / 8)).map {
            Double(bitPattern: UInt64(littleEndian: sumBytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
        }
        XCTAssertEqual(sums.count, 3 * names.count)
        XCTAssertEqual(checkpoint.architecture, index.architecture)
        XCTAssertEqual(checkpoint.tensorNames, names.sorted())
        let width = Self.samplePositions(16).count
        var elements = 0
        let start = Date()
        for (i, name) in names.enumerated() {
            let info = try checkpoint.info(name)
            XCTAssertEqual(info.shape, shapes[i], name)
            XCTAssertEqual(info.dtype.description, types[i], name)
            let values = try checkpoint.floats(name)
            elements += values.count
            let expected = Array(samples[(i * width)..<((i + 1) * width)])
            assertBitIdentical(Self.samplePositions(values.count).map { values[$0] }, expected, name)

            var sum = 0.0, magnitude = 0.0, weighted = 0.0
            for (k, value) in values.enumerated() {
                let v = Double(value)
                sum += v
                magnitude += abs(v)
                weighted += v * Double(k % 13 - 6)
            }
            // Summation order differs from numpy's, so allow a little rounding.
            let tolerance = 1e-9 * sums[3 * i + 1] + 1e-12
            XCTAssertEqual(sum, sums[3 * i], accuracy: tolerance, "\(name) sum")
            XCTAssertEqual(magnitude, sums[3 * i + 1], accuracy: tolerance, "\(name) magnitude")
            XCTAssertEqual(weighted, sums[3 * i + 2], accuracy: 6 * tolerance, "\(name) weighted sum")
        }
        print("\(fileName): \(names.count) tensors, \(elements) values checked in "
              + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }

    func testQwen2Q4KM() throws { try checkModel(0) }

    func testSmolLM2LlamaQ4_1() throws { try checkModel(1) }

    /// Prints how long the largest tensor takes to dequantize (meaningful in release builds).
    func testEmbeddingLoadTime() throws {
        let checkpoint = try GGUFCheckpoint(url: try modelURL(Self.models[0].0))
        let info = try checkpoint.info("model.embed_tokens.weight")
        var buffer = [Float](repeating: 0, count: info.elementCount)
        let start = Date()
        try buffer.withUnsafeMutableBufferPointer { try checkpoint.read(info.name, into: $0) }
        print("model.embed_tokens.weight \(info.shape) \(info.dtype): "
              + String(format: "%.3f s", Date().timeIntervalSince(start)))
    }
}
