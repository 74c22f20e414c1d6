/// A number as the fixed rules read it from an answer, kept as exact decimal digits so that
/// "18", "18.0", "018" and "1,8" … compare without floating-point rounding.
///
/// Two grammars (ASCII digits only; full-width and other scripts' digits are not numbers here):
///   plain    `[+-]? (d{1,3} (,ddd)+ | d+) (. d+)?`: what the digit reward accepts. Thousands
///            groups must be exact, so "1,00" and "1,2" (a decimal comma elsewhere) are refused.
///   lenient  plain, plus one currency sign before the number (`$ ¥ ￥ € £`, the sign on either
///            side of it) and one unit word after it, optionally after whitespace (a run of ASCII
///            letters or CJK ideographs: "元", "个", "apples"): what correctness compares.
struct NumericAnswer: Equatable {
    let isNegative: Bool
    /// Integer digits without separators or leading zeros ("0" for zero).
    let integerDigits: [UInt8]
    /// Fraction digits without trailing zeros (empty for an integer).
    let fractionDigits: [UInt8]

    /// The plain grammar over the whole of `range`.
    static func plain(_ text: UTF8Bytes, _ range: Range<Int>) -> NumericAnswer? {
        var position = range.lowerBound
        let negative = scanSign(text, &position, end: range.upperBound)
        guard let number = scanNumber(text, &position, end: range.upperBound, negative: negative == true),
              position == range.upperBound else { return nil }
        return number
    }

    /// The lenient grammar over the whole of `range` (already stripped of whitespace).
    static func lenient(_ text: UTF8Bytes, _ range: Range<Int>) -> NumericAnswer? {
        let end = range.upperBound
        var position = range.lowerBound
        var negative = scanSign(text, &position, end: end)
        if position < end {
            let decoded = text.scalar(startingAt: position)
            if isCurrencySign(decoded.value) {
                position += decoded.length
                if negative == nil { negative = scanSign(text, &position, end: end) }
            }
        }
        guard let number = scanNumber(text, &position, end: end, negative: negative == true) else { return nil }
        if position < end {
            position = Swift.min(text.skippingPythonWhitespace(from: position), end)
            let unitStart = position
            while position < end {
                let decoded = text.scalar(startingAt: position)
                guard isUnitCharacter(decoded.value) else { break }
                position += decoded.length
            }
            guard position > unitStart, position == end else { return nil }
        }
        return number
    }

    /// An optional "+" or "-": nil when absent, else whether it was "-".
    private static func scanSign(_ text: UTF8Bytes, _ position: inout Int, end: Int) -> Bool? {
        guard position < end, text[position] == UInt8(ascii: "+") || text[position] == UInt8(ascii: "-") else {
            return nil
        }
        position += 1
        return text[position - 1] == UInt8(ascii: "-")
    }

    /// Digits with optional exact thousands groups, then an optional "." and at least one digit.
    /// A "," or "." that does not continue the number is left unconsumed (and so refused by the
    /// callers, which require the number to be followed by the end or a unit).
    private static func scanNumber(_ text: UTF8Bytes, _ position: inout Int, end: Int, negative: Bool) -> NumericAnswer? {
        func isDigit(_ index: Int) -> Bool {
            index < end && text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9")
        }
        let start = position
        while isDigit(position) { position += 1 }
        guard position > start else { return nil }
        var integer = Array(text[start..<position])
        if position - start <= 3 {
            // A group is a comma and exactly three digits not followed by a fourth.
            while position < end, text[position] == UInt8(ascii: ","),
                  isDigit(position + 1), isDigit(position + 2), isDigit(position + 3), !isDigit(position + 4) {
                integer += text[(position + 1)...(position + 3)]
                position += 4
            }
        }
        var fraction: [UInt8] = []
        if position < end, text[position] == UInt8(ascii: "."), isDigit(position + 1) {
            position += 1
            let fractionStart = position
            while isDigit(position) { position += 1 }
            fraction = Array(text[fractionStart..<position])
        }
        let firstSignificant = integer.firstIndex { $0 != UInt8(ascii: "0") } ?? integer.count - 1
        integer.removeFirst(firstSignificant)
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        let isZero = integer == [UInt8(ascii: "0")] && fraction.isEmpty
        return NumericAnswer(isNegative: negative && !isZero, integerDigits: integer, fractionDigits: fraction)
    }

    private static func isCurrencySign(_ scalar: UInt32) -> Bool {
        scalar == 0x24 || scalar == 0xA5 || scalar == 0xFFE5 || scalar == 0x20AC || scalar == 0xA3
    }

    private static func isUnitCharacter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x41...0x5A, 0x61...0x7A, 0x3400...0x4DBF, 0x4E00...0x9FFF: return true
        default: return false
        }
    }
}
