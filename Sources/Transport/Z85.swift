import CZMQ
import Foundation

/// Z85 (ZeroMQ RFC 32), the text form of CurveZMQ keys: 32 key bytes become 40 characters
/// from an 85-character alphabet that has no quote, backslash or whitespace, so a key can
/// sit in a config file or on a command line unescaped.
public enum Z85 {
    /// Characters in a Z85-encoded 32-byte key.
    public static let keyLength = 40

    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
    private static let alphabetSet = Set(alphabet)

    /// Why `key` is not a Z85-encoded 32-byte key, or nil if it is one.
    public static func problem(with key: String) -> String? {
        let bytes = Array(key.utf8)
        guard bytes.count == keyLength else {
            return "has \(bytes.count) characters; a Z85 key has \(keyLength)"
        }
        if let position = bytes.firstIndex(where: { !alphabetSet.contains($0) }) {
            let shown = bytes[position] >= 0x21 && bytes[position] < 0x7F
                ? "'\(Character(Unicode.Scalar(bytes[position])))'" : String(format: "byte 0x%02X", bytes[position])
            return "character \(position + 1) (\(shown)) is not in the Z85 alphabet"
        }
        guard decode(key) != nil else {
            return "is not valid Z85 (a 5-character group exceeds 32 bits)"
        }
        return nil
    }

    /// Throws `CurveKeyError.invalidKey` naming `role` (no file) unless `key` is valid.
    static func checkKey(_ key: String, role: String) throws {
        if let problem = problem(with: key) {
            throw CurveKeyError.invalidKey(path: nil, field: role, detail: problem)
        }
    }

    /// The 40-character text of a 32-byte key.
    public static func encode(key: [UInt8]) -> String {
        precondition(key.count == 32, "a CurveZMQ key has 32 bytes, not \(key.count)")
        var text = [CChar](repeating: 0, count: keyLength + 1)
        key.withUnsafeBufferPointer { _ = zmq_z85_encode(&text, $0.baseAddress, 32) }
        return String(cString: text)
    }

    /// The 32 bytes of a 40-character key, or nil if it is not valid Z85.
    public static func decode(_ key: String) -> [UInt8]? {
        guard key.utf8.count == keyLength else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        let decoded = bytes.withUnsafeMutableBufferPointer { buffer in
            key.withCString { zmq_z85_decode(buffer.baseAddress, $0) }
        }
        return decoded == nil ? nil : bytes
    }
}
