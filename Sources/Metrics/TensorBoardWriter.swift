import Foundation

/// Writes one TensorBoard event file: `<logDirectory>/events.out.tfevents.<unix time>.<host>`,
/// the name TensorFlow's EventsWriter uses, so `tensorboard --logdir` finds it (TensorBoard
/// reads every file whose name contains "tfevents", in name order).
///
/// The first record is the `file_version` event, flushed at once so the file is valid from
/// the moment it exists. Values are buffered until `flush()`; call it once per step, which is
/// what makes them visible to a running TensorBoard. Not thread-safe.
public final class TensorBoardWriter {
    public let logDirectory: String
    /// The event file.
    public let path: String
    private let records: TFRecordWriter
    private let clock: () -> Date

    /// Creates `logDirectory` (with its parents) and a new event file in it. `clock` supplies
    /// the wall times recorded with each event; tests may fix it.
    public init(logDirectory: String, clock: @escaping () -> Date = Date.init) throws {
        do {
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        } catch {
            throw MetricsError.cannotCreateDirectory(path: logDirectory, detail: "\(error)")
        }
        self.logDirectory = logDirectory
        self.clock = clock
        let start = clock()
        let base = Self.fileName(time: start, host: Self.hostName())
        // Two writers started in the same second on the same host (a restarted run, or two
        // runs sharing a directory) would get the same name; appending to another writer's
        // file would interleave two histories, so a taken name gets a ".1", ".2", ... suffix.
        var attempt = 0
        while true {
            let name = attempt == 0 ? base : "\(base).\(attempt)"
            let candidate = (logDirectory as NSString).appendingPathComponent(name)
            do {
                records = try TFRecordWriter(path: candidate, exclusive: true)
                path = candidate
                break
            } catch MetricsError.io(_, _, let code) where code == EEXIST && attempt < 1000 {
                attempt += 1
            }
        }
        try records.write(SummaryEvent.fileVersion(wallTime: start.timeIntervalSince1970).serialized())
        try records.flush()
    }

    /// Flushes what is pending; errors are lost here, so call `close()` to see them.
    deinit { try? records.flush() }

    /// `events.out.tfevents.<whole seconds since 1970>.<host>`.
    public static func fileName(time: Date, host: String) -> String {
        "events.out.tfevents.\(Int64(time.timeIntervalSince1970.rounded(.down))).\(host)"
    }

    /// `gethostname`, with "/" (impossible in a file name) replaced; "localhost" if unknown.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "localhost" : name
    }

    /// One event holding a scalar for each `(tag, value)`, all at `step`. Values are stored as
    /// 32-bit floats (see `SummaryValue.scalar`); non-finite values are kept, and TensorBoard
    /// shows them as such. Nothing is written for an empty list.
    public func addScalars(step: Int, _ values: [(tag: String, value: Double)]) throws {
        guard !values.isEmpty else { return }
        try add(step: step, values.map { SummaryValue.scalar(tag: $0.tag, value: Float($0.value)) })
    }

    public func addScalar(step: Int, tag: String, value: Double) throws {
        try addScalars(step: step, [(tag: tag, value: value)])
    }

    /// A markdown text (a sample completion, say), shown in TensorBoard's Text dashboard.
    /// Markdown treats single newlines as spaces; put text that must keep its line breaks in
    /// a fenced code block.
    public func addText(step: Int, tag: String, text: String) throws {
        try add(step: step, [.text(tag: tag, text: text)])
    }

    private func add(step: Int, _ values: [SummaryValue]) throws {
        let event = SummaryEvent(wallTime: clock().timeIntervalSince1970, step: Int64(step), payload: .summary(values))
        try records.write(event.serialized())
    }

    /// Writes the pending events to the file (and `fsync`s it with `sync`).
    public func flush(sync: Bool = false) throws {
        try records.flush(sync: sync)
    }

    /// Flushes and closes the file; later additions throw `MetricsError.closed`.
    public func close() throws {
        try records.close()
    }
}
