import Foundation
import GRPOCore
import XCTest

final class HalfPrecisionTests: XCTestCase {
    func testBFloat16RoundsToNearestEven() {
        XCTAssertEqual(HalfPrecision.floatToBFloat16(1), 0x3F80)
        XCTAssertEqual(HalfPrecision.floatToBFloat16(-2), 0xC000)
        // Exactly halfway between 0x3F80 and 0x3F81: ties go to the even one.
        XCTAssertEqual(HalfPrecision.floatToBFloat16(Float(bitPattern: 0x3F80_8000)), 0x3F80)
        XCTAssertEqual(HalfPrecision.floatToBFloat16(Float(bitPattern: 0x3F81_8000)), 0x3F82)
        XCTAssertEqual(HalfPrecision.floatToBFloat16(Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertEqual(HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBFloat16(3.14159)), 3.140625)
        XCTAssertEqual(HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBFloat16(65504)), 65536)
        XCTAssertEqual(HalfPrecision.floatToBFloat16(.infinity), 0x7F80)
        XCTAssertEqual(HalfPrecision.floatToBFloat16(-.infinity), 0xFF80)
        // The largest float rounds up to infinity, as in PyTorch.
        XCTAssertEqual(HalfPrecision.floatToBFloat16(.greatestFiniteMagnitude), 0x7F80)
    }

    func testBFloat16NaNIsTheCanonicalQuietNaN() {
        for nan in [Float.nan, -Float.nan, Float.signalingNaN, Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFFF_FFFF)] {
            XCTAssertEqual(HalfPrecision.floatToBFloat16(nan), 0x7FC0, "\(nan.bitPattern)")
        }
        XCTAssertTrue(HalfPrecision.bfloat16ToFloat(0x7FC0).isNaN)
    }

    func testFloat16WideningIsExact() {
        for bits in UInt16.min...UInt16.max {
            let widened = HalfPrecision.float16ToFloat(bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                XCTAssertTrue(widened.isNaN)
            } else {
                XCTAssertEqual(widened.bitPattern, reference.bitPattern, "\(bits)")
            }
        }
        XCTAssertEqual(HalfPrecision.floatToFloat16(0.1), Float16(0.1).bitPattern)
    }

    func testBulkWidening() {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x0001]
        let brains: [UInt16] = [0x3F80, 0xC000, 0x0001]
        var out = [Float](repeating: 0, count: 3)
        halves.withUnsafeBytes { HalfPrecision.widenFloat16($0.baseAddress!, count: 3, into: &out) }
        XCTAssertEqual(out, [1, -2, 0x1p-24])
        brains.withUnsafeBytes { HalfPrecision.widenBFloat16($0.baseAddress!, count: 3, into: &out) }
        XCTAssertEqual(out, [1, -2, Float(bitPattern: 0x0001_0000)])
        let floats: [Float] = [1.5, -0.25, 7]
        floats.withUnsafeBytes { HalfPrecision.copyFloat32($0.baseAddress!, count: 3, into: &out) }
        XCTAssertEqual(out, floats)
    }
}
