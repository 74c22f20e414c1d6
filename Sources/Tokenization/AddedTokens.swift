/// A token matched in raw text before the BPE pipeline runs (`<|im_end|>`, `<tool_call>`),
/// with Hugging Face's AddedToken flags.
public struct AddedToken: Sendable, Equatable {
    public let id: TokenID
    public let content: String
    /// Special tokens are the ones decoding can skip.
    public let isSpecial: Bool
    /// Matches only when not preceded or followed by a word character.
    public let singleWord: Bool
    /// Absorbs the whitespace on its left / right.
    public let lstrip: Bool
    public let rstrip: Bool
    /// Matched in normalized text rather than in the raw input.
    public let normalized: Bool

    public init(id: TokenID, content: String, isSpecial: Bool, singleWord: Bool = false,
                lstrip: Bool = false, rstrip: Bool = false, normalized: Bool = false) {
        self.id = id
        self.content = content
        self.isSpecial = isSpecial
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
    }
}

/// Finds added tokens in text the way Hugging Face's AddedVocabulary does: leftmost-longest
/// matches, non-overlapping, then the single_word / lstrip / rstrip adjustments.
struct AddedTokenSplitter: Sendable {
    enum Segment: Equatable {
        case text(Range<Int>)
        case token(TokenID)
    }

    private let tokens: [AddedToken]
    private let patterns: [[UInt8]]
    /// Per first byte, the indices of the patterns starting with it, longest first.
    private let candidatesByFirstByte: [[Int]]

    var isEmpty: Bool { tokens.isEmpty }

    /// `patterns[i]` is what `tokens[i]` is matched as (its content, normalized if need be).
    init(tokens: [AddedToken], patterns: [String]) {
        var kept: [AddedToken] = []
        var keptPatterns: [[UInt8]] = []
        for (token, pattern) in zip(tokens, patterns) where !pattern.isEmpty {
            kept.append(token)
            keptPatterns.append(Array(pattern.utf8))
        }
        var candidates = [[Int]](repeating: [], count: 256)
        for (index, pattern) in keptPatterns.enumerated() { candidates[Int(pattern[0])].append(index) }
        for byte in 0..<256 {
            // Longest first; among equally long patterns the first listed.
            candidates[byte].sort { lhs, rhs in
                let (left, right) = (keptPatterns[lhs].count, keptPatterns[rhs].count)
                return left != right ? left > right : lhs < rhs
            }
        }
        self.tokens = kept
        self.patterns = keptPatterns
        self.candidatesByFirstByte = candidates
    }

    /// Splits `text` (UTF-8) into added tokens and the text between them; covers all of it.
    func split(_ text: ArraySlice<UInt8>) -> [Segment] {
        guard !tokens.isEmpty else { return text.isEmpty ? [] : [.text(text.indices)] }
        var segments: [Segment] = []
        var textStart = text.startIndex
        var position = text.startIndex
        while position < text.endIndex {
            guard let index = longestMatch(at: position, in: text) else {
                position += 1
                continue
            }
            let token = tokens[index]
            var start = position
            var end = position + patterns[index].count
            position = end
            if token.singleWord && !isWholeWord(start..<end, in: text) { continue }
            if token.lstrip {
                while start > textStart,
                      UTF8Scalars.scalar(at: UTF8Scalars.startOfScalar(before: start, in: text), in: text).isRegexWhitespace {
                    start = UTF8Scalars.startOfScalar(before: start, in: text)
                }
            }
            if token.rstrip {
                while end < text.endIndex, UTF8Scalars.scalar(at: end, in: text).isRegexWhitespace {
                    end += Self.scalarLength(leadByte: text[end])
                }
            }
            if textStart < start { segments.append(.text(textStart..<start)) }
            segments.append(.token(token.id))
            textStart = end
            // Whitespace taken by rstrip is not searched again.
            position = max(position, end)
        }
        if textStart < text.endIndex { segments.append(.text(textStart..<text.endIndex)) }
        return segments
    }

    private func longestMatch(at position: Int, in text: ArraySlice<UInt8>) -> Int? {
        for index in candidatesByFirstByte[Int(text[position])] {
            let pattern = patterns[index]
            if position + pattern.count <= text.endIndex,
               text[position..<(position + pattern.count)].elementsEqual(pattern) {
                return index
            }
        }
        return nil
    }

    /// No word character (`\w`) touches the match on either side.
    private func isWholeWord(_ match: Range<Int>, in text: ArraySlice<UInt8>) -> Bool {
        if match.lowerBound > text.startIndex {
            let before = UTF8Scalars.startOfScalar(before: match.lowerBound, in: text)
            if UTF8Scalars.scalar(at: before, in: text).isRegexWordCharacter { return false }
        }
        if match.upperBound < text.endIndex,
           UTF8Scalars.scalar(at: match.upperBound, in: text).isRegexWordCharacter { return false }
        return true
    }

    private static func scalarLength(leadByte: UInt8) -> Int {
        leadByte < 0x80 ? 1 : leadByte < 0xE0 ? 2 : leadByte < 0xF0 ? 3 : 4
    }
}
