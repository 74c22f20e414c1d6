import Foundation
import XCTest
import ModelFiles

/// Dequantization of every supported ggml type against gguf-py's reference dequantization
/// (quant-types.reference.safetensors), plus header and metadata parsing.
final class GGUFFileTests: XCTestCase {
    static let dequantizedTypes: [String: GGMLType] = [
        "f32": .f32, "f16": .f16, "f16_special": .f16, "bf16": .bf16,
        "q4_0": .q4_0, "q4_1": .q4_1, "q5_0": .q5_0, "q5_1": .q5_1, "q8_0": .q8_0,
        "q4_K": .q4_K, "q5_K": .q5_K, "q6_K": .q6_K,
        "q4_0_random": .q4_0, "q4_1_random": .q4_1, "q5_0_random": .q5_0, "q5_1_random": .q5_1,
        "q8_0_random": .q8_0, "q4_K_random": .q4_K, "q5_K_random": .q5_K, "q6_K_random": .q6_K,
        "q8_0_3d": .q8_0,
    ]

    func openFixture() throws -> GGUFFile {
        try GGUFFile(url: Fixtures.url("quant-types.gguf.fixture"))
    }

    func testEverySupportedTypeMatchesReferenceBitForBit() throws {
        let file = try openFixture()
        let reference = try SafetensorsFile(url: Fixtures.url("quant-types.reference.safetensors"))
        XCTAssertEqual(Set(reference.tensorNames), Set(Self.dequantizedTypes.keys))
        for (name, type) in Self.dequantizedTypes.sorted(by: { $0.key < $1.key }) {
            let stored = try XCTUnwrap(file.tensor(name), name)
            XCTAssertEqual(stored.type, type, name)
            XCTAssertEqual(try file.info(name).shape, try reference.info(name).shape, name)
            assertBitIdentical(try file.floats(name), try reference.floats(name), "\(name) (\(type.name))")
        }
    }

    func testEveryTypeThroughTheBlockKernelDirectly() throws {
        // The same comparison through the public kernel entry point, with the parallel split
        // forced by a tensor large enough to cross the threshold.
        let file = try openFixture()
        let reference = try SafetensorsFile(url: Fixtures.url("quant-types.reference.safetensors"))
        let stored = try XCTUnwrap(file.tensor("q4_K"))
        let raw = try file.rawData("q4_K")
        let copies = (1 << 20) / stored.elementCount + 1
        let bytes = [UInt8]((0..<copies).flatMap { _ in Array(raw) })
        var output = [Float](repeating: .nan, count: copies * stored.elementCount)
        try bytes.withUnsafeBytes { source in
            try output.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(.q4_K, from: source, into: $0) }
        }
        let want = try reference.floats("q4_K")
        for copy in [0, copies / 2, copies - 1] {
            let start = copy * stored.elementCount
            assertBitIdentical(Array(output[start..<(start + stored.elementCount)]), want, "q4_K copy \(copy)")
        }
    }

    func testShapesAreReportedOutermostFirst() throws {
        let file = try openFixture()
        let cube = try XCTUnwrap(file.tensor("q8_0_3d"))
        XCTAssertEqual(cube.dimensions, [64, 3, 2])
        XCTAssertEqual(cube.shape, [2, 3, 64])
        XCTAssertEqual(try file.info("q8_0_3d").shape, [2, 3, 64])
        XCTAssertEqual(try file.info("q6_K").dtype, .ggml(.q6_K))
        XCTAssertEqual(try file.info("f16").dtype, .float16)
        XCTAssertEqual(try file.info("q4_1").shape, [2, 512])
        XCTAssertEqual(file.tensor("q4_1")?.byteCount, 2 * 16 * 20)
    }

    func testUnsupportedTypeIsRefusedByName() throws {
        let file = try openFixture()
        XCTAssertEqual(try file.info("q2_K_unsupported").dtype, .ggml(.q2_K))
        XCTAssertFalse(try file.info("q2_K_unsupported").dtype.isConvertibleToFloat)
        assertModelFileError(try file.floats("q2_K_unsupported")) {
            guard case .unsupportedDType(let path, "q2_K_unsupported", "Q2_K") = $0 else { return false }
            return path.hasSuffix("quant-types.gguf.fixture") && $0.description.contains("Q2_K")
        }
    }

    func testMetadataOfEveryValueType() throws {
        let file = try openFixture()
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.architecture, "fixture")
        let m = file.metadata
        XCTAssertEqual(m["test.uint8"], .uint8(200))
        XCTAssertEqual(m["test.int8"], .int8(-100))
        XCTAssertEqual(m["test.uint16"], .uint16(60000))
        XCTAssertEqual(m["test.int16"], .int16(-30000))
        XCTAssertEqual(m["test.uint32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.int32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.float32"], .float32(0.15625))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"], .string("héllo, wörld"))
        XCTAssertEqual(m["test.uint64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(m["test.int64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(m["test.float64"], .float64(2.718281828459045))
        XCTAssertEqual(m["test.strings"]?.strings, ["a", "", "ccc"])
        XCTAssertEqual(m["test.uint8s"], .array([.uint8(1), .uint8(2), .uint8(255)]))
        XCTAssertEqual(m["test.nested"], .array([.array([.int32(1), .int32(2)]), .array([.int32(3)]),
                                                 .array([.string("x"), .string("y")])]))
        XCTAssertEqual(file.metadataKeys.first, "general.architecture")
        XCTAssertEqual(file.metadataKeys.count, m.count)
    }

    func testCustomAlignment() throws {
        let file = try GGUFFile(url: Fixtures.url("aligned64.gguf.fixture"))
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.dataOffset % 64, 0)
        XCTAssertEqual(file.tensor("second")?.offset, 64)
        XCTAssertEqual(try file.floats("first"), [0, 1, 2])
        XCTAssertEqual(try file.floats("second"), [0, -1.5, -3, -4.5, -6])
    }

    func testTensorNamesAndLookupErrors() throws {
        let file = try openFixture()
        XCTAssertEqual(file.tensorNames, file.tensorNames.sorted())
        XCTAssertEqual(file.tensors.count, 22)
        assertModelFileError(try file.floats("missing")) {
            if case .tensorNotFound(_, "missing") = $0 { return true } else { return false }
        }
        var wrongSize = [Float](repeating: 0, count: 3)
        assertModelFileError(try wrongSize.withUnsafeMutableBufferPointer { try file.read("q8_0", into: $0) }) {
            if case .shapeMismatch(_, "q8_0", _) = $0 { return true } else { return false }
        }
    }

    func testKernelRejectsMismatchedByteCounts() throws {
        var out = [Float](repeating: 0, count: 32)
        let short = [UInt8](repeating: 0, count: 33)
        assertModelFileError(try short.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(.q8_0, from: src, into: $0) }
        }) { if case .shapeMismatch = $0 { return true } else { return false } }
        var partial = [Float](repeating: 0, count: 31)
        assertModelFileError(try short.withUnsafeBytes { src in
            try partial.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(.q8_0, from: src, into: $0) }
        }) { if case .shapeMismatch = $0 { return true } else { return false } }
    }

    func testTypeTableAgreesWithGGMLBlockSizes() {
        // Sizes from ggml-common.h (also gguf-py's GGML_QUANT_SIZES).
        let expected: [GGMLType: (Int, Int)] = [
            .q4_0: (32, 18), .q4_1: (32, 20), .q5_0: (32, 22), .q5_1: (32, 24), .q8_0: (32, 34),
            .q4_K: (256, 144), .q5_K: (256, 176), .q6_K: (256, 210), .q2_K: (256, 84), .q3_K: (256, 110),
            .f32: (1, 4), .f16: (1, 2), .bf16: (1, 2),
        ]
        for (type, (block, bytes)) in expected {
            XCTAssertEqual(type.blockSize, block, type.name)
            XCTAssertEqual(type.bytesPerBlock, bytes, type.name)
        }
        XCTAssertEqual(GGMLType.q4_K.name, "Q4_K")
        XCTAssertEqual(GGMLType.iq2_xxs.name, "IQ2_XXS")
        XCTAssertEqual(GGMLType.q8_0.name, "Q8_0")
    }
}
