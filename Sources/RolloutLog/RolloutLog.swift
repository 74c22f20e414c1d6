/// The learner's append-only log of accepted rollout groups.
///
/// The learner appends each accepted group here *before* acknowledging it to the worker, so
/// the log, not the worker, is the record of what was accepted; a restarted learner replays
/// it from the number of records its checkpoint says it had consumed.
///
/// On disk a log is a directory of segment files `segment-00000001.log`,
/// `segment-00000002.log`, ... numbered from 1 without gaps, each a run of records framed as
/// described in `RecordFormat` (length, checksum, payload). Payloads are opaque bytes.
///
/// Crash model. A `kill -9` or power loss can leave the last record of the last segment cut
/// short or garbled (including zero-filled); nothing else. The writer fsyncs a segment before
/// creating the next, whatever its policy, so earlier segments are always complete. Hence:
/// - a damaged record at the end of the last segment is a crash artefact: readers skip it with
///   a warning and the writer truncates it on open (reporting what it cut in `recovery`);
/// - damage anywhere else (in an earlier segment, or followed by a valid record) is data
///   loss: an error naming the file and offset, unless a reader is told to tolerate it.
///
/// One writer per directory at a time, enforced with an advisory lock on the directory.
/// Readers take no lock and may read while the writer appends.
enum RolloutLogModule {}

/// When the writer makes appended records durable with `fsync`.
public enum FsyncPolicy: Equatable, Sendable, CustomStringConvertible {
    /// Sync the segment after every append, and the directory whenever a segment is created,
    /// before `append` returns: a record is on disk once `append` has returned.
    case always
    /// Sync after every `n` appends (and on `close`); a crash loses at most the last `n - 1`
    /// appends that had returned.
    case everyRecords(Int)
    /// Leave write-back to the OS, except that a segment is still synced once when the
    /// writer rolls over to the next one (so only the last segment can be torn).
    case never

    public var description: String {
        switch self {
        case .always: return "always"
        case .everyRecords(let n): return "every \(n) records"
        case .never: return "never"
        }
    }
}

/// Where a record is: its segment, the byte offset of its header in that segment file, and
/// its global index (0-based, counting every record of every earlier segment).
public struct LogPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let segment: Int
    public let offset: Int
    public let index: Int

    public init(segment: Int, offset: Int, index: Int) {
        self.segment = segment
        self.offset = offset
        self.index = index
    }

    public static func < (a: LogPosition, b: LogPosition) -> Bool { a.index < b.index }

    public var description: String {
        "record \(index) (\(LogDirectory.fileName(segment: segment)) offset \(offset))"
    }
}

/// One record read back from the log.
public struct LogRecord: Equatable, Sendable {
    public let position: LogPosition
    public let payload: [UInt8]

    public init(position: LogPosition, payload: [UInt8]) {
        self.position = position
        self.payload = payload
    }
}

/// What a writer cut off the end of the last segment when it opened a log after a crash.
public struct LogRecovery: Equatable, Sendable, CustomStringConvertible {
    public let segment: Int
    public let path: String
    /// The segment's new length: the end of its last valid record, where the cut began.
    public let offset: Int
    public let bytesRemoved: Int
    /// What was found at `offset` (a torn record, a checksum mismatch, ...).
    public let reason: String

    public var description: String {
        "\(path): removed \(bytesRemoved) bytes from offset \(offset) (\(reason))"
    }
}

extension FsyncPolicy: Codable {
    /// The configuration's spelling: `always`, `never` or `every:N` (N ≥ 1).
    public init?(setting text: String) {
        switch text {
        case "always": self = .always
        case "never": self = .never
        default:
            guard text.hasPrefix("every:"), let n = Int(text.dropFirst("every:".count)), n >= 1 else { return nil }
            self = .everyRecords(n)
        }
    }

    public var setting: String {
        switch self {
        case .always: return "always"
        case .never: return "never"
        case .everyRecords(let n): return "every:\(n)"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let policy = FsyncPolicy(setting: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "\"\(text)\" is not always, never or every:N with N ≥ 1"))
        }
        self = policy
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(setting)
    }
}
