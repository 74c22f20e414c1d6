/// GPT-2's reversible byte ↔ character mapping, which byte-level BPE vocabularies are written in.
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 bytes
/// (controls, space, DEL, NBSP, soft hyphen) are shifted to U+0100…U+0143 in byte order, so a
/// space is `Ġ` (U+0120) and a newline `Ċ` (U+010A).
public enum ByteLevelMapping {
    /// The character each byte is written as.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var shifted: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(shifted)!
                shifted += 1
            }
        }
        return table
    }()

    /// Indexed by scalar value (all mapped scalars are below U+0144); -1 where a scalar is not
    /// the image of any byte.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() {
            table[Int(scalar.value)] = Int16(byte)
        }
        return table
    }()

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The vocabulary spelling of a byte string.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }

    /// The bytes a vocabulary token stands for, by the rule of Hugging Face's ByteLevel decoder:
    /// when every character of the token is a byte-level character, the bytes they map to;
    /// otherwise (an added token such as `<|im_end|>` with characters outside the mapping) the
    /// token's own UTF-8.
    public static func decode(_ token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            let value = Int(scalar.value)
            guard value < byteForScalar.count, byteForScalar[value] >= 0 else {
                return Array(token.utf8)
            }
            bytes.append(UInt8(byteForScalar[value]))
        }
        return bytes
    }
}
