import Foundation

/// A training run's metrics, written twice per step: a line of `<output>/metrics.jsonl` (the
/// run's own record, which scripts read) and TensorBoard scalars of the same names in
/// `<output>/tensorboard/` (for `tensorboard --logdir <output>/tensorboard`).
///
/// Both are written through to the operating system every step, so a live TensorBoard and
/// `tail -f` stay current and a crash loses at most the step being written. Not thread-safe.
public final class RunMetricsWriter {
    public let outputDirectory: String
    /// `<output>/metrics.jsonl`.
    public let metricsPath: String
    public let tensorBoard: TensorBoardWriter
    private let jsonl: AppendFile

    /// `resume` appends to an existing `metrics.jsonl` (a learner restarting from its rollout
    /// log) instead of starting it afresh. TensorBoard always gets a new event file; steps
    /// logged both before and after a restart are then in two files, and TensorBoard may show
    /// both copies.
    public init(outputDirectory: String, resume: Bool = false, clock: @escaping () -> Date = Date.init) throws {
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw MetricsError.cannotCreateDirectory(path: outputDirectory, detail: "\(error)")
        }
        self.outputDirectory = outputDirectory
        metricsPath = (outputDirectory as NSString).appendingPathComponent("metrics.jsonl")
        jsonl = try AppendFile(path: metricsPath, truncate: !resume)
        tensorBoard = try TensorBoardWriter(
            logDirectory: (outputDirectory as NSString).appendingPathComponent("tensorboard"), clock: clock)
    }

    /// Appends `jsonLine` (one JSON object, such as `StepReport.jsonLine`; a newline is added
    /// if missing) to `metrics.jsonl`, and `values[name]` for each of `names`, in that order, as
    /// TensorBoard scalars at `step`. A name without a value is skipped.
    ///
    /// Both outputs are attempted even if the first fails, so a broken one does not silence
    /// the other; the first error is then thrown.
    public func write(step: Int, names: [String], values: [String: Double], jsonLine: String) throws {
        var firstError: Error?
        do {
            try jsonl.append(Array((jsonLine.hasSuffix("\n") ? jsonLine : jsonLine + "\n").utf8))
        } catch {
            firstError = error
        }
        do {
            try tensorBoard.addScalars(step: step, names.compactMap { name in values[name].map { (tag: name, value: $0) } })
            try tensorBoard.flush()
        } catch {
            firstError = firstError ?? error
        }
        if let firstError { throw firstError }
    }

    /// A markdown text in TensorBoard only (sample completions do not belong in metrics.jsonl).
    public func addText(step: Int, tag: String, text: String) throws {
        try tensorBoard.addText(step: step, tag: tag, text: text)
        try tensorBoard.flush()
    }

    /// `fsync`s both files, for a caller that wants them durable (at a checkpoint, say).
    public func sync() throws {
        try jsonl.sync()
        try tensorBoard.flush(sync: true)
    }

    /// Closes both files, attempting both; the first error is thrown.
    public func close() throws {
        var firstError: Error?
        do { try jsonl.close() } catch { firstError = error }
        do { try tensorBoard.close() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }
}
