#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// UTF-8 text as the rewards scan it.
typealias UTF8Bytes = UnsafeBufferPointer<UInt8>

/// An ASCII literal the matchers look for ("<answer>", "\n</think>\n<answer>\n").
///
/// Searching UTF-8 bytes for an ASCII literal finds exactly the occurrences Python finds in the
/// decoded string: a byte below 0x80 never occurs inside a multi-byte character.
struct ByteLiteral: Sendable {
    let bytes: [UInt8]
    var count: Int { bytes.count }

    init(_ text: StaticString) {
        precondition(text.isASCII && text.utf8CodeUnitCount > 0)
        bytes = Array(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether `literal` occurs starting at `offset` (false when it would run past the end).
    /// Compared inline: most candidates differ at their second byte, where a call to memcmp
    /// would cost more than the comparison.
    @inline(__always)
    func hasLiteral(_ literal: ByteLiteral, at offset: Int) -> Bool {
        guard offset >= 0, offset <= count - literal.count else { return false }
        return literal.bytes.withUnsafeBufferPointer { needle in
            for index in 0..<needle.count where self[offset + index] != needle[index] { return false }
            return true
        }
    }

    /// The first index in `start..<end` holding `byte`. The first few bytes are checked inline,
    /// the rest by memchr (vectorised by the C library): texts dense in the byte (a flood of
    /// "<") then cost no call per occurrence, and sparse ones are crossed at memchr's speed.
    @inline(__always)
    func firstIndex(of byte: UInt8, from start: Int, to end: Int? = nil) -> Int? {
        let end = Swift.min(end ?? count, count)
        guard start < end, let base = baseAddress else { return nil }
        var position = start
        let inlineEnd = Swift.min(start + 16, end)
        while position < inlineEnd {
            if base[position] == byte { return position }
            position += 1
        }
        guard position < end, let found = memchr(base + position, Int32(byte), end - position) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// The first occurrence of `literal` starting at or after `start` and before `limit`.
    func firstIndex(of literal: ByteLiteral, from start: Int, startingBefore limit: Int? = nil) -> Int? {
        let lastStart = Swift.min(limit.map { $0 - 1 } ?? Int.max, count - literal.count)
        let first = literal.bytes[0]
        var position = Swift.max(start, 0)
        while position <= lastStart {
            guard let candidate = firstIndex(of: first, from: position, to: lastStart + 1) else { return nil }
            if hasLiteral(literal, at: candidate) { return candidate }
            position = candidate + 1
        }
        return nil
    }

    /// The last occurrence of `literal`. A plain backward loop: completions are short, and a
    /// missing tag costs one pass.
    func lastIndex(of literal: ByteLiteral) -> Int? {
        let first = literal.bytes[0]
        var position = count - literal.count
        while position >= 0 {
            if self[position] == first && hasLiteral(literal, at: position) { return position }
            position -= 1
        }
        return nil
    }
}

/// The first occurrence of a literal at or after a position that only ever grows, found with
/// one forward pass in total however many times it is asked.
///
/// The format matchers ask "where is the next `</answer>` (or newline) after here?" once per
/// candidate `</think>`; without the memo a text made of many candidates would cost quadratic
/// time, the blow-up a backtracking regex engine has on the same text.
struct ForwardSearch {
    let literal: ByteLiteral
    private var askedFrom = -1
    private var answer: Int?

    init(_ literal: ByteLiteral) { self.literal = literal }

    mutating func first(in text: UTF8Bytes, atOrAfter position: Int) -> Int? {
        precondition(position >= askedFrom, "ForwardSearch positions must not decrease")
        if askedFrom >= 0 {
            // Nothing occurs in askedFrom..<answer, so the answer stands while position ≤ it.
            guard let known = answer else { return nil }
            if position <= known { return known }
        }
        askedFrom = position
        answer = text.firstIndex(of: literal, from: position)
        return answer
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The Unicode scalar value starting at `index` and its length in bytes. Swift strings hold
    /// valid UTF-8; a stray continuation or truncated sequence decodes as one U+FFFD byte so
    /// that scanning always advances.
    @inline(__always)
    func scalar(startingAt index: Int) -> (value: UInt32, length: Int) {
        let lead = UInt32(self[index])
        if lead < 0x80 { return (lead, 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0, index + length <= count else { return (0xFFFD, 1) }
        var value = lead & (0x7F >> UInt32(length))
        for offset in 1..<length {
            let byte = UInt32(self[index + offset])
            guard byte & 0xC0 == 0x80 else { return (0xFFFD, 1) }
            value = value << 6 | (byte & 0x3F)
        }
        return (value, length)
    }

    /// The scalar whose last byte is at `end - 1`, for scanning backwards.
    @inline(__always)
    func scalar(endingAt end: Int) -> (value: UInt32, length: Int) {
        var start = end - 1
        while start > 0, end - start < 4, self[start] & 0xC0 == 0x80 { start -= 1 }
        let decoded = scalar(startingAt: start)
        return start + decoded.length == end ? decoded : (0xFFFD, 1)
    }
}
