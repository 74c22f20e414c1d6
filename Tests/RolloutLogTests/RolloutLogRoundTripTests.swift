import Foundation
import TestSupport
import XCTest
@testable import RolloutLog

final class RolloutLogRoundTripTests: XCTestCase {
    /// 1000 payloads of 0...10 KiB in ~200 KB segments: everything read back, in order, with
    /// the positions `append` returned, and every segment within its size limit.
    func testRoundTripAcrossSegments() throws {
        let directory = temporaryLogDirectory()
        let maxSegmentBytes = 200_000
        let log = try WrittenLog.write(to: directory, count: 1000, sizes: 0...10_240, seed: 42,
                                       maxSegmentBytes: maxSegmentBytes)
        XCTAssertGreaterThanOrEqual(log.lastSegment, 10)

        // Positions: global indices 0..<1000; within a segment each record starts where the
        // previous one ended; a new segment starts at offset 0 only when the record would not fit.
        for (i, position) in log.positions.enumerated() {
            XCTAssertEqual(position.index, i)
            guard i > 0 else { XCTAssertEqual(position, LogPosition(segment: 1, offset: 0, index: 0)); continue }
            let previous = log.positions[i - 1]
            let previousEnd = previous.offset + RecordFormat.headerSize + log.payloads[i - 1].count
            if position.segment == previous.segment {
                XCTAssertEqual(position.offset, previousEnd)
            } else {
                XCTAssertEqual(position.segment, previous.segment + 1)
                XCTAssertEqual(position.offset, 0)
                XCTAssertGreaterThan(previousEnd + RecordFormat.headerSize + log.payloads[i].count, maxSegmentBytes)
            }
        }
        for segment in 1...log.lastSegment {
            let records = log.records(in: segment)
            let expected = records.reduce(0) { $0 + RecordFormat.headerSize + log.payloads[$1].count }
            XCTAssertEqual(try log.size(of: segment), expected, "segment \(segment)")
            XCTAssertLessThanOrEqual(expected, maxSegmentBytes)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, (1...log.lastSegment).map { String(format: "segment-%08d.log", $0) })

        let reader = try RolloutLogReader(directory: directory)
        let records = try reader.readAll()
        assertPayloads(records, log.payloads)
        XCTAssertEqual(records.map(\.position), log.positions)
        XCTAssertEqual(reader.warnings, [])
        XCTAssertNil(try reader.next())
        XCTAssertEqual(try reader.count(), 1000)

        // Reopening continues the numbering after the last record, in the last segment.
        let writer = try RolloutLogWriter.open(directory: directory, policy: .never, maxSegmentBytes: maxSegmentBytes)
        XCTAssertNil(writer.recovery)
        XCTAssertEqual(writer.recordCount, 1000)
        let next = try writer.append(Array("one more".utf8))
        XCTAssertEqual(next.index, 1000)
        XCTAssertEqual(next.segment, log.lastSegment)
        XCTAssertEqual(next.offset, try log.size(of: log.lastSegment) - 16)
        try writer.close()
        XCTAssertEqual(try RolloutLogReader(directory: directory).readAll().last?.payload, Array("one more".utf8))
    }

    /// Resuming from a checkpoint's record count yields exactly the remaining records.
    func testReadingFromARecordIndexReturnsTheSuffix() throws {
        let directory = temporaryLogDirectory()
        let log = try WrittenLog.write(to: directory, count: 120, sizes: 0...3000, seed: 3, maxSegmentBytes: 20_000)
        XCTAssertGreaterThanOrEqual(log.lastSegment, 4)
        let firstOfSegment3 = log.records(in: 3).first!
        for start in [0, 1, 17, firstOfSegment3 - 1, firstOfSegment3, firstOfSegment3 + 1, 119, 120] {
            let reader = try RolloutLogReader(directory: directory, startingAt: start)
            let records = try reader.readAll()
            assertPayloads(records, Array(log.payloads[start...]), "start \(start)")
            XCTAssertEqual(records.map(\.position), Array(log.positions[start...]), "start \(start)")
            XCTAssertEqual(reader.warnings, [])
        }
        let error = rolloutLogError { try RolloutLogReader(directory: directory, startingAt: 121) }
        XCTAssertEqual(error, .startBeyondEnd(directory: directory.path, requested: 121, available: 120))
    }

    /// `.always` syncs every append (and the directory at each new segment); functionally the
    /// records are all there, also to a reader while the writer is still open.
    func testFsyncAlwaysAndEveryRecords() throws {
        for policy in [FsyncPolicy.always, .everyRecords(7)] {
            let directory = temporaryLogDirectory()
            var random = TestRandom(seed: 5)
            let writer = try RolloutLogWriter.open(directory: directory, policy: policy, maxSegmentBytes: 4096)
            XCTAssertEqual(writer.policy, policy)
            var payloads: [[UInt8]] = []
            for _ in 0..<40 {
                let payload = random.bytes(random.int(0...600))
                try writer.append(payload)
                payloads.append(payload)
            }
            XCTAssertGreaterThan(writer.segment, 2)
            assertPayloads(try RolloutLogReader(directory: directory).readAll(), payloads, "\(policy)")
            try writer.close()
            XCTAssertThrowsError(try writer.append([1, 2, 3]))
            XCTAssertEqual(try RolloutLogReader(directory: directory).count(), 40)
        }
    }

    func testEmptyLogAndDataPayloads() throws {
        let directory = temporaryLogDirectory()
        let writer = try RolloutLogWriter.open(directory: directory)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("segment-00000001.log").path))
        let empty = try RolloutLogReader(directory: directory)
        XCTAssertNil(try empty.next())
        XCTAssertEqual(try empty.count(), 0)
        XCTAssertEqual(empty.warnings, [])

        try writer.append(Data("{\"group\":1}".utf8))
        try writer.append([UInt8]())
        try writer.close()
        let records = try RolloutLogReader(directory: directory).readAll()
        assertPayloads(records, [Array("{\"group\":1}".utf8), []])
    }

    func testRecordSizeLimits() throws {
        let directory = temporaryLogDirectory()
        let writer = try RolloutLogWriter.open(directory: directory, policy: .never, maxSegmentBytes: 64, maxRecordBytes: 500)
        XCTAssertEqual(rolloutLogError { try writer.append([UInt8](repeating: 1, count: 501)) },
                       .recordTooLarge(bytes: 501, limit: 500))
        // A record bigger than a segment gets a segment of its own.
        let small = try writer.append([UInt8](repeating: 2, count: 10))
        let big = try writer.append([UInt8](repeating: 3, count: 500))
        let after = try writer.append([UInt8](repeating: 4, count: 10))
        XCTAssertEqual([small.segment, big.segment, after.segment], [1, 2, 3])
        XCTAssertEqual([small.index, big.index, after.index], [0, 1, 2])
        try writer.close()
        XCTAssertEqual(try RolloutLogReader(directory: directory).readAll().map(\.payload.count), [10, 500, 10])
    }

    func testOneWriterPerDirectory() throws {
        let directory = temporaryLogDirectory()
        let writer = try RolloutLogWriter.open(directory: directory)
        XCTAssertEqual(rolloutLogError { try RolloutLogWriter.open(directory: directory) }, .locked(directory: directory.path))
        try writer.close()
        let second = try RolloutLogWriter.open(directory: directory)
        try second.close()
    }

    func testMissingDirectoryAndSegmentGaps() throws {
        let directory = temporaryLogDirectory()
        guard case .io(_, _, let code) = rolloutLogError({ try RolloutLogReader(directory: directory) }) else {
            return XCTFail("expected an I/O error")
        }
        XCTAssertEqual(code, ENOENT)
        let log = try WrittenLog.write(to: directory, count: 30, sizes: 100...200, maxSegmentBytes: 1000)
        try FileManager.default.removeItem(atPath: log.segmentPath(2))
        let opens: [() throws -> Void] = [{ _ = try RolloutLogReader(directory: directory) },
                                          { _ = try RolloutLogWriter.open(directory: directory) }]
        for open in opens {
            guard case .missingSegment(_, let detail) = rolloutLogError(open) else { return XCTFail("expected missingSegment") }
            XCTAssertTrue(detail.contains("segment-00000002.log is missing"), detail)
        }
    }

    /// Informational: append throughput with 20 KB payloads (debug builds are much slower).
    func testAppendThroughput() throws {
        var random = TestRandom(seed: 9)
        let payload = random.bytes(20_000)
        for (policy, count) in [(FsyncPolicy.never, 1000), (.always, 100)] {
            let directory = temporaryLogDirectory()
            let writer = try RolloutLogWriter.open(directory: directory, policy: policy)
            let start = Date()
            for _ in 0..<count { try writer.append(payload) }
            let seconds = Date().timeIntervalSince(start)
            try writer.close()
            let megabytes = Double(count * payload.count) / 1e6
            print(String(format: "RolloutLog append, fsync %@: %d × 20 KB in %.3f s = %.1f MB/s",
                         policy.description, count, seconds, megabytes / seconds))
            XCTAssertEqual(try RolloutLogReader(directory: directory).count(), count)
        }
    }
}
