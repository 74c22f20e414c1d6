/// The scalars a pattern is matched against, with the end of the current piece: earlier
/// pre-tokenizer steps and added tokens cut the text first, and a lookahead such as `(?!\S)`
/// sees the piece's end as the end of the text, as the regex engine does on a separate string.
struct PatternInput {
    let values: UnsafeBufferPointer<UInt32>
    let classes: UnsafeBufferPointer<ScalarClass>
    let end: Int

    @inline(__always) func has(_ index: Int, _ scalarClass: ScalarClass) -> Bool {
        index < end && classes[index].contains(scalarClass)
    }

    /// `[^\s\p{L}\p{N}]`
    @inline(__always) func isSymbol(_ index: Int) -> Bool {
        index < end && classes[index].isDisjoint(with: [.whitespace, .letter, .number])
    }

    @inline(__always) func isSpace(_ index: Int) -> Bool {
        index < end && values[index] == 0x20
    }

    /// The first index at or after `index` outside a run of `scalarClass`.
    @inline(__always) func endOfRun(from index: Int, _ scalarClass: ScalarClass) -> Int {
        var position = index
        while has(position, scalarClass) { position += 1 }
        return position
    }
}

extension SplitPattern {
    /// Cuts `range` into pieces as a Split pre-tokenizer with behavior "Isolated" does: every
    /// match is a piece, and so is every stretch between matches. At each position the first
    /// alternative that matches wins (leftmost-first, as in Oniguruma and Rust's regex).
    func split(_ range: Range<Int>, of input: ScalarBuffer, into pieces: inout [Range<Int>]) {
        input.values.withUnsafeBufferPointer { values in
            input.classes.withUnsafeBufferPointer { classes in
                let text = PatternInput(values: values, classes: classes, end: range.upperBound)
                var position = range.lowerBound
                var unmatchedStart: Int?
                while position < range.upperBound {
                    guard let matchEnd = firstMatch(at: position, in: text) else {
                        if unmatchedStart == nil { unmatchedStart = position }
                        position += 1
                        continue
                    }
                    if let start = unmatchedStart {
                        pieces.append(start..<position)
                        unmatchedStart = nil
                    }
                    pieces.append(position..<matchEnd)
                    position = matchEnd
                }
                if let start = unmatchedStart { pieces.append(start..<range.upperBound) }
            }
        }
    }

    @inline(__always)
    private func firstMatch(at position: Int, in text: PatternInput) -> Int? {
        for alternative in alternatives {
            if let end = alternative.matchEnd(at: position, in: text) { return end }
        }
        return nil
    }
}

extension SplitAlternative {
    /// Where a match of this alternative starting at `start` ends, or nil. Every alternative
    /// consumes at least one scalar, so a match is never empty.
    func matchEnd(at start: Int, in text: PatternInput) -> Int? {
        switch self {
        case .literal(let scalars, let caseInsensitive):
            guard start + scalars.count <= text.end else { return nil }
            for (offset, expected) in scalars.enumerated()
            where !Self.literalMatches(text.values[start + offset], expected, caseInsensitive) {
                return nil
            }
            return start + scalars.count

        case .lettersAfterOptionalNonLetter:
            // The optional prefix is greedy: take it when a letter follows, else try without.
            if start < text.end, text.classes[start].isDisjoint(with: [.lineBreak, .letter, .number]),
               text.has(start + 1, .letter) {
                return text.endOfRun(from: start + 1, .letter)
            }
            return text.has(start, .letter) ? text.endOfRun(from: start, .letter) : nil

        case .lettersAfterOptionalSpace:
            let first = text.isSpace(start) && text.has(start + 1, .letter) ? start + 1 : start
            return text.has(first, .letter) ? text.endOfRun(from: first, .letter) : nil

        case .letters:
            return text.has(start, .letter) ? text.endOfRun(from: start, .letter) : nil

        case .numbers(let maxCount, let optionalLeadingSpace):
            let first = optionalLeadingSpace && text.isSpace(start) && text.has(start + 1, .number)
                ? start + 1 : start
            guard text.has(first, .number) else { return nil }
            var end = first + 1
            while end - first < maxCount, text.has(end, .number) { end += 1 }
            return end

        case .symbols(let trailingLineBreaks):
            let first = text.isSpace(start) && text.isSymbol(start + 1) ? start + 1 : start
            guard text.isSymbol(first) else { return nil }
            var end = first + 1
            while text.isSymbol(end) { end += 1 }
            return trailingLineBreaks ? text.endOfRun(from: end, .lineBreak) : end

        case .whitespaceThroughLastLineBreak:
            // `\s*` takes the whole whitespace run, then gives back until `[\r\n]+` can match:
            // the match ends just after the run's last line break.
            let runEnd = text.endOfRun(from: start, .whitespace)
            var end = runEnd
            while end > start, !text.classes[end - 1].contains(.lineBreak) { end -= 1 }
            return end > start ? end : nil

        case .whitespaceNotBeforeNonSpace:
            // The whole run when it reaches the end of the piece; otherwise all but its last
            // scalar, which is followed by the non-space and so fails the lookahead.
            let runEnd = text.endOfRun(from: start, .whitespace)
            if runEnd == start { return nil }
            if runEnd == text.end { return runEnd }
            return runEnd - start >= 2 ? runEnd - 1 : nil

        case .whitespace:
            let runEnd = text.endOfRun(from: start, .whitespace)
            return runEnd > start ? runEnd : nil
        }
    }

    /// Case-insensitive matching follows Unicode simple case folding for the ASCII letters the
    /// patterns use: besides the other ASCII case, `ſ` (U+017F) folds to `s` and the Kelvin
    /// sign (U+212A) to `k`, which is why `'ſ` is a contraction to the reference tokenizer.
    @inline(__always)
    private static func literalMatches(_ value: UInt32, _ expected: Unicode.Scalar, _ caseInsensitive: Bool) -> Bool {
        if value == expected.value { return true }
        guard caseInsensitive, expected.isASCII, expected.properties.isAlphabetic else { return false }
        let lower = expected.value | 0x20
        if value | 0x20 == lower, value < 0x80 { return true }
        return (lower == 0x73 && value == 0x17F) || (lower == 0x6B && value == 0x212A)
    }
}
