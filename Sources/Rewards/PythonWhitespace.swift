/// Python's whitespace: the characters `str.isspace()` accepts, which are also what `str.strip()`
/// removes and what `\s` matches in a `str` pattern of `re` (Python 3.11, Unicode 14.0; checked
/// against Tests/Fixtures/rewards/python_unicode.json). Wider than Swift's `isWhitespace` in
/// places (the C0 separators U+001C–U+001F) and narrower in others (U+200B is not whitespace).
enum PythonWhitespace {
    @inline(__always)
    static func contains(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A,
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The first index at or after `start` that does not begin a Python whitespace character.
    @inline(__always)
    func skippingPythonWhitespace(from start: Int) -> Int {
        var position = start
        while position < count {
            let byte = self[position]
            if byte < 0x80 {
                guard PythonWhitespace.contains(UInt32(byte)) else { break }
                position += 1
            } else {
                let decoded = scalar(startingAt: position)
                guard PythonWhitespace.contains(decoded.value) else { break }
                position += decoded.length
            }
        }
        return position
    }

    /// `range` without leading and trailing Python whitespace: `str.strip()`.
    func strippingPythonWhitespace(_ range: Range<Int>) -> Range<Int> {
        let lower = Swift.min(skippingPythonWhitespace(from: range.lowerBound), range.upperBound)
        var upper = range.upperBound
        while upper > lower {
            let decoded = scalar(endingAt: upper)
            guard PythonWhitespace.contains(decoded.value) else { break }
            upper -= decoded.length
        }
        return lower..<upper
    }
}

extension String {
    /// `str.strip()`.
    var strippingPythonWhitespace: Substring {
        let bounds = withUTF8Bytes { $0.strippingPythonWhitespace(0..<$0.count) }
        let start = utf8.index(utf8.startIndex, offsetBy: bounds.lowerBound)
        let end = utf8.index(utf8.startIndex, offsetBy: bounds.upperBound)
        return self[start..<end]
    }
}
