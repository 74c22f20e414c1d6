import Foundation
import XCTest
import ModelFiles

/// Reads files written by the Python safetensors library and compares every value with the
/// float32 bit patterns the fixture script recorded in safetensors/expected.json.
final class SafetensorsReaderTests: XCTestCase {
    struct Expected: Decodable {
        let shape: [Int]
        let bits: [UInt32]
        var floats: [Float] { bits.map(Float.init(bitPattern:)) }
    }

    func expectations(_ group: String) throws -> [String: Expected] {
        let data = try Data(contentsOf: Fixtures.url("safetensors/expected.json"))
        let all = try JSONDecoder().decode([String: [String: Expected]].self, from: data)
        return try XCTUnwrap(all[group], "expected.json has no group \(group)")
    }

    func testF32F16BF16MatchPythonValues() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/dtypes.safetensors"))
        let expected = try expectations("dtypes.safetensors")
        XCTAssertEqual(Set(file.tensorNames), Set(expected.keys).union(["i64"]))
        for (name, want) in expected {
            let info = try file.info(name)
            XCTAssertEqual(info.shape, want.shape, name)
            assertBitIdentical(try file.floats(name), want.floats, name)
        }
        XCTAssertEqual(try file.info("f32").dtype, .float32)
        XCTAssertEqual(try file.info("f16").dtype, .float16)
        XCTAssertEqual(try file.info("bf16").dtype, .bfloat16)
        XCTAssertEqual(try file.info("scalar").shape, [])
        XCTAssertEqual(try file.floats("scalar"), [-3.5])
        XCTAssertEqual(try file.floats("empty"), [])
    }

    func testMetadataIsReadButNotATensor() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/dtypes.safetensors"))
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertFalse(file.contains("__metadata__"))
    }

    func testOtherDTypesAreListedButRefusedByName() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/dtypes.safetensors"))
        XCTAssertEqual(try file.info("i64").dtype, .other("I64"))
        XCTAssertEqual(try file.info("i64").shape, [2])
        assertModelFileError(try file.floats("i64")) {
            guard case .unsupportedDType(let path, "i64", "I64") = $0 else { return false }
            return path.hasSuffix("dtypes.safetensors") && $0.description.contains("'i64'")
        }
    }

    func testUnknownTensorAndShapeChecks() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/dtypes.safetensors"))
        assertModelFileError(try file.floats("nope")) {
            if case .tensorNotFound(_, "nope") = $0 { return true } else { return false }
        }
        XCTAssertEqual(try file.floats("f32", shape: [3, 4]).count, 12)
        assertModelFileError(try file.floats("f32", shape: [4, 3])) {
            if case .shapeMismatch(_, "f32", _) = $0 { return true } else { return false }
        }
        var small = [Float](repeating: 0, count: 5)
        assertModelFileError(try small.withUnsafeMutableBufferPointer { try file.read("f32", into: $0) }) {
            if case .shapeMismatch(_, "f32", _) = $0 { return true } else { return false }
        }
    }

    func testReadIntoCallerBuffer() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/dtypes.safetensors"))
        let want = try expectations("dtypes.safetensors")["bf16"]!.floats
        var buffer = [Float](repeating: .nan, count: want.count)
        try buffer.withUnsafeMutableBufferPointer { try file.read("bf16", into: $0) }
        assertBitIdentical(buffer, want, "bf16")
    }

    func testShardedCheckpointFollowsTheIndex() throws {
        let checkpoint = try SafetensorsCheckpoint(url: Fixtures.url("safetensors/sharded"))
        let expected = try expectations("sharded")
        XCTAssertEqual(checkpoint.tensorNames, expected.keys.sorted())
        XCTAssertEqual(checkpoint.shards.count, 2)
        for (name, want) in expected {
            XCTAssertEqual(try checkpoint.info(name).shape, want.shape, name)
            assertBitIdentical(try checkpoint.floats(name), want.floats, name)
        }
        XCTAssertEqual(try checkpoint.info("lm_head.weight").dtype, .float16)
        // The same through the generic opener.
        let opened = try openWeightSource(Fixtures.url("safetensors/sharded"))
        assertBitIdentical(try opened.floats("model.norm.weight"), expected["model.norm.weight"]!.floats, "norm")
    }

    func testSingleFileDirectory() throws {
        let directory = try Fixtures.temporaryDirectory(self)
        try FileManager.default.copyItem(at: Fixtures.url("safetensors/dtypes.safetensors"),
                                         to: directory.appendingPathComponent("model.safetensors"))
        let checkpoint = try SafetensorsCheckpoint(url: directory)
        let want = try expectations("dtypes.safetensors")["f32"]!
        assertBitIdentical(try checkpoint.floats("f32"), want.floats, "f32")
        XCTAssertEqual(checkpoint.metadata["format"], "pt")
    }

    func testDirectoryWithoutWeights() throws {
        let directory = try Fixtures.temporaryDirectory(self)
        assertModelFileError(try SafetensorsCheckpoint(url: directory)) {
            guard case .fileNotFound(let path) = $0 else { return false }
            return path.hasSuffix("model.safetensors")
        }
    }

    func testIndexNamingAMissingShard() throws {
        let directory = try Fixtures.temporaryDirectory(self)
        let shard = "model-00001-of-00002.safetensors"
        try FileManager.default.copyItem(at: Fixtures.url("safetensors/sharded/\(shard)"),
                                         to: directory.appendingPathComponent(shard))
        let index = #"{"metadata": {}, "weight_map": {"model.norm.weight": "model-00001-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}}"#
        try index.write(to: directory.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        assertModelFileError(try SafetensorsCheckpoint(url: directory)) {
            guard case .missingShard(let indexPath, "model-00002-of-00002.safetensors") = $0 else { return false }
            return indexPath.hasSuffix("model.safetensors.index.json")
        }
    }

    func testIndexNamingATensorItsShardLacks() throws {
        let directory = try Fixtures.temporaryDirectory(self)
        let shard = "model-00001-of-00002.safetensors"
        try FileManager.default.copyItem(at: Fixtures.url("safetensors/sharded/\(shard)"),
                                         to: directory.appendingPathComponent(shard))
        let index = #"{"weight_map": {"lm_head.weight": "model-00001-of-00002.safetensors"}}"#
        try index.write(to: directory.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        assertModelFileError(try SafetensorsCheckpoint(url: directory)) {
            if case .tensorNotFound(_, "lm_head.weight") = $0 { return true } else { return false }
        }
    }

    func testIndexThatIsNotJSON() throws {
        let directory = try Fixtures.temporaryDirectory(self)
        try "weight_map: nope".write(to: directory.appendingPathComponent("model.safetensors.index.json"),
                                     atomically: true, encoding: .utf8)
        assertModelFileError(try SafetensorsCheckpoint(url: directory)) {
            if case .invalidHeader = $0 { return true } else { return false }
        }
    }
}
