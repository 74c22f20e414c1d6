import Foundation
import TestSupport
import XCTest
@testable import RolloutLog

extension XCTestCase {
    /// A fresh directory path (not yet created) under the system temporary directory,
    /// removed after the test.
    func temporaryLogDirectory() -> URL {
        let parent = FileManager.default.temporaryDirectory
            .appendingPathComponent("RolloutLogTests-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: parent) }
        return parent.appendingPathComponent("log", isDirectory: true)
    }
}

/// A log written for a test, with what was appended.
struct WrittenLog {
    let directory: URL
    var payloads: [[UInt8]]
    var positions: [LogPosition]

    /// Writes `count` seeded random payloads of `sizes` bytes with small segments.
    static func write(to directory: URL, count: Int, sizes: ClosedRange<Int>, seed: UInt64 = 1,
                      maxSegmentBytes: Int, policy: FsyncPolicy = .never) throws -> WrittenLog {
        var random = TestRandom(seed: seed)
        let writer = try RolloutLogWriter.open(directory: directory, policy: policy, maxSegmentBytes: maxSegmentBytes)
        var log = WrittenLog(directory: directory, payloads: [], positions: [])
        for _ in 0..<count {
            let payload = random.bytes(random.int(sizes))
            log.positions.append(try writer.append(payload))
            log.payloads.append(payload)
        }
        try writer.close()
        return log
    }

    func segmentPath(_ segment: Int) -> String { LogDirectory.path(directory.path, segment: segment) }

    var lastSegment: Int { positions.last!.segment }

    func size(of segment: Int) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: segmentPath(segment))[.size] as! NSNumber).intValue
    }

    /// Cuts `bytes` off the end of a segment, as a `kill -9` mid-append would leave it.
    func truncate(segment: Int, by bytes: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: segmentPath(segment)))
        try handle.truncate(atOffset: UInt64(try size(of: segment) - bytes))
        try handle.close()
    }

    /// Inverts the bits of one byte of a segment.
    func flipByte(segment: Int, at offset: Int) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segmentPath(segment))))
        bytes[offset] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: segmentPath(segment)))
    }

    /// Overwrites bytes of a segment at `offset`.
    func overwrite(segment: Int, at offset: Int, with replacement: [UInt8]) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segmentPath(segment))))
        bytes.replaceSubrange(offset..<(offset + replacement.count), with: replacement)
        try Data(bytes).write(to: URL(fileURLWithPath: segmentPath(segment)))
    }

    /// Appends raw bytes to the end of a segment.
    func appendRaw(segment: Int, _ extra: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: segmentPath(segment)))
        try handle.seekToEnd()
        try handle.write(contentsOf: extra)
        try handle.close()
    }

    /// Indices of the records in `segment`.
    func records(in segment: Int) -> [Int] {
        positions.indices.filter { positions[$0].segment == segment }
    }
}

/// The error `body` throws, as a RolloutLogError (failing the test for any other outcome).
func rolloutLogError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> RolloutLogError? {
    do {
        _ = try body()
        XCTFail("expected a RolloutLogError", file: file, line: line)
    } catch let error as RolloutLogError {
        return error
    } catch {
        XCTFail("expected a RolloutLogError, got \(error)", file: file, line: line)
    }
    return nil
}

/// Compares payloads read back with those expected, reporting counts and the first
/// difference rather than printing every byte.
func assertPayloads<C: Collection>(_ records: [LogRecord], _ expected: C, _ message: String = "",
                                   file: StaticString = #filePath, line: UInt = #line) where C.Element == [UInt8] {
    let expected = Array(expected)
    if let i = (0..<min(records.count, expected.count)).first(where: { records[$0].payload != expected[$0] }) {
        XCTFail("\(message) record \(i) differs (\(records[i].payload.count) bytes read, \(expected[i].count) expected)",
                file: file, line: line)
    } else if records.count != expected.count {
        XCTFail("\(message) read \(records.count) records, expected \(expected.count)", file: file, line: line)
    }
}
