import GRPOCore

/// Appends TFRecords to a file: the container format of TensorBoard event files.
///
/// Each record is
///
///     uint64 length (little-endian)
///     uint32 masked CRC-32C of those 8 length bytes
///     length bytes of data
///     uint32 masked CRC-32C of the data
///
/// (tensorflow/core/lib/io/record_writer.cc; `CRC32C.mask` explains the masking). The length
/// has its own checksum so a reader can trust it before allocating that many bytes.
///
/// Records are buffered and reach the file on `flush()`, or when `bufferLimit` bytes are
/// pending, each time in one `write` of whole records, so TensorBoard (which polls the file)
/// sees a record whole or not at all unless the process dies mid-write. If a write fails
/// (a full disk), the pending records are dropped and the error names the file; the file may
/// then end in a partial record, at which TensorBoard stops reading it. Not thread-safe.
public final class TFRecordWriter {
    public let path: String
    /// Pending bytes beyond which `write` writes through without waiting for `flush()`.
    public let bufferLimit: Int
    private let file: AppendFile
    private var pending: [UInt8] = []

    /// Opens `path` for appending, creating it if needed. With `exclusive`, an existing file
    /// is an error (`EEXIST`) rather than appended to.
    public init(path: String, exclusive: Bool = false, bufferLimit: Int = 1 << 16) throws {
        self.path = path
        self.bufferLimit = bufferLimit
        file = try AppendFile(path: path, exclusive: exclusive)
    }

    /// Flushes what is pending; errors are lost here, so call `close()` to see them.
    deinit { try? flush() }

    /// The framed bytes of one record holding `data`.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        appendFrame(data, to: &record)
        return record
    }

    private static func appendFrame(_ data: [UInt8], to out: inout [UInt8]) {
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out.append(contentsOf: length)
        appendLittleEndian(CRC32C.maskedChecksum(length), to: &out)
        out.append(contentsOf: data)
        appendLittleEndian(CRC32C.maskedChecksum(data), to: &out)
    }

    private static func appendLittleEndian(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Adds one record holding `data`.
    public func write(_ data: [UInt8]) throws {
        guard file.isOpen else { throw MetricsError.closed(path: path) }
        Self.appendFrame(data, to: &pending)
        if pending.count >= bufferLimit { try flush() }
    }

    /// Writes the pending records to the file; with `sync`, also `fsync`s it so they survive
    /// a machine crash (a metrics file rarely needs that, and an fsync per step is not free).
    public func flush(sync: Bool = false) throws {
        if !pending.isEmpty {
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            try file.append(bytes)
        }
        if sync { try file.sync() }
    }

    /// Flushes and closes the file. Later writes throw `MetricsError.closed`; a second
    /// `close()` does nothing.
    public func close() throws {
        guard file.isOpen else { return }
        defer { try? file.close() }   // after a failed flush, still release the descriptor; the flush error is thrown
        try flush()
        try file.close()
    }
}
