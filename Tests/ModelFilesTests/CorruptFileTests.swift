import Foundation
import SeededRandom
import XCTest
import ModelFiles

/// Truncated and corrupted files must produce a `ModelFileError`, never a crash or a read
/// outside the file.
final class CorruptFileTests: XCTestCase {
    // MARK: Helpers

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Opens a weight file and, when that succeeds, reads every tensor; any failure must be a
    /// ModelFileError. Returns the error of the open, if any.
    @discardableResult
    func exercise(_ open: () throws -> any WeightSource) -> ModelFileError? {
        do {
            let file = try open()
            for name in file.tensorNames {
                do { _ = try file.floats(name) } catch is ModelFileError {} catch {
                    XCTFail("\(name): non-ModelFileError \(error)")
                }
            }
            return nil
        } catch let error as ModelFileError {
            return error
        } catch {
            XCTFail("non-ModelFileError \(error)")
            return nil
        }
    }

    @discardableResult
    func exerciseGGUF(_ url: URL) -> ModelFileError? { exercise { try GGUFFile(url: url) } }

    @discardableResult
    func exerciseSafetensors(_ url: URL) -> ModelFileError? { exercise { try SafetensorsFile(url: url) } }

    /// A safetensors file from a literal header and data bytes.
    func safetensors(header: String, data: [UInt8]) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    /// Byte offset of the tensor-info field after `tensor`'s name in a GGUF file:
    /// 0 = n_dims, then 4 + 8 * d for dimension d, then the type and offset fields.
    func tensorInfoOffset(of tensor: String, in bytes: [UInt8]) throws -> Int {
        let name = Array(tensor.utf8)
        let length = withUnsafeBytes(of: UInt64(name.count).littleEndian, Array.init)
        let needle = length + name
        let start = try XCTUnwrap((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        return start + needle.count
    }

    func patch<T: FixedWidthInteger>(_ bytes: inout [UInt8], at offset: Int, _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
    }

    // MARK: GGUF

    func testGGUFTruncatedAtEveryHeaderOffsetAndAcrossTheData() throws {
        let original = try Fixtures.bytes("quant-types.gguf.fixture")
        let intact = try GGUFFile(url: Fixtures.url("quant-types.gguf.fixture"))
        let dataOffset = intact.dataOffset
        let dataEnd = dataOffset + intact.tensors.map { $0.offset + $0.byteCount }.max()!
        let url = try write(original, "truncated.gguf")
        // Cutting only the alignment padding after the last tensor loses nothing.
        XCTAssertLessThan(dataEnd, original.count)
        XCTAssertEqual(truncate(url.path, off_t(dataEnd)), 0)
        XCTAssertNil(exerciseGGUF(url))
        var cuts = Array(0..<(dataOffset + 40))
        cuts += stride(from: dataOffset + 40, to: dataEnd, by: 97)
        cuts.append(dataEnd - 1)
        for cut in cuts.sorted(by: >) {
            XCTAssertEqual(truncate(url.path, off_t(cut)), 0)
            guard let error = exerciseGGUF(url) else {
                XCTFail("truncated at \(cut) of \(original.count): opened without error")
                continue
            }
            if cut < 24 || cut < dataOffset - 32 {
                guard case .truncatedHeader = error else { XCTFail("cut \(cut): \(error)"); continue }
            } else if cut >= dataOffset {
                guard case .tensorOutOfBounds = error else { XCTFail("cut \(cut): \(error)"); continue }
            }
        }
    }

    func testGGUFBadMagicAndVersions() throws {
        var bytes = try Fixtures.bytes("quant-types.gguf.fixture")
        bytes[3] = UInt8(ascii: "G")
        assertModelFileError(try GGUFFile(url: try write(bytes, "magic.gguf"))) {
            guard case .badMagic(_, "GGUF", "'GGUG'") = $0 else { return false }
            return $0.description.contains("magic.gguf")
        }
        assertModelFileError(try GGUFFile(url: Fixtures.url("safetensors/dtypes.safetensors"))) {
            if case .badMagic = $0 { return true } else { return false }
        }
        bytes = try Fixtures.bytes("quant-types.gguf.fixture")
        patch(&bytes, at: 4, UInt32(1))
        assertModelFileError(try GGUFFile(url: try write(bytes, "v1.gguf"))) {
            if case .unsupportedVersion(_, 1, _) = $0 { return true } else { return false }
        }
        patch(&bytes, at: 4, UInt32(3).byteSwapped)
        assertModelFileError(try GGUFFile(url: try write(bytes, "be.gguf"))) {
            guard case .unsupportedVersion = $0 else { return false }
            return $0.description.contains("big-endian")
        }
        bytes = try Fixtures.bytes("quant-types.gguf.fixture")
        patch(&bytes, at: 4, UInt32(2))   // v2 has the same layout
        XCTAssertNil(exerciseGGUF(try write(bytes, "v2.gguf")))
    }

    func testGGUFImpossibleCountsAndLengths() throws {
        let original = try Fixtures.bytes("quant-types.gguf.fixture")
        var bytes = original
        patch(&bytes, at: 8, UInt64(1) << 40)                 // tensor count
        assertModelFileError(try GGUFFile(url: try write(bytes, "tensors.gguf"))) {
            if case .truncatedHeader = $0 { return true } else { return false }
        }
        bytes = original
        patch(&bytes, at: 16, UInt64.max)                     // metadata count: not an Int
        assertModelFileError(try GGUFFile(url: try write(bytes, "kv.gguf"))) {
            if case .invalidHeader = $0 { return true } else { return false }
        }
        bytes = original
        patch(&bytes, at: 24, UInt64(1) << 50)                // length of the first key
        assertModelFileError(try GGUFFile(url: try write(bytes, "key.gguf"))) {
            if case .truncatedHeader = $0 { return true } else { return false }
        }
        bytes = original
        let keyLength = Int(bytes[24])                        // "general.architecture"
        patch(&bytes, at: 32 + keyLength, UInt32(99))         // its value type
        assertModelFileError(try GGUFFile(url: try write(bytes, "vtype.gguf"))) {
            guard case .invalidHeader(_, let detail) = $0 else { return false }
            return detail.contains("general.architecture")
        }
        bytes = original
        let strings = try tensorInfoOffset(of: "test.strings", in: bytes)
        patch(&bytes, at: strings + 8, UInt64(1) << 45)       // array length (after u32 type, u32 element type)
        assertModelFileError(try GGUFFile(url: try write(bytes, "array.gguf"))) {
            if case .truncatedHeader = $0 { return true } else { return false }
        }
    }

    func testGGUFBadTensorInfos() throws {
        let original = try Fixtures.bytes("quant-types.gguf.fixture")
        let name = "q2_K_unsupported"          // the last tensor: 2 dimensions
        let info = try tensorInfoOffset(of: name, in: original)
        let typeField = info + 4 + 16, offsetField = info + 4 + 16 + 4

        var bytes = original
        patch(&bytes, at: offsetField, UInt64(original.count))
        assertModelFileError(try GGUFFile(url: try write(bytes, "offset.gguf"))) {
            guard case .tensorOutOfBounds(let path, name, _, 168, original.count) = $0 else { return false }
            return path.hasSuffix("offset.gguf") && $0.description.contains(name)
        }
        patch(&bytes, at: offsetField, UInt64(Int.max))
        assertModelFileError(try GGUFFile(url: try write(bytes, "overflow.gguf"))) {
            if case .tensorOutOfBounds(_, name, _, _, _) = $0 { return true } else { return false }
        }
        bytes = original
        patch(&bytes, at: typeField, UInt32(99))
        assertModelFileError(try GGUFFile(url: try write(bytes, "type.gguf"))) {
            guard case .unsupportedDType(_, name, let dtype) = $0 else { return false }
            return dtype.contains("99")
        }
        bytes = original
        patch(&bytes, at: info + 4, UInt64(100))             // ne[0] = 100: not whole Q2_K blocks
        assertModelFileError(try GGUFFile(url: try write(bytes, "rows.gguf"))) {
            if case .shapeMismatch(_, name, _) = $0 { return true } else { return false }
        }
        bytes = original
        patch(&bytes, at: info + 4 + 8, UInt64(1) << 40)     // ne[1] huge: data past the end
        assertModelFileError(try GGUFFile(url: try write(bytes, "rows2.gguf"))) {
            if case .tensorOutOfBounds(_, name, _, _, _) = $0 { return true } else { return false }
        }
        patch(&bytes, at: info + 4 + 8, UInt64(1) << 62)     // element count overflows
        assertModelFileError(try GGUFFile(url: try write(bytes, "rows3.gguf"))) {
            if case .invalidHeader = $0 { return true } else { return false }
        }
        bytes = original
        patch(&bytes, at: info, UInt32(5))                    // n_dims
        assertModelFileError(try GGUFFile(url: try write(bytes, "dims.gguf"))) {
            if case .invalidHeader = $0 { return true } else { return false }
        }
        // A duplicated tensor name.
        bytes = original
        let second = try tensorInfoOffset(of: "q5_1_random", in: bytes)
        let renamed = Array("q5_0_random".utf8)
        for (i, b) in renamed.enumerated() { bytes[second - renamed.count + i] = b }
        assertModelFileError(try GGUFFile(url: try write(bytes, "dup.gguf"))) {
            if case .duplicateTensor(_, "q5_0_random") = $0 { return true } else { return false }
        }
    }

    func testGGUFRandomCorruptionNeverCrashes() throws {
        let original = try Fixtures.bytes("quant-types.gguf.fixture")
        let dataOffset = try GGUFFile(url: Fixtures.url("quant-types.gguf.fixture")).dataOffset
        let url = try write(original, "fuzz.gguf")
        var rng = SplitMix64(seed: 42)
        var failures = 0
        for _ in 0..<600 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<dataOffset, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            try Data(bytes).write(to: url)
            if exerciseGGUF(url) != nil { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 0)
    }

    // MARK: safetensors

    func testSafetensorsTruncatedAtEveryOffset() throws {
        let original = try Fixtures.bytes("safetensors/dtypes.safetensors")
        let url = try write(original, "truncated.safetensors")
        let headerEnd = 8 + original[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        for cut in (0..<original.count).reversed() {
            XCTAssertEqual(truncate(url.path, off_t(cut)), 0)
            guard let error = exerciseSafetensors(url) else {
                XCTFail("truncated at \(cut) of \(original.count): opened without error")
                continue
            }
            if cut < headerEnd {
                guard case .truncatedHeader = error else { XCTFail("cut \(cut): \(error)"); continue }
            } else {
                guard case .tensorOutOfBounds = error else { XCTFail("cut \(cut): \(error)"); continue }
            }
        }
    }

    func testSafetensorsBadHeaders() throws {
        func check(_ header: String, _ data: [UInt8] = [], _ label: String, _ matches: (ModelFileError) -> Bool) throws {
            let url = try write(safetensors(header: header, data: data), "bad.safetensors")
            assertModelFileError(try SafetensorsFile(url: url), label, matches: matches)
        }
        let invalid: (ModelFileError) -> Bool = { if case .invalidHeader = $0 { return true } else { return false } }
        try check("{not json", [], "not JSON", invalid)
        try check("[1, 2]", [], "not an object", invalid)
        try check(#"{"t": 3}"#, [], "entry not an object", invalid)
        try check(#"{"t": {"shape": [1], "data_offsets": [0, 4]}}"#, [0, 0, 0, 0], "no dtype", invalid)
        try check(#"{"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, [0, 0, 0, 0], "negative shape", invalid)
        try check(#"{"t": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, [0, 0, 0, 0], "fractional shape", invalid)
        try check(#"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, [0, 0, 0, 0], "end before begin", invalid)
        try check(#"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#, [0, 0, 0, 0], "one offset", invalid)
        try check(#"{"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, [0, 0, 0, 0, 0, 0, 0, 0], "past the end") {
            guard case .tensorOutOfBounds(let path, "t", _, 16, _) = $0 else { return false }
            return path.hasSuffix("bad.safetensors")
        }
        try check(#"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [9223372036854775800, 9223372036854775804]}}"#,
                  [0, 0, 0, 0], "offset overflow") {
            if case .tensorOutOfBounds(_, "t", _, _, _) = $0 { return true } else { return false }
        }
        try check(#"{"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}"#, [UInt8](repeating: 0, count: 16), "shape vs bytes") {
            if case .shapeMismatch(_, "t", _) = $0 { return true } else { return false }
        }
        // Header length field larger than the file, and absurdly large.
        var bytes = safetensors(header: "{}", data: [])
        patch(&bytes, at: 0, UInt64(1000))
        assertModelFileError(try SafetensorsFile(url: try write(bytes, "long.safetensors"))) {
            if case .truncatedHeader = $0 { return true } else { return false }
        }
        patch(&bytes, at: 0, UInt64.max)
        assertModelFileError(try SafetensorsFile(url: try write(bytes, "huge.safetensors"))) {
            if case .invalidHeader = $0 { return true } else { return false }
        }
    }

    func testSafetensorsUnknownDTypeIsListedButNotRead() throws {
        let header = #"{"t": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 3]}, "__metadata__": {"a": "b", "c": "d", "n": 1}}"#
        let file = try SafetensorsFile(url: try write(safetensors(header: header, data: [1, 2, 3]), "q9.safetensors"))
        XCTAssertEqual(try file.info("t").dtype, .other("Q9"))
        XCTAssertEqual(file.metadata, ["a": "b", "c": "d"])
        assertModelFileError(try file.floats("t")) {
            if case .unsupportedDType(_, "t", "Q9") = $0 { return true } else { return false }
        }
    }

    func testSafetensorsRandomCorruptionNeverCrashes() throws {
        let original = try Fixtures.bytes("safetensors/dtypes.safetensors")
        let url = try write(original, "fuzz.safetensors")
        var rng = SplitMix64(seed: 7)
        for _ in 0..<600 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<min(original.count, 400), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            try Data(bytes).write(to: url)
            exerciseSafetensors(url)
        }
    }

    // MARK: Files that are not there

    func testMissingFilesAndDirectories() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/model.gguf")
        assertModelFileError(try GGUFFile(url: missing)) {
            if case .fileNotFound("/nonexistent/model.gguf") = $0 { return true } else { return false }
        }
        assertModelFileError(try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/x.safetensors"))) {
            if case .fileNotFound = $0 { return true } else { return false }
        }
        assertModelFileError(try openWeightSource(missing)) {
            if case .fileNotFound = $0 { return true } else { return false }
        }
        assertModelFileError(try GGUFFile(url: Fixtures.directory)) {
            if case .cannotOpen = $0 { return true } else { return false }
        }
        assertModelFileError(try GGUFFile(url: try write([], "empty.gguf"))) {
            if case .truncatedHeader = $0 { return true } else { return false }
        }
        assertModelFileError(try SafetensorsFile(url: try write([], "empty.safetensors"))) {
            if case .truncatedHeader = $0 { return true } else { return false }
        }
    }
}
