import Foundation

/// Reads a rollout log's records in order, across all segments.
///
///     let reader = try RolloutLogReader(directory: url, startingAt: consumed)
///     while let record = try reader.next() { ... record.payload ... }
///     for warning in reader.warnings { log(warning) }
///
/// A damaged record at the end of the last segment (a crash mid-append) ends the log with a
/// warning. Damage anywhere else throws `RolloutLogError.corruptRecord` naming the file and
/// offset; with `tolerateCorruption` it instead adds a warning and continues with the next
/// segment, so the records after the damage in that segment are lost and the global indices
/// of everything after them shift down (a checkpoint's record count no longer lines up).
///
/// The set of segments is listed when the reader is made, and each segment's size when the
/// reader reaches it: reading a live log yields a consistent prefix of it, and a record the
/// writer is half-way through may show up as a damaged tail.
public final class RolloutLogReader {
    public let directory: URL
    public let tolerateCorruption: Bool
    public let maxRecordBytes: Int
    /// The global index of the first record `next()` returns.
    public let startIndex: Int
    /// The segment numbers found, 1...n.
    public let segments: [Int]
    /// One line per damaged region skipped, naming the segment file and byte offset.
    public private(set) var warnings: [String] = []

    private var segmentIndex = 0
    private var scanner: SegmentScanner?
    /// Global index of the next record the scan meets.
    private var nextIndex = 0
    private var finished = false

    /// Opens the log and positions it at global record `startIndex` (for a resume, the number
    /// of records consumed so far). Records before it are skipped by their headers, without
    /// reading or checksumming their payloads, except in the last segment, which is always
    /// verified so a damaged tail is not counted. Throws `startBeyondEnd` when the log holds
    /// fewer than `startIndex` records: records the checkpoint had consumed are missing.
    public init(directory: URL, startingAt startIndex: Int = 0, tolerateCorruption: Bool = false,
                maxRecordBytes: Int = RecordFormat.defaultMaxRecordBytes) throws {
        guard startIndex >= 0 else { throw RolloutLogError.invalidConfiguration("startIndex must not be negative") }
        self.directory = directory
        self.tolerateCorruption = tolerateCorruption
        self.maxRecordBytes = maxRecordBytes
        self.startIndex = startIndex
        segments = try LogDirectory.segments(in: directory.path)
        while nextIndex < startIndex {
            guard try step(verify: false) != nil else {
                throw RolloutLogError.startBeyondEnd(directory: directory.path, requested: startIndex, available: nextIndex)
            }
        }
    }

    /// The next record, or nil at the end of the log. After an error, nil.
    public func next() throws -> LogRecord? {
        guard let (position, payload) = try step(verify: true) else { return nil }
        return LogRecord(position: position, payload: payload ?? [])
    }

    /// Every remaining record.
    public func readAll() throws -> [LogRecord] {
        var records: [LogRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// Calls `body` with each remaining record.
    public func forEach(_ body: (LogRecord) throws -> Void) throws {
        while let record = try next() { try body(record) }
    }

    /// The number of records in the whole log, all verified, from a separate pass with this
    /// reader's settings (this reader's own position is unaffected).
    public func count() throws -> Int {
        let pass = try RolloutLogReader(directory: directory, tolerateCorruption: tolerateCorruption,
                                        maxRecordBytes: maxRecordBytes)
        var n = 0
        while try pass.step(verify: true) != nil { n += 1 }
        return n
    }

    /// Advances to the next valid record. With `verify` false (only while skipping to the
    /// start index) records outside the last segment are checked for framing only.
    private func step(verify: Bool) throws -> (LogPosition, [UInt8]?)? {
        do {
            while !finished {
                guard segmentIndex < segments.count else {
                    finished = true
                    break
                }
                let number = segments[segmentIndex]
                let isLast = segmentIndex == segments.count - 1
                let scanner = try self.scanner ?? SegmentScanner(
                    file: LogFile(path: LogDirectory.path(directory.path, segment: number), flags: O_RDONLY),
                    maxRecordBytes: maxRecordBytes)
                self.scanner = scanner
                switch try scanner.next(verify: verify || isLast) {
                case .record(let offset, let payload):
                    nextIndex += 1
                    return (LogPosition(segment: number, offset: offset, index: nextIndex - 1), payload)
                case .end:
                    advanceSegment()
                case .defect(let offset, let defect):
                    try handle(defect, at: offset, in: scanner, isLast: isLast)
                    advanceSegment()
                }
            }
            return nil
        } catch {
            finished = true
            scanner = nil
            throw error
        }
    }

    private func advanceSegment() {
        scanner = nil
        segmentIndex += 1
    }

    /// Turns a defect into a warning (a crash's torn tail, or anything under
    /// `tolerateCorruption`) or an error.
    private func handle(_ defect: RecordDefect, at offset: Int, in scanner: SegmentScanner, isLast: Bool) throws {
        let path = scanner.path
        var isTail = false
        var context = " in a segment that is not the last"
        if isLast {
            if case .validRecordOverLimit = defect {
                context = " (raise maxRecordBytes to read it)"
            } else {
                let following = try scanner.following(defectAt: offset, defect)
                isTail = following == .nothing
                context = describe(following)
            }
        }
        if isTail {
            let kind = defect.isTorn ? "an append cut short" : "a damaged final append"
            warnings.append("\(path): \(defect) at offset \(offset), at the end of the log; "
                + "ignored the last \(scanner.size - offset) bytes as \(kind)")
            return
        }
        guard tolerateCorruption else {
            throw RolloutLogError.corruptRecord(path: path, offset: offset, detail: "\(defect)" + context)
        }
        warnings.append("\(path): corrupt record at offset \(offset): \(defect)\(context); "
            + "skipped the remaining \(scanner.size - offset) bytes of the segment")
    }
}
