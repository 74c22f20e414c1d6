import Foundation
import TestSupport
import XCTest
@testable import RolloutLog

/// Crash artefacts at the end of the log are skipped by readers and cut off by the writer;
/// damage anywhere else is an error naming the file and offset.
final class RolloutLogRecoveryTests: XCTestCase {
    /// 30 records of 100...400 bytes over about three segments.
    func writeLog(seed: UInt64 = 1) throws -> WrittenLog {
        let log = try WrittenLog.write(to: temporaryLogDirectory(), count: 30, sizes: 100...400, seed: seed,
                                       maxSegmentBytes: 3000)
        XCTAssertGreaterThanOrEqual(log.lastSegment, 3)
        XCTAssertGreaterThanOrEqual(log.records(in: log.lastSegment).count, 3)
        return log
    }

    /// The reader returns all records but the last with one warning naming the last segment
    /// and the damaged record's offset; the writer then removes `expectedCut` bytes, and
    /// appends after it read back cleanly.
    func checkDamagedTail(_ log: WrittenLog, expectedCut: Int, warningMentions: String,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let last = log.positions.last!
        let name = LogDirectory.fileName(segment: last.segment)
        let reader = try RolloutLogReader(directory: log.directory)
        assertPayloads(try reader.readAll(), Array(log.payloads.dropLast()), file: file, line: line)
        XCTAssertEqual(reader.warnings.count, 1, file: file, line: line)
        let warning = reader.warnings.first ?? ""
        for expected in [name, "offset \(last.offset)", warningMentions] {
            XCTAssertTrue(warning.contains(expected), "'\(expected)' not in: \(warning)", file: file, line: line)
        }
        XCTAssertEqual(try reader.count(), 29, file: file, line: line)

        let writer = try RolloutLogWriter.open(directory: log.directory, policy: .always, maxSegmentBytes: 3000)
        XCTAssertEqual(writer.recovery?.segment, last.segment, file: file, line: line)
        XCTAssertEqual(writer.recovery?.path, log.segmentPath(last.segment), file: file, line: line)
        XCTAssertEqual(writer.recovery?.offset, last.offset, file: file, line: line)
        XCTAssertEqual(writer.recovery?.bytesRemoved, expectedCut, file: file, line: line)
        XCTAssertEqual(try log.size(of: last.segment), last.offset, file: file, line: line)
        XCTAssertEqual(writer.recordCount, 29, file: file, line: line)
        var random = TestRandom(seed: 99)
        let added = (0..<5).map { _ in random.bytes(random.int(0...300)) }
        let first = try writer.append(added[0])
        XCTAssertEqual(first, LogPosition(segment: last.segment, offset: last.offset, index: 29), file: file, line: line)
        for payload in added.dropFirst() { try writer.append(payload) }
        try writer.close()

        let again = try RolloutLogReader(directory: log.directory)
        assertPayloads(try again.readAll(), log.payloads.dropLast() + added, file: file, line: line)
        XCTAssertEqual(again.warnings, [], file: file, line: line)
        let reopened = try RolloutLogWriter.open(directory: log.directory)
        XCTAssertNil(reopened.recovery, file: file, line: line)
        XCTAssertEqual(reopened.recordCount, 34, file: file, line: line)
        try reopened.close()
    }

    /// A `kill -9` mid-append: the final record cut anywhere, in its payload or its header.
    func testTornTail() throws {
        let length = try writeLog().payloads.last!.count
        for cut in [1, 3, length - 1, length, length + 3] {
            let log = try writeLog()
            try log.truncate(segment: log.lastSegment, by: cut)
            try checkDamagedTail(log, expectedCut: RecordFormat.headerSize + length - cut,
                                 warningMentions: cut > length ? "torn header" : "torn record")
        }
    }

    /// A damaged final record, detected by its checksum (or, with a damaged length field,
    /// by its length no longer matching the file).
    func testCorruptTail() throws {
        let template = try writeLog()
        let last = template.positions.last!
        let length = template.payloads.last!.count
        func setLength(_ value: Int) -> (WrittenLog) throws -> Void {
            { try $0.overwrite(segment: $0.lastSegment, at: last.offset, with: withUnsafeBytes(of: UInt32(value).littleEndian, Array.init)) }
        }
        func flip(_ offset: Int) -> (WrittenLog) throws -> Void {
            { try $0.flipByte(segment: $0.lastSegment, at: offset) }
        }
        let cases: [(damage: (WrittenLog) throws -> Void, mentions: String)] = [
            (flip(last.offset + RecordFormat.headerSize + length / 2), "checksum mismatch"),   // payload
            (flip(last.offset + RecordFormat.headerSize + length - 1), "checksum mismatch"),   // its last byte
            (flip(last.offset + 5), "checksum mismatch"),                                      // stored checksum
            (setLength(length - 10), "checksum mismatch"),     // length field: shorter, so the checksum fails
            (setLength(length + 1), "torn record"),            // length field: longer than the file
        ]
        for (damage, mentions) in cases {
            let log = try writeLog()
            try damage(log)
            try checkDamagedTail(log, expectedCut: RecordFormat.headerSize + length, warningMentions: mentions)
        }
    }

    /// A zero-filled tail (file size made durable before its data) is not a run of empty
    /// records: with the masked checksum, eight zero bytes fail the check.
    func testZeroFilledTail() throws {
        let log = try writeLog()
        try log.appendRaw(segment: log.lastSegment, [UInt8](repeating: 0, count: 4096))
        let reader = try RolloutLogReader(directory: log.directory)
        assertPayloads(try reader.readAll(), log.payloads)
        XCTAssertEqual(reader.warnings.count, 1)
        let writer = try RolloutLogWriter.open(directory: log.directory)
        XCTAssertEqual(writer.recovery?.bytesRemoved, 4096)
        XCTAssertEqual(writer.recordCount, 30)
        try writer.close()
    }

    /// A header claiming 3 GB is rejected by its length before any allocation: at the end of
    /// the log a warning (and cut by the writer), in an earlier segment an error.
    func testOversizedLengthField() throws {
        var random = TestRandom(seed: 4)
        let log = try writeLog()
        let end = try log.size(of: log.lastSegment)
        try log.appendRaw(segment: log.lastSegment, [0x00, 0x00, 0x00, 0xC0, 1, 2, 3, 4] + random.bytes(100))
        let reader = try RolloutLogReader(directory: log.directory)
        assertPayloads(try reader.readAll(), log.payloads)
        XCTAssertEqual(reader.warnings.count, 1)
        XCTAssertTrue(reader.warnings[0].contains("length field 3221225472 exceeds"), reader.warnings[0])
        XCTAssertTrue(reader.warnings[0].contains("offset \(end)"), reader.warnings[0])
        let writer = try RolloutLogWriter.open(directory: log.directory)
        XCTAssertEqual(writer.recovery?.bytesRemoved, 108)
        try writer.close()

        let early = try writeLog()
        try early.overwrite(segment: 1, at: 0, with: [0x00, 0x00, 0x00, 0xC0])
        guard case .corruptRecord(let path, let offset, let detail) = rolloutLogError({
            try RolloutLogReader(directory: early.directory).readAll()
        }) else { return XCTFail("expected corruptRecord") }
        XCTAssertEqual(path, early.segmentPath(1))
        XCTAssertEqual(offset, 0)
        XCTAssertTrue(detail.contains("exceeds"), detail)
        guard case .corruptRecord(let writerPath, 0, _) = rolloutLogError({
            try RolloutLogWriter.open(directory: early.directory)
        }) else { return XCTFail("expected corruptRecord") }
        XCTAssertEqual(writerPath, early.segmentPath(1))
    }

    /// Damage inside segment 1 of 3+: an error naming the file and offset after the records
    /// before it; tolerated, a warning and everything from segment 2 on.
    func testCorruptionInAnEarlierSegment() throws {
        let log = try writeLog()
        let damaged = log.records(in: 1)[2]
        let position = log.positions[damaged]
        try log.flipByte(segment: 1, at: position.offset + RecordFormat.headerSize + 10)

        let reader = try RolloutLogReader(directory: log.directory)
        var read: [[UInt8]] = []
        do {
            while let record = try reader.next() { read.append(record.payload) }
            XCTFail("corruption was not detected")
        } catch let error as RolloutLogError {
            XCTAssertEqual(read, Array(log.payloads[..<damaged]))
            guard case .corruptRecord(let path, let offset, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, log.segmentPath(1))
            XCTAssertEqual(offset, position.offset)
            XCTAssertTrue(detail.contains("checksum mismatch"), detail)
            XCTAssertTrue(error.description.contains("segment-00000001.log: corrupt record at offset \(position.offset)"),
                          error.description)
        }
        XCTAssertNil(try reader.next())

        let tolerant = try RolloutLogReader(directory: log.directory, tolerateCorruption: true)
        let expected = Array(log.payloads[..<damaged]) + (log.records(in: 2).first!..<30).map { log.payloads[$0] }
        assertPayloads(try tolerant.readAll(), expected)
        XCTAssertEqual(tolerant.warnings.count, 1)
        XCTAssertTrue(tolerant.warnings[0].contains("segment-00000001.log: corrupt record at offset \(position.offset)"),
                      tolerant.warnings[0])
        XCTAssertEqual(try tolerant.count(), expected.count)

        // A resume that starts past the damage does not checksum the records it skips.
        let start = log.records(in: 3).first!
        assertPayloads(try RolloutLogReader(directory: log.directory, startingAt: start).readAll(),
                       Array(log.payloads[start...]))
    }

    /// Damage in the last segment followed by valid records is not a torn tail: readers and
    /// the writer refuse it (the writer without truncating anything), whether the checksum
    /// or the length field was hit.
    func testCorruptionInsideTheLastSegment() throws {
        for damage in ["payload", "length over limit", "length within file"] {
            let log = try writeLog()
            let records = log.records(in: log.lastSegment)
            let damaged = records[records.count - 2]
            let position = log.positions[damaged]
            switch damage {
            case "payload":
                try log.flipByte(segment: log.lastSegment, at: position.offset + RecordFormat.headerSize)
            case "length over limit":
                try log.overwrite(segment: log.lastSegment, at: position.offset, with: [0xF0, 0xFF, 0xFF, 0xFF])
            default:
                let longer = UInt32(log.payloads[damaged].count + 20)
                try log.overwrite(segment: log.lastSegment, at: position.offset, with: withUnsafeBytes(of: longer.littleEndian, Array.init))
            }
            let sizeBefore = try log.size(of: log.lastSegment)
            let nextOffset = log.positions[damaged + 1].offset
            let opens: [() throws -> Any] = [{ try RolloutLogReader(directory: log.directory).readAll() },
                                             { try RolloutLogWriter.open(directory: log.directory) }]
            for open in opens {
                guard case .corruptRecord(let path, let offset, let detail) = rolloutLogError(open) else {
                    return XCTFail("expected corruptRecord (\(damage))")
                }
                XCTAssertEqual(path, log.segmentPath(log.lastSegment))
                XCTAssertEqual(offset, position.offset)
                XCTAssertTrue(detail.contains("followed by a valid record at offset \(nextOffset)"), "\(damage): \(detail)")
            }
            XCTAssertEqual(try log.size(of: log.lastSegment), sizeBefore)
            let tolerant = try RolloutLogReader(directory: log.directory, tolerateCorruption: true)
            assertPayloads(try tolerant.readAll(), Array(log.payloads[..<damaged]))
            XCTAssertEqual(tolerant.warnings.count, 1)
        }
    }

    /// A valid record longer than a reader's `maxRecordBytes` is a configuration mismatch,
    /// never mistaken for a torn tail and never truncated.
    func testValidRecordOverTheLimitIsNotTruncated() throws {
        let log = try WrittenLog.write(to: temporaryLogDirectory(), count: 5, sizes: 100...400, maxSegmentBytes: 1 << 20)
        let size = try log.size(of: 1)
        let error = rolloutLogError { try RolloutLogWriter.open(directory: log.directory, maxRecordBytes: 50) }
        guard case .corruptRecord(_, 0, let detail) = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(detail.contains("larger maxRecordBytes"), detail)
        XCTAssertEqual(try log.size(of: 1), size)
        let reader = try RolloutLogReader(directory: log.directory, maxRecordBytes: 50)
        guard case .corruptRecord = rolloutLogError({ try reader.next() }) else { return XCTFail("expected corruptRecord") }
        XCTAssertEqual(try RolloutLogReader(directory: log.directory).count(), 5)
    }
}
