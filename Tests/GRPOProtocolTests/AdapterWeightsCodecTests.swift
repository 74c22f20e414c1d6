import GRPOCore
import GRPOProtocol
import XCTest

final class AdapterWeightsCodecTests: XCTestCase {
    func testBFloat16UsesTheSharedRounding() throws {
        let values: [Float] = [1, -2, 3.14159, 65504, Float(bitPattern: 0x3F80_8000), .nan, -.nan, .infinity]
        let (header, payload) = values.withUnsafeBufferPointer {
            AdapterWeightsCodec.encode(version: 3, parameters: $0, previous: nil, previousVersion: nil, dtype: .bfloat16)
        }
        XCTAssertEqual(header.count, values.count)
        XCTAssertEqual(header.checksum, CRC32C.checksum(payload))
        let words = stride(from: 0, to: payload.count, by: 2).map { UInt16(payload[$0]) | UInt16(payload[$0 + 1]) << 8 }
        XCTAssertEqual(words, values.map(HalfPrecision.floatToBFloat16))
        XCTAssertEqual(words[5], 0x7FC0)
        XCTAssertEqual(words[6], 0x7FC0, "NaN of either sign becomes the canonical quiet NaN")

        var applied = [Float](repeating: 0, count: values.count)
        XCTAssertTrue(try applied.withUnsafeMutableBufferPointer {
            try AdapterWeightsCodec.apply(header, payload: payload, to: $0, currentVersion: 0)
        })
        XCTAssertEqual(Array(applied[0..<5]), [1, -2, 3.140625, 65536, 1])
        XCTAssertTrue(applied[5].isNaN && applied[6].isNaN)
        XCTAssertEqual(applied[7], .infinity)
    }

    func testDeltaAppliesOnlyOnItsBase() throws {
        let base: [Float] = [1, 2, 3]
        let next: [Float] = [1.5, 2, 2]
        let (header, payload) = next.withUnsafeBufferPointer { p in
            base.withUnsafeBufferPointer {
                AdapterWeightsCodec.encode(version: 5, parameters: p, previous: $0, previousVersion: 4, dtype: .float32)
            }
        }
        XCTAssertEqual(header.encoding, .delta)
        var parameters = base
        XCTAssertFalse(try parameters.withUnsafeMutableBufferPointer {
            try AdapterWeightsCodec.apply(header, payload: payload, to: $0, currentVersion: 3)
        })
        XCTAssertTrue(try parameters.withUnsafeMutableBufferPointer {
            try AdapterWeightsCodec.apply(header, payload: payload, to: $0, currentVersion: 4)
        })
        XCTAssertEqual(parameters, next)
        var damaged = payload
        damaged[0] ^= 1
        XCTAssertThrowsError(try parameters.withUnsafeMutableBufferPointer {
            try AdapterWeightsCodec.apply(header, payload: damaged, to: $0, currentVersion: 4)
        }) { XCTAssertEqual("\($0)", "WEIGHTS v5: checksum mismatch") }
    }
}
