import Foundation
import SeededRandom
import XCTest
import ModelFiles

/// Timing of the block kernels on a Qwen2.5-0.5B-sized embedding (151936 x 896). Runs only
/// when GRPO_TEST_PERF is set: it needs ~620 MB and is only meaningful in release builds.
final class DequantizationSpeedTests: XCTestCase {
    func timeKernel(_ type: GGMLType, rows: Int = 151_936, cols: Int = 896) throws -> Double {
        guard ProcessInfo.processInfo.environment["GRPO_TEST_PERF"] != nil else {
            throw XCTSkip("set GRPO_TEST_PERF=1 to time dequantization")
        }
        let count = rows * cols
        let blocks = count / type.blockSize
        var rng = SplitMix64(seed: 1)
        var bytes = [UInt8](repeating: 0, count: blocks * type.bytesPerBlock)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        // Finite float16 scales (0x2000 ~ 0.0078) wherever this type keeps them.
        let scaleOffsets: [Int] = type == .q6_K ? [208] : type == .q4_K || type == .q5_K || type == .q4_1 || type == .q5_1 ? [0, 2] : [0]
        for b in 0..<blocks {
            for offset in scaleOffsets {
                bytes[b * type.bytesPerBlock + offset] = 0
                bytes[b * type.bytesPerBlock + offset + 1] = 0x20
            }
        }
        var output = [Float](repeating: 0, count: count)
        let start = Date()
        try bytes.withUnsafeBytes { source in
            try output.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(type, from: source, into: $0) }
        }
        let seconds = Date().timeIntervalSince(start)
        print("\(type.name) \(rows)x\(cols): " + String(format: "%.3f s", seconds))
        XCTAssertTrue(output[count - 1].isFinite)
        return seconds
    }

    func testQ4KEmbeddingUnderASecond() throws {
        let seconds = try timeKernel(.q4_K)
        #if !DEBUG
        XCTAssertLessThan(seconds, 1.0)
        #endif
    }

    func testOtherKernels() throws {
        for type in [GGMLType.q8_0, .q5_0, .q4_1, .q6_K, .q5_K, .f16] {
            _ = try timeKernel(type)
        }
    }
}
