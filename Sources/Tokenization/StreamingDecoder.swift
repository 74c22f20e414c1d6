/// Decodes ids one at a time as they are sampled. A token can end in the middle of a
/// character (a Chinese character or an emoji is often split over two or more byte-level
/// tokens); the decoder holds such trailing bytes back until the character is complete, so the
/// text it returns never contains a broken UTF-8 sequence. For ids whose bytes are valid UTF-8
/// the concatenated output equals `decode` of all ids.
public struct StreamingDecoder {
    private let tokenizer: any Tokenizer
    private let skipSpecialTokens: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: any Tokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The bytes held back because they start an incomplete character.
    public var pendingByteCount: Int { pending.count }

    /// Adds one id; returns the text that became complete (possibly empty).
    public mutating func append(_ id: TokenID) -> String {
        append(contentsOf: [id])
    }

    public mutating func append(contentsOf ids: [TokenID]) -> String {
        pending += tokenizer.decodedBytes(ids, skipSpecialTokens: skipSpecialTokens)
        let complete = Self.completePrefixLength(of: pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Returns whatever is held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of `bytes` without a trailing, unfinished multi-byte sequence. Invalid bytes
    /// are not held: they could never complete, and `String(decoding:)` replaces them.
    static func completePrefixLength(of bytes: [UInt8]) -> Int {
        // Look back past at most three continuation bytes for the sequence's lead byte.
        var start = bytes.count
        while start > 0, bytes.count - start < 3, bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
        guard start > 0 else { return bytes.count }
        let lead = bytes[start - 1]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return bytes.count    // ASCII, a stray continuation byte, or an invalid lead
        }
        let available = bytes.count - (start - 1)
        return available < needed ? start - 1 : bytes.count
    }
}
