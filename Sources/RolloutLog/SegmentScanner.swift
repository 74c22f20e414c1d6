import GRPOCore

/// Walks the records of one segment file from the start, validating each.
///
/// The file's size is taken once, when the scanner is made: a writer appending concurrently
/// is invisible beyond that point, and a record it is half-way through writing shows up as a
/// torn final record. Payloads are allocated only after their length has been checked against
/// both `maxRecordBytes` and the bytes actually in the file, so a damaged length field costs
/// an error, not a huge allocation.
final class SegmentScanner {
    enum Step {
        /// A valid record whose header starts at `offset`; `payload` is nil when not read.
        case record(offset: Int, payload: [UInt8]?)
        /// The file ends exactly after the previous record.
        case end
        /// The bytes at `offset` are not a valid record; the scanner stays at `offset`.
        case defect(offset: Int, RecordDefect)
    }

    /// What lies after a defect.
    enum Following: Equatable {
        /// No valid record starts anywhere after the defect: it is a damaged or torn tail.
        case nothing
        /// A valid record starts at this offset, so the defect is mid-segment corruption.
        case validRecord(at: Int)
        /// The search gave up (too many plausible-looking headers to checksum).
        case undetermined
    }

    let file: LogFile
    let size: Int
    let maxRecordBytes: Int
    /// Where the next record starts; after a `.defect`, the defect's offset.
    private(set) var offset = 0

    init(file: LogFile, maxRecordBytes: Int) throws {
        self.file = file
        self.size = try file.size()
        self.maxRecordBytes = maxRecordBytes
    }

    var path: String { file.path }

    /// Reads the record at the current offset and, when it is valid, moves past it. With
    /// `verify` false only the framing is checked (length within limit and within the file):
    /// no payload is read and no checksum computed.
    func next(verify: Bool) throws -> Step {
        let start = offset
        let available = size - start
        if available == 0 { return .end }
        if available < RecordFormat.headerSize { return .defect(offset: start, .tornHeader(available: available)) }
        var headerBytes = (UInt64(0))
        let got = try withUnsafeMutableBytes(of: &headerBytes) { try file.read(into: $0, at: start) }
        guard got == RecordFormat.headerSize else {   // the file shrank under us
            return .defect(offset: start, .tornHeader(available: got))
        }
        let (length32, stored) = withUnsafeBytes(of: headerBytes) { RecordFormat.header(in: $0, at: 0) }
        let length = Int(length32)
        let payloadAvailable = available - RecordFormat.headerSize
        if length > maxRecordBytes {
            if length <= payloadAvailable,
               try checksum(at: start + RecordFormat.headerSize, count: length) == stored {
                return .defect(offset: start, .validRecordOverLimit(length: length, limit: maxRecordBytes))
            }
            return .defect(offset: start, .lengthOverLimit(length: length, limit: maxRecordBytes))
        }
        if length > payloadAvailable {
            return .defect(offset: start, .tornPayload(length: length, available: payloadAvailable))
        }
        var payload: [UInt8]?
        if verify {
            let bytes = try file.read(at: start + RecordFormat.headerSize, count: length)
            guard bytes.count == length else {
                return .defect(offset: start, .tornPayload(length: length, available: bytes.count))
            }
            let computed = bytes.withUnsafeBytes { RecordFormat.storedChecksum($0) }
            guard computed == stored else {
                return .defect(offset: start, .checksumMismatch(length: length, stored: stored, computed: computed))
            }
            payload = bytes
        }
        offset = start + RecordFormat.headerSize + length
        return .record(offset: start, payload: payload)
    }

    /// The stored-form checksum of `count` bytes at `offset`, read in bounded chunks; nil if
    /// the file ends first.
    private func checksum(at offset: Int, count: Int) throws -> UInt32? {
        let chunk = 1 << 20
        var crc: UInt32 = 0
        var buffer = [UInt8](repeating: 0, count: min(chunk, count))
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let got = try buffer.withUnsafeMutableBytes {
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<n]), at: offset + done)
            }
            guard got == n else { return nil }
            crc = buffer.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<n]), seed: crc) }
            done += n
        }
        return RecordFormat.storedChecksum(crc: crc)
    }

    /// Whether any valid record starts after the defect at `defectOffset`.
    ///
    /// A crash leaves at most one damaged record, at the very end; damage followed by a valid
    /// record is something else (a bad disk block, an overwrite) and must not be truncated
    /// away or silently skipped. The length field of a damaged record cannot be trusted, so
    /// after trying the record boundary the header claims, this checks every later byte
    /// offset for a header whose payload checksums correctly. Candidate headers are cheap to
    /// reject (a JSON payload read as a length is far over any limit), but random binary data
    /// can offer many plausible ones, so the checksumming is capped and the answer is then
    /// `.undetermined`, which callers treat like `.validRecord`: refuse rather than guess.
    func following(defectAt defectOffset: Int, _ defect: RecordDefect) throws -> Following {
        if let claimed = defect.claimedRecordBytes, defectOffset + claimed < size,
           let found = try validRecord(at: defectOffset + claimed) {
            return .validRecord(at: found)
        }
        let window = 1 << 20
        let budget = max(64 << 20, 16 * (size - defectOffset))
        var checksummed = 0
        var base = defectOffset + 1
        while base + RecordFormat.headerSize <= size {
            let chunk = try file.read(at: base, count: min(window + RecordFormat.headerSize - 1, size - base))
            let candidates = min(window, chunk.count - RecordFormat.headerSize + 1)
            guard candidates > 0 else { break }
            for relative in 0..<candidates {
                let start = base + relative
                let (length32, stored) = chunk.withUnsafeBytes { RecordFormat.header(in: $0, at: relative) }
                let length = Int(length32)
                guard length <= maxRecordBytes, length <= size - start - RecordFormat.headerSize else { continue }
                checksummed += length
                if checksummed > budget { return .undetermined }
                let payloadStart = relative + RecordFormat.headerSize
                let computed: UInt32?
                if payloadStart + length <= chunk.count {
                    computed = chunk.withUnsafeBytes {
                        RecordFormat.storedChecksum(UnsafeRawBufferPointer(rebasing: $0[payloadStart..<(payloadStart + length)]))
                    }
                } else {
                    computed = try checksum(at: start + RecordFormat.headerSize, count: length)
                }
                if computed == stored { return .validRecord(at: start) }
            }
            base += candidates
        }
        return .nothing
    }

    /// `offset` if a complete, correctly checksummed record starts there.
    private func validRecord(at offset: Int) throws -> Int? {
        guard offset + RecordFormat.headerSize <= size else { return nil }
        let header = try file.read(at: offset, count: RecordFormat.headerSize)
        guard header.count == RecordFormat.headerSize else { return nil }
        let (length32, stored) = header.withUnsafeBytes { RecordFormat.header(in: $0, at: 0) }
        let length = Int(length32)
        guard length <= maxRecordBytes, length <= size - offset - RecordFormat.headerSize else { return nil }
        return try checksum(at: offset + RecordFormat.headerSize, count: length) == stored ? offset : nil
    }
}
