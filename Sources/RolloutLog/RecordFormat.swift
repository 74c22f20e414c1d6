import GRPOCore

/// The framing of one record in a segment file.
///
///     [UInt32 LE payload length][UInt32 LE masked CRC-32C of the payload][payload bytes]
///
/// Records follow each other with no padding; a segment is nothing but records. The stored
/// checksum is `CRC32C.mask(CRC32C.checksum(payload))`, TFRecord's masked CRC, rather than the
/// plain CRC: the plain CRC of an empty payload is 0, so eight zero bytes would be a valid
/// empty record, and a crash can leave a zero-filled tail (file size made durable before its
/// data, or preallocated blocks). With masking, zeros fail the check like any other garbage.
public enum RecordFormat {
    /// Length and checksum, 4 bytes each.
    public static let headerSize = 8

    /// Records larger than this are refused by the writer and treated as corrupt by readers,
    /// so a damaged length field can never ask for a multi-gigabyte allocation.
    public static let defaultMaxRecordBytes = 64 << 20

    /// The most any length field can express; the upper bound for `maxRecordBytes`.
    public static let largestEncodableRecord = Int(UInt32.max)

    /// The checksum stored in a record's header for `payload`.
    public static func storedChecksum(_ payload: UnsafeRawBufferPointer) -> UInt32 {
        storedChecksum(crc: CRC32C.checksum(payload))
    }

    /// The stored form of a payload's plain CRC-32C (for payloads checksummed in pieces).
    public static func storedChecksum(crc: UInt32) -> UInt32 {
        CRC32C.mask(crc)
    }

    /// Header and payload of one record, ready to be written in a single call.
    public static func encode(_ payload: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(payload.count <= largestEncodableRecord, "a record payload is limited to 4 GiB - 1 bytes")
        let total = headerSize + payload.count
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: storedChecksum(payload).littleEndian, toByteOffset: 4, as: UInt32.self)
            if !payload.isEmpty {
                UnsafeMutableRawBufferPointer(rebasing: raw[headerSize...]).copyMemory(from: payload)
            }
            initialized = total
        }
    }

    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        payload.withUnsafeBytes { encode($0) }
    }

    /// The (length, stored checksum) of the header at `offset` in `bytes`, which must hold 8 bytes there.
    static func header(in bytes: UnsafeRawBufferPointer, at offset: Int) -> (length: UInt32, checksum: UInt32) {
        (UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
         UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
    }
}

/// Why the bytes at some offset of a segment are not a valid record.
enum RecordDefect: Equatable, CustomStringConvertible {
    /// Fewer than 8 bytes remain: the header itself was cut short.
    case tornHeader(available: Int)
    /// The header claims more payload than the file holds.
    case tornPayload(length: Int, available: Int)
    /// The length field exceeds the reader's limit and the bytes it claims do not check out.
    case lengthOverLimit(length: Int, limit: Int)
    /// A complete, correctly checksummed record longer than the reader's limit: the log was
    /// written with a larger limit. Never a crash artefact, so never skipped or truncated.
    case validRecordOverLimit(length: Int, limit: Int)
    /// The payload's checksum differs from the stored one.
    case checksumMismatch(length: Int, stored: UInt32, computed: UInt32)

    /// Whether this looks like a write cut short rather than damaged data.
    var isTorn: Bool {
        switch self {
        case .tornHeader, .tornPayload: return true
        default: return false
        }
    }

    /// Bytes the defective record claims to span, when they lie inside the file.
    var claimedRecordBytes: Int? {
        if case .checksumMismatch(let length, _, _) = self { return RecordFormat.headerSize + length }
        return nil
    }

    var description: String {
        switch self {
        case .tornHeader(let available):
            return "torn header (\(available) of \(RecordFormat.headerSize) bytes present)"
        case .tornPayload(let length, let available):
            return "torn record (header claims \(length) payload bytes, \(available) present)"
        case .lengthOverLimit(let length, let limit):
            return "length field \(length) exceeds the \(limit)-byte record limit"
        case .validRecordOverLimit(let length, let limit):
            return "a valid \(length)-byte record exceeds this reader's \(limit)-byte record limit "
                + "(the log was written with a larger maxRecordBytes)"
        case .checksumMismatch(let length, let stored, let computed):
            return "checksum mismatch in a \(length)-byte record (stored \(hex(stored)), computed \(hex(computed)))"
        }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
