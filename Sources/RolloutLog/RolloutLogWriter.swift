import Foundation

/// Appends records to a rollout log directory (see `RolloutLogModule` for the layout).
///
/// Opening a log that a crash left with a damaged final record cuts that record off, so new
/// records follow valid data; `recovery` says what was cut. Each `append` is one positioned
/// `pwrite` of the whole framed record; when it fails part-way the partial record is truncated
/// away again before the error is thrown. An append that throws may nevertheless have reached
/// the log (a write that succeeded before its `fsync` failed), so a payload that must not be
/// applied twice should carry its own identifier.
///
/// Not thread-safe: one thread appends. Only one writer per directory (an `flock` on it).
public final class RolloutLogWriter {
    public let directory: URL
    public let policy: FsyncPolicy
    public let maxSegmentBytes: Int
    public let maxRecordBytes: Int
    /// What opening the log had to cut off the last segment; nil when it ended cleanly.
    public let recovery: LogRecovery?
    /// Records in the log: the global index the next append will get.
    public private(set) var recordCount: Int
    /// The segment being appended to.
    public private(set) var segment: Int
    /// Bytes in that segment: the offset the next record will get, unless it rolls over.
    public private(set) var segmentBytes: Int

    /// Open for `fsync` on segment creation, and holding the directory's lock.
    private let directoryFile: LogFile
    private var file: LogFile?
    private var unsyncedRecords = 0
    /// Why appends are refused, once the writer is closed or its state is unknown.
    private var unusableReason: String?

    private init(directory: URL, policy: FsyncPolicy, maxSegmentBytes: Int, maxRecordBytes: Int,
                 recovery: LogRecovery?, recordCount: Int, segment: Int, segmentBytes: Int,
                 directoryFile: LogFile, file: LogFile) {
        self.directory = directory
        self.policy = policy
        self.maxSegmentBytes = maxSegmentBytes
        self.maxRecordBytes = maxRecordBytes
        self.recovery = recovery
        self.recordCount = recordCount
        self.segment = segment
        self.segmentBytes = segmentBytes
        self.directoryFile = directoryFile
        self.file = file
    }

    /// Opens the log in `directory`, creating the directory (and segment 1) if needed.
    ///
    /// Earlier segments are walked header by header to count their records (their payloads
    /// are not checksummed; a reader does that); the last segment is fully verified, and a
    /// damaged tail with no valid record after it is truncated. Damage followed by valid data
    /// is not a crash artefact, and the open fails rather than destroy acknowledged records.
    /// A segment may exceed `maxSegmentBytes` only by holding a single larger record.
    public static func open(directory: URL, policy: FsyncPolicy = .always,
                            maxSegmentBytes: Int = 64 << 20,
                            maxRecordBytes: Int = RecordFormat.defaultMaxRecordBytes) throws -> RolloutLogWriter {
        guard maxSegmentBytes > 0 else {
            throw RolloutLogError.invalidConfiguration("maxSegmentBytes must be positive, not \(maxSegmentBytes)")
        }
        guard maxRecordBytes >= 0, maxRecordBytes <= RecordFormat.largestEncodableRecord else {
            throw RolloutLogError.invalidConfiguration(
                "maxRecordBytes must be in 0...\(RecordFormat.largestEncodableRecord), not \(maxRecordBytes)")
        }
        if case .everyRecords(let n) = policy, n < 1 {
            throw RolloutLogError.invalidConfiguration("FsyncPolicy.everyRecords needs n >= 1, not \(n)")
        }
        let path = directory.path
        try createDirectory(path, durably: policy != .never)
        let directoryFile = try LogFile.directory(path)
        guard try directoryFile.tryLockExclusive() else { throw RolloutLogError.locked(directory: path) }

        let segments = try LogDirectory.segments(in: path)
        var recordCount = 0
        for number in segments.dropLast() {
            recordCount += try countFramedRecords(LogDirectory.path(path, segment: number), maxRecordBytes: maxRecordBytes)
        }
        guard let last = segments.last else {
            let file = try LogFile(path: LogDirectory.path(path, segment: 1), flags: O_RDWR | O_CREAT | O_EXCL)
            if policy != .never { try directoryFile.syncDirectory() }
            return RolloutLogWriter(directory: directory, policy: policy, maxSegmentBytes: maxSegmentBytes,
                                    maxRecordBytes: maxRecordBytes, recovery: nil, recordCount: 0, segment: 1,
                                    segmentBytes: 0, directoryFile: directoryFile, file: file)
        }

        let file = try LogFile(path: LogDirectory.path(path, segment: last), flags: O_RDWR)
        let scanner = try SegmentScanner(file: file, maxRecordBytes: maxRecordBytes)
        var recovery: LogRecovery?
        scan: while true {
            switch try scanner.next(verify: true) {
            case .record:
                recordCount += 1
            case .end:
                break scan
            case .defect(let offset, let defect):
                if case .validRecordOverLimit = defect {
                    throw RolloutLogError.corruptRecord(path: file.path, offset: offset, detail: "\(defect)")
                }
                let following = try scanner.following(defectAt: offset, defect)
                guard following == .nothing else {
                    throw RolloutLogError.corruptRecord(
                        path: file.path, offset: offset,
                        detail: "\(defect)" + describe(following) + "; refusing to truncate the log")
                }
                try file.truncate(to: offset)
                try file.sync()
                recovery = LogRecovery(segment: last, path: file.path, offset: offset,
                                       bytesRemoved: scanner.size - offset, reason: "\(defect)")
                break scan
            }
        }
        // Records a previous process left to the OS's write-back become durable before any
        // appended after them (and before a roll-over could start a segment after them).
        if scanner.offset > 0 && recovery == nil { try file.sync() }
        return RolloutLogWriter(directory: directory, policy: policy, maxSegmentBytes: maxSegmentBytes,
                                maxRecordBytes: maxRecordBytes, recovery: recovery, recordCount: recordCount,
                                segment: last, segmentBytes: scanner.offset, directoryFile: directoryFile, file: file)
    }

    /// Appends one record; returns where it went. Under `.always` the record is durable when
    /// this returns.
    @discardableResult
    public func append(_ payload: UnsafeRawBufferPointer) throws -> LogPosition {
        if let unusableReason {
            throw RolloutLogError.writerUnusable(directory: directory.path, reason: unusableReason)
        }
        guard payload.count <= maxRecordBytes else {
            throw RolloutLogError.recordTooLarge(bytes: payload.count, limit: maxRecordBytes)
        }
        let recordBytes = RecordFormat.headerSize + payload.count
        if segmentBytes > 0 && recordBytes > maxSegmentBytes - segmentBytes {
            try guarded { try rollOver() }
        }
        guard let file else { throw RolloutLogError.writerUnusable(directory: directory.path, reason: "no open segment") }
        let record = RecordFormat.encode(payload)
        let offset = segmentBytes
        do {
            try record.withUnsafeBytes { try file.write($0, at: offset) }
        } catch {
            // A partial record would sit in front of every later one: cut it off. If even that
            // fails, the segment's contents are unknown and the writer must be reopened.
            do { try file.truncate(to: offset) } catch {
                unusableReason = "a failed write could not be undone (\(error))"
            }
            throw error
        }
        segmentBytes += recordBytes
        let position = LogPosition(segment: segment, offset: offset, index: recordCount)
        recordCount += 1
        unsyncedRecords += 1
        switch policy {
        case .always:
            try guarded { try sync() }
        case .everyRecords(let n) where unsyncedRecords >= n:
            try guarded { try sync() }
        default:
            break
        }
        return position
    }

    @discardableResult
    public func append(_ payload: [UInt8]) throws -> LogPosition {
        try payload.withUnsafeBytes { try append($0) }
    }

    @discardableResult
    public func append(_ payload: Data) throws -> LogPosition {
        try payload.withUnsafeBytes { try append($0) }
    }

    /// Makes every record appended so far durable, whatever the policy.
    public func sync() throws {
        guard let file else { return }
        try file.sync()
        unsyncedRecords = 0
    }

    /// Syncs outstanding records (except under `.never`), closes the segment and releases the
    /// directory lock. Further appends throw.
    /// Dropping a writer without `close` closes its files but syncs nothing.
    public func close() throws {
        defer {
            self.file = nil
            unusableReason = "the writer is closed"
            try? directoryFile.close()   // releases the lock; a read-only descriptor holds no data to lose
        }
        guard let file else { return }
        if policy != .never && unsyncedRecords > 0 { try file.sync() }
        try file.close()
    }

    /// Runs `body`; if it throws, the writer refuses further appends. After a failed `fsync`
    /// Linux may already have dropped the unwritten pages, so retrying could report success
    /// for data that is gone: reopening re-verifies the log instead.
    private func guarded(_ body: () throws -> Void) throws {
        do { try body() } catch {
            unusableReason = "\(error)"
            throw error
        }
    }

    /// Closes the full segment and starts the next. The full segment is synced first under
    /// every policy: once a later segment exists, no earlier one may be torn by a crash.
    private func rollOver() throws {
        guard let file else { return }
        if unsyncedRecords > 0 { try file.sync() }
        try file.close()
        self.file = nil
        self.file = try LogFile(path: LogDirectory.path(directory.path, segment: segment + 1),
                             flags: O_RDWR | O_CREAT | O_EXCL)
        segment += 1
        segmentBytes = 0
        unsyncedRecords = 0
        if policy != .never { try directoryFile.syncDirectory() }
    }

    /// Creates `path` (and missing parents); when `durably`, fsyncs its parent so the new
    /// directory's entry survives a crash (parents created along with it are not synced).
    private static func createDirectory(_ path: String, durably: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RolloutLogError.io(path: path, operation: "open directory", errno: ENOTDIR) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RolloutLogError.io(path: path, operation: "create directory (\(error.localizedDescription))", errno: EIO)
        }
        if durably {
            let parent = (path as NSString).deletingLastPathComponent
            try LogFile.directory(parent.isEmpty ? "." : parent).syncDirectory()
        }
    }

    /// Records in a segment that is not the last, by walking the headers. Any defect is an
    /// error: the writer fsyncs a segment before starting the next, so it cannot be a crash.
    private static func countFramedRecords(_ path: String, maxRecordBytes: Int) throws -> Int {
        let scanner = try SegmentScanner(file: LogFile(path: path, flags: O_RDONLY), maxRecordBytes: maxRecordBytes)
        var count = 0
        while true {
            switch try scanner.next(verify: false) {
            case .record: count += 1
            case .end: return count
            case .defect(let offset, let defect):
                throw RolloutLogError.corruptRecord(path: path, offset: offset,
                                                    detail: "\(defect) in a segment that is not the last")
            }
        }
    }
}

/// The clause of an error message saying what was found after a defect.
func describe(_ following: SegmentScanner.Following) -> String {
    switch following {
    case .nothing: return ""
    case .validRecord(let offset): return ", followed by a valid record at offset \(offset)"
    case .undetermined: return ", and valid records may follow it"
    }
}
