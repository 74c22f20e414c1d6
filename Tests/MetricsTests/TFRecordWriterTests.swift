import Foundation
import XCTest
import Metrics

final class TFRecordWriterTests: XCTestCase {
    /// The record for "foo" from published masked CRCs alone, no CRC code: Apache Beam's
    /// TFRecord tests (tfrecordio_test.py) give masked_crc32c(b"foo") = 0xfebe8a61 and
    /// masked_crc32c(b"\x03" + 7 zero bytes), the length 3, = 0x0e4999b0.
    func testFrameOfFooMatchesPublishedChecksums() {
        let expected: [UInt8] = [
            0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // length 3, uint64 LE
            0xB0, 0x99, 0x49, 0x0E,                           // masked CRC of the length bytes
            0x66, 0x6F, 0x6F,                                 // "foo"
            0x61, 0x8A, 0xBE, 0xFE,                           // masked CRC of "foo"
        ]
        XCTAssertEqual(TFRecordWriter.frame(Array("foo".utf8)), expected)
    }

    /// Other lengths (empty, a multi-byte length, odd sizes) against the test's own bitwise CRC.
    func testFrameMatchesBitwiseChecksums() {
        for count in [0, 1, 7, 8, 9, 255, 256, 1000, 70_000] {
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let length = MetricsTestSupport.littleEndian(UInt64(count))
            let expected = length + MetricsTestSupport.littleEndian(MetricsTestSupport.maskedCRC32C(length))
                + data + MetricsTestSupport.littleEndian(MetricsTestSupport.maskedCRC32C(data))
            let frame = TFRecordWriter.frame(data)
            // Header, data and trailer apart, so a failure does not print 70 kB of array.
            XCTAssertEqual(frame.count, expected.count, "\(count) bytes")
            XCTAssertEqual(Array(frame.prefix(12)), Array(expected.prefix(12)), "length and its CRC, \(count) bytes")
            XCTAssertEqual(Array(frame.suffix(4)), Array(expected.suffix(4)), "data CRC, \(count) bytes")
            XCTAssertTrue(frame.dropFirst(12).dropLast(4).elementsEqual(data), "data, \(count) bytes")
        }
    }

    func testRecordsAreBufferedUntilFlushThenAppended() throws {
        let path = try MetricsTestSupport.temporaryDirectory(self) + "/records.tfrecord"
        let writer = try TFRecordWriter(path: path)
        try writer.write([1, 2, 3])
        try writer.write([])
        XCTAssertEqual(try MetricsTestSupport.contents(path), [], "nothing reaches the file before flush()")
        try writer.flush()
        let first = TFRecordWriter.frame([1, 2, 3]) + TFRecordWriter.frame([])
        XCTAssertEqual(try MetricsTestSupport.contents(path), first)
        try writer.write([9])
        try writer.close()
        XCTAssertEqual(try MetricsTestSupport.contents(path), first + TFRecordWriter.frame([9]), "close() flushes")
        XCTAssertThrowsError(try writer.write([4])) { XCTAssertEqual($0 as? MetricsError, .closed(path: path)) }
        try writer.close()

        // Reopening appends; `exclusive` refuses the existing file.
        let again = try TFRecordWriter(path: path)
        try again.write([5])
        try again.close()
        XCTAssertEqual(try MetricsTestSupport.contents(path), first + TFRecordWriter.frame([9]) + TFRecordWriter.frame([5]))
        XCTAssertThrowsError(try TFRecordWriter(path: path, exclusive: true)) {
            XCTAssertEqual($0 as? MetricsError, .io(path: path, operation: "open", errno: EEXIST))
        }
    }

    func testBufferLimitWritesThrough() throws {
        let path = try MetricsTestSupport.temporaryDirectory(self) + "/records.tfrecord"
        let writer = try TFRecordWriter(path: path, bufferLimit: 40)
        try writer.write([UInt8](repeating: 1, count: 10))   // 26 bytes framed: kept
        XCTAssertEqual(try MetricsTestSupport.contents(path).count, 0)
        try writer.write([UInt8](repeating: 2, count: 10))   // 52 pending: written
        XCTAssertEqual(try MetricsTestSupport.contents(path).count, 52)
        try writer.close()
    }

    func testErrorsNameTheFile() throws {
        let path = try MetricsTestSupport.temporaryDirectory(self) + "/missing/records.tfrecord"
        XCTAssertThrowsError(try TFRecordWriter(path: path)) { error in
            XCTAssertEqual(error as? MetricsError, .io(path: path, operation: "open", errno: ENOENT))
            XCTAssertTrue("\(error)".hasPrefix(path + ": open failed: "), "\(error)")
        }
    }
}
