import Foundation
import GRPOCore
import TestSupport
import XCTest

final class CRC32CTests: XCTestCase {
    /// Bit-at-a-time CRC-32C, the definition the table-driven code must agree with.
    func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 0 ? 0 : 0x82F6_3B78) }
        }
        return ~crc
    }

    func testCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    /// RFC 3720 (iSCSI) appendix B.4, also LevelDB's and TensorFlow's crc32c tests.
    func testRFC3720Vectors() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }), 0x113F_DB5C)
        let iSCSIRead: [UInt8] = [
            0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
            0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        XCTAssertEqual(CRC32C.checksum(iSCSIRead), 0xD996_3A56)
    }

    func testMaskFormula() {
        // The formula on known CRCs: masked(0) is the delta itself; the others are computed
        // by hand from ((crc >> 15) | (crc << 17)) + 0xa282ead8 mod 2^32.
        XCTAssertEqual(CRC32C.mask(0), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.mask(0xE306_9283), 0xC78A_B0E5)
        XCTAssertEqual(CRC32C.maskedChecksum(Array("123456789".utf8)), 0xC78A_B0E5)
        // Values from Apache Beam's TFRecord tests (tfrecordio_test.py), an independent
        // implementation of TensorFlow's masked CRC.
        XCTAssertEqual(CRC32C.maskedChecksum([UInt8](repeating: 0, count: 32)), 0x0FD7_FFFA)
        XCTAssertEqual(CRC32C.maskedChecksum([UInt8](repeating: 0xFF, count: 32)), 0xF909_B029)
        XCTAssertEqual(CRC32C.maskedChecksum(Array("foo".utf8)), 0xFEBE_8A61)
        XCTAssertEqual(CRC32C.maskedChecksum([3, 0, 0, 0, 0, 0, 0, 0]), 0x0E49_99B0)
        // TensorFlow's crc32c_test Mask test: masking changes the value and unmask inverts it.
        let crc = CRC32C.checksum(Array("foo".utf8))
        XCTAssertNotEqual(CRC32C.mask(crc), crc)
        XCTAssertNotEqual(CRC32C.mask(CRC32C.mask(crc)), crc)
        XCTAssertEqual(CRC32C.unmask(CRC32C.mask(crc)), crc)
        XCTAssertEqual(CRC32C.unmask(CRC32C.unmask(CRC32C.mask(CRC32C.mask(crc)))), crc)
    }

    /// Slicing-by-8 against the bitwise definition for every length up to 100 and every
    /// start alignment, so the head, 8-byte body and tail loops are all exercised.
    func testMatchesBitwiseReference() {
        var random = TestRandom(seed: 7)
        let bytes = random.bytes(128)
        for start in 0..<8 {
            for length in 0...100 {
                let slice = Array(bytes[start..<(start + length)])
                let fromSlice = bytes.withUnsafeBytes {
                    CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)]))
                }
                XCTAssertEqual(fromSlice, referenceCRC(slice), "start \(start) length \(length)")
            }
        }
        let large = random.bytes(100_003)
        XCTAssertEqual(CRC32C.checksum(large), referenceCRC(large))
        XCTAssertEqual(CRC32C.checksum(Data(large)), CRC32C.checksum(large))
    }

    func testSeedContinuesAChecksum() {
        var random = TestRandom(seed: 11)
        let bytes = random.bytes(1000)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let head = CRC32C.checksum(Array(bytes[..<split]))
            XCTAssertEqual(CRC32C.checksum(Array(bytes[split...]), seed: head), CRC32C.checksum(bytes), "split \(split)")
        }
        XCTAssertEqual(CRC32C.checksum(Array(" world".utf8), seed: CRC32C.checksum(Array("hello".utf8))),
                       CRC32C.checksum(Array("hello world".utf8)))
    }
}
