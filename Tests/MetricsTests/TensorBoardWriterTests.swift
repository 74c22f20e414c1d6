import Foundation
import XCTest
@testable import Metrics

final class TensorBoardWriterTests: XCTestCase {
    static let start = Date(timeIntervalSince1970: 1_700_000_000.25)

    /// The file is named as TensorFlow names it, and holds exactly the framed file_version
    /// event, whose bytes are the protobuf library's (SummaryEventTests.references).
    func testFileNameAndFileVersionRecord() throws {
        let directory = try MetricsTestSupport.temporaryDirectory(self) + "/nested/tensorboard"
        let writer = try TensorBoardWriter(logDirectory: directory, clock: { Self.start })
        let host = TensorBoardWriter.hostName()
        XCTAssertFalse(host.isEmpty)
        XCTAssertEqual(writer.path, directory + "/events.out.tfevents.1700000000." + host)
        let fileVersionHex = try XCTUnwrap(SummaryEventTests.references.first { $0.name == "file_version" }).hex
        XCTAssertEqual(try MetricsTestSupport.contents(writer.path),
                       TFRecordWriter.frame(MetricsTestSupport.bytes(hex: fileVersionHex)),
                       "the header is flushed as soon as the file exists")
        try writer.close()
    }

    func testEventsAreFramedInOrderWithTheClocksWallTime() throws {
        let directory = try MetricsTestSupport.temporaryDirectory(self)
        var now = Self.start
        let writer = try TensorBoardWriter(logDirectory: directory, clock: { now })
        now = now.addingTimeInterval(1.25)
        try writer.addScalars(step: 7, [(tag: "reward", value: 0.75), (tag: "kl", value: 0.001)])
        try writer.addScalars(step: 7, [])
        now = now.addingTimeInterval(1)
        try writer.addText(step: 7, tag: "sample", text: "*hi*")
        try writer.addScalar(step: 8, tag: "reward", value: 1)
        let header = TFRecordWriter.frame(SummaryEvent.fileVersion(wallTime: Self.start.timeIntervalSince1970).serialized())
        XCTAssertEqual(try MetricsTestSupport.contents(writer.path), header, "buffered until flush()")
        try writer.flush()
        let t = Self.start.timeIntervalSince1970
        let events = [
            SummaryEvent(wallTime: t + 1.25, step: 7, payload: .summary([.scalar(tag: "reward", value: 0.75),
                                                                          .scalar(tag: "kl", value: Float(0.001 as Double))])),
            SummaryEvent(wallTime: t + 2.25, step: 7, payload: .summary([.text(tag: "sample", text: "*hi*")])),
            SummaryEvent(wallTime: t + 2.25, step: 8, payload: .summary([.scalar(tag: "reward", value: 1)])),
        ]
        XCTAssertEqual(try MetricsTestSupport.contents(writer.path),
                       header + events.flatMap { TFRecordWriter.frame($0.serialized()) })
        try writer.close()
        XCTAssertThrowsError(try writer.addScalar(step: 9, tag: "reward", value: 0)) {
            XCTAssertEqual($0 as? MetricsError, .closed(path: writer.path))
        }
    }

    /// A second writer in the same second must not append to the first one's file.
    func testWritersStartedInTheSameSecondGetDistinctFiles() throws {
        let directory = try MetricsTestSupport.temporaryDirectory(self)
        let first = try TensorBoardWriter(logDirectory: directory, clock: { Self.start })
        let second = try TensorBoardWriter(logDirectory: directory, clock: { Self.start })
        let third = try TensorBoardWriter(logDirectory: directory, clock: { Self.start })
        XCTAssertEqual(second.path, first.path + ".1")
        XCTAssertEqual(third.path, first.path + ".2")
        for writer in [first, second, third] { try writer.close() }
    }

    func testUncreatableDirectoryIsNamed() throws {
        let file = try MetricsTestSupport.temporaryDirectory(self) + "/plain-file"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data([1])))
        let directory = file + "/tensorboard"
        XCTAssertThrowsError(try TensorBoardWriter(logDirectory: directory)) { error in
            guard case .cannotCreateDirectory(let path, _)? = error as? MetricsError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(path, directory)
            XCTAssertTrue("\(error)".hasPrefix(directory + ": cannot create the directory"), "\(error)")
        }
    }
}
