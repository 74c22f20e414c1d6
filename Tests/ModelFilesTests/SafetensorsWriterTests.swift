import Foundation
import XCTest
import ModelFiles

final class SafetensorsWriterTests: XCTestCase {
    /// The tensors Scripts/make-gguf-fixtures.py --verify-swift-safetensors expects. Values go
    /// through Double first, as Python float literals do, before becoming Float.
    func pythonCheckedWriter() throws -> SafetensorsWriter {
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        try writer.add("weights", shape: [2, 3], values: (0..<6).map { Float(Double($0) * 0.5 - 1.25) })
        try writer.add("bias", shape: [6], values: [1.0, -2.5, 3.14159, 1e-3, 65504.0, -1e-8].map { Float($0 as Double) },
                       as: .bfloat16)
        try writer.add("half", shape: [4], values: [0.1, -0.2, 1e-5, 70000.0].map { Float($0 as Double) }, as: .float16)
        try writer.add("a.scalar", shape: [], values: [7])
        return writer
    }

    func testPythonSafetensorsReadsWriterOutputByteForByte() throws {
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("swift.safetensors")
        try pythonCheckedWriter().write(to: url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.script.path, "--verify-swift-safetensors", url.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { throw XCTSkip("python3 not runnable: \(error)") }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 77 || process.terminationStatus == 127 {
            throw XCTSkip("python safetensors/torch unavailable: \(text)")
        }
        XCTAssertEqual(process.terminationStatus, 0, "python check failed:\n\(text)")
    }

    func testHeaderLayoutMatchesTheLibraryRules() throws {
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        try writer.add("b", shape: [2], values: [1, 2])
        try writer.add("a", shape: [1], values: [1], as: .bfloat16)
        let bytes = writer.serialized()
        // F32 before BF16 regardless of name; "__metadata__" first; compact JSON.
        let json = #"{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""a":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(length, padded.utf8.count)
        XCTAssertEqual(length % 8, 0)
        XCTAssertEqual(String(decoding: bytes[8..<(8 + length)], as: UTF8.self), padded)
        // 1.0f and 2.0f little-endian, then bfloat16 1.0 = 0x3F80.
        XCTAssertEqual(Array(bytes[(8 + length)...]), [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0x80, 0x3F])
    }

    func testRoundTripThroughTheReader() throws {
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("round.safetensors")
        try pythonCheckedWriter().write(to: url)
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.tensorNames, ["a.scalar", "bias", "half", "weights"])
        XCTAssertEqual(try file.floats("weights"), [-1.25, -0.75, -0.25, 0.25, 0.75, 1.25])
        XCTAssertEqual(try file.info("weights").shape, [2, 3])
        XCTAssertEqual(try file.info("a.scalar").shape, [])
        XCTAssertEqual(try file.floats("a.scalar"), [7])
        // bfloat16 round-to-nearest-even: 3.14159 -> 3.140625, 65504 -> 65536.
        let bias = try file.floats("bias")
        XCTAssertEqual(try file.info("bias").dtype, .bfloat16)
        XCTAssertEqual(Array(bias[0..<3]), [1.0, -2.5, 3.140625])
        XCTAssertEqual(bias[4], 65536)
        // float16: 70000 overflows to infinity.
        let half = try file.floats("half")
        XCTAssertEqual(half[3], .infinity)
        XCTAssertEqual(half[0], Float(Float16(0.1)))
    }

    func testNamesAreEscapedAsJSON() throws {
        var writer = SafetensorsWriter()
        let name = "quote\" back\\slash \u{01} é"
        try writer.add(name, shape: [1], values: [3])
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("escaped.safetensors")
        try writer.write(to: url)
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.tensorNames, [name])
        XCTAssertEqual(try file.floats(name), [3])
        XCTAssertEqual(file.metadata, [:])
    }

    func testAddRejectsBadInput() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", shape: [2], values: [1, 2])
        assertModelFileError(try writer.add("x", shape: [1], values: [1])) {
            if case .duplicateTensor(_, "x") = $0 { return true } else { return false }
        }
        assertModelFileError(try writer.add("y", shape: [2, 2], values: [1, 2, 3])) {
            if case .shapeMismatch(_, "y", _) = $0 { return true } else { return false }
        }
        assertModelFileError(try writer.add("__metadata__", shape: [1], values: [1])) {
            if case .invalidHeader = $0 { return true } else { return false }
        }
    }

    func testWriteIntoMissingDirectoryFails() throws {
        let url = URL(fileURLWithPath: "/nonexistent-dir-for-model-files-tests/out.safetensors")
        assertModelFileError(try SafetensorsWriter().write(to: url)) {
            if case .writeFailed = $0 { return true } else { return false }
        }
    }
}
