import Foundation

/// CRC-32C (Castagnoli), the checksum of iSCSI, ext4 metadata, LevelDB and TensorFlow's TFRecord.
///
/// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF, so
/// `checksum("123456789") == 0xE3069283`. Computed in software with slicing-by-8 (eight
/// 256-entry tables, one table lookup per input byte but eight independent lookups per
/// 8-byte step), which runs at roughly a byte per cycle with no CPU-specific instructions.
///
/// `seed` continues a checksum: `checksum(b, seed: checksum(a)) == checksum(a + b)`, the
/// convention of zlib's `crc32` and LevelDB's `crc32c::Extend`.
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F63B78

    /// Added after rotating in `mask`; TensorFlow's `kMaskDelta`.
    public static let maskDelta: UInt32 = 0xA282EAD8

    /// `table[k * 256 + b]` is the CRC contribution of byte `b` followed by `k` zero bytes.
    /// Row 0 is the classic byte-at-a-time table.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 0 ? 0 : polynomial) }
            table[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// The CRC-32C of `bytes`, continuing from `seed` (the checksum of the bytes before them).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard var p = bytes.baseAddress, !bytes.isEmpty else { return seed }
        var remaining = bytes.count
        var crc = ~seed
        table.withUnsafeBufferPointer { t in
            let t = t.baseAddress!
            // Head: bytes one at a time until `p` is 8-byte aligned, so the words below are
            // aligned loads (`loadUnaligned` is also fine on x86; this keeps other CPUs fast).
            while remaining > 0 && UInt(bitPattern: p) & 7 != 0 {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                remaining -= 1
            }
            while remaining >= 8 {
                let word = UInt64(littleEndian: p.load(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                remaining -= 1
            }
        }
        return ~crc
    }

    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    public static func checksum(_ data: Data, seed: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// TensorFlow's masking of a stored CRC: rotate right by 15 bits and add `maskDelta`.
    ///
    /// TFRecord and TensorBoard event files store masked CRCs because computing the CRC of
    /// data that embeds its own CRC is weak; masking also makes the CRC of empty data (0)
    /// nonzero, so a run of zero bytes never passes as a valid empty record.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Inverse of `mask`.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- maskDelta
        return (rotated >> 17) | (rotated << 15)
    }

    /// `mask(checksum(bytes))`, the value a TFRecord stores.
    public static func maskedChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        mask(checksum(bytes))
    }

    public static func maskedChecksum(_ bytes: [UInt8]) -> UInt32 {
        mask(checksum(bytes))
    }

    public static func maskedChecksum(_ data: Data) -> UInt32 {
        mask(checksum(data))
    }
}
