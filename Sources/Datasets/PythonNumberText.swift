/// `str()` of a JSON number as Python's `json` module parses it: the text the seed's
/// correctness reward compares against (`str(answer)`).
///
/// A literal without ".", "e" or "E" is an `int` ("72", "-0" → "0", any size); any other is a
/// `float`, printed by `repr`: the shortest digits that round-trip, positional when the decimal
/// exponent is in -4..<16 ("72.0", "0.0001", "1e+16", "1e-05"), "inf" past the double range.
public enum PythonNumberText {
    public static func string(forJSONLiteral literal: String) -> String {
        let isFloat = literal.contains { $0 == "." || $0 == "e" || $0 == "E" }
        guard isFloat else {
            // JSON integers have no leading zeros; only the sign of zero needs care.
            return literal.allSatisfy { $0 == "-" || $0 == "0" } ? "0" : literal
        }
        return floatRepr(Double(literal) ?? .nan)
    }

    /// Python's `repr(float)`.
    public static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let (negative, digits, pointPosition) = shortestDigits(value)
        let sign = negative ? "-" : ""
        // Python: value = 0.d1d2d3… × 10^pointPosition; exponent form when pointPosition is
        // outside -3...16 (`float_repr_style == 'short'`, format code 'r').
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
            }
            if digits.count <= pointPosition {
                return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            let integerPart = digits.prefix(pointPosition)
            return sign + integerPart + "." + digits.dropFirst(pointPosition)
        }
        let exponent = pointPosition - 1
        let mantissa = digits.count == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
        let exponentDigits = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
            + (exponentDigits.count < 2 ? "0" + exponentDigits : exponentDigits)
    }

    /// The shortest round-tripping significant digits of a finite value and the position of the
    /// decimal point relative to them, read off Swift's `description` (which prints the same
    /// shortest digits as Python, only in its own layout).
    private static func shortestDigits(_ value: Double) -> (negative: Bool, digits: String, pointPosition: Int) {
        var text = Substring(value.description)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let integerPart = text.prefix { $0 != "." }
        let fractionPart = text.dropFirst(integerPart.count + 1)
        var digits = String(integerPart) + fractionPart
        var pointPosition = integerPart.count + exponent
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        if digits == "0" { pointPosition = 1 }
        return (negative, digits, pointPosition)
    }
}
