/// The character classes the pre-tokenizer patterns are written in, defined as the regex engine
/// behind Hugging Face `tokenizers` (Oniguruma) defines them:
///   \p{L}  general category L* (Lu, Ll, Lt, Lm, Lo)
///   \p{N}  general category N* (Nd, Nl, No): `²`, `½`, `Ⅻ` and `١` are numbers too
///   \s     the White_Space property: includes U+0085, U+00A0, U+2028, U+3000, not U+200B or U+001C
/// Oniguruma in `tokenizers` 0.23 carries Unicode 16.0 tables; the Swift runtime may know a newer
/// Unicode. Code points assigned after 16.0 are classified as unassigned here so both agree on
/// every code point (the tests compare all 1,112,064 of them).
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = ScalarClass(rawValue: 1)
    static let number = ScalarClass(rawValue: 2)
    static let whitespace = ScalarClass(rawValue: 4)
    /// `\r` or `\n`, which several patterns single out; both are also whitespace.
    static let lineBreak = ScalarClass(rawValue: 8)

    /// Classes of every Basic Multilingual Plane scalar, computed once: the property lookups
    /// are too slow for the encode loop. Other planes are classified on demand.
    private static let basicPlane: [UInt8] = (0..<0x10000).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }
        return computed(scalar).rawValue
    }

    static func of(_ value: UInt32) -> ScalarClass {
        if value < 0x10000 { return ScalarClass(rawValue: basicPlane[Int(value)]) }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return computed(scalar)
    }

    /// The Unicode version of the reference regex engine's tables.
    static let unicodeVersion = (major: 16, minor: 0)

    private static func computed(_ scalar: Unicode.Scalar) -> ScalarClass {
        var result: ScalarClass = []
        guard let age = scalar.properties.age,
              (age.major, age.minor) <= unicodeVersion else { return result }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        default:
            break
        }
        if scalar.properties.isWhitespace { result.insert(.whitespace) }
        if scalar == "\r" || scalar == "\n" { result.insert(.lineBreak) }
        return result
    }
}

extension Unicode.Scalar {
    /// `\s` as Rust's `regex` crate defines it (White_Space), used for added tokens' lstrip/rstrip.
    var isRegexWhitespace: Bool { properties.isWhitespace }

    /// `\w` as Rust's `regex` crate defines it (Alphabetic, marks, Nd, Pc, Join_Control), used
    /// for added tokens' single_word boundaries.
    var isRegexWordCharacter: Bool {
        let properties = self.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}

/// A piece of text decoded once into what the pre-tokenizer looks at: each scalar's value and
/// class, and where its UTF-8 bytes start, so pieces found in scalar positions can be handed
/// to the BPE model as byte ranges without re-encoding.
struct ScalarBuffer {
    private(set) var values: [UInt32] = []
    private(set) var classes: [ScalarClass] = []
    /// `byteOffsets[i]` is where scalar `i` starts in the source bytes' indices; one extra
    /// entry holds the end.
    private(set) var byteOffsets: [Int] = []

    var count: Int { values.count }

    /// `utf8` must be valid UTF-8 (it comes from a `String`).
    init(utf8: ArraySlice<UInt8>) {
        values.reserveCapacity(utf8.count)
        classes.reserveCapacity(utf8.count)
        byteOffsets.reserveCapacity(utf8.count + 1)
        let base = utf8.startIndex
        utf8.withUnsafeBufferPointer { bytes in
            var index = 0
            while index < bytes.count {
                let (value, next) = UTF8Scalars.decode(bytes, at: index)
                values.append(value)
                classes.append(ScalarClass.of(value))
                byteOffsets.append(base + index)
                index = next
            }
        }
        byteOffsets.append(utf8.endIndex)
    }

    func byteRange(_ scalars: Range<Int>) -> Range<Int> {
        byteOffsets[scalars.lowerBound]..<byteOffsets[scalars.upperBound]
    }
}

/// Reading scalars out of UTF-8 that is known to be valid (it came from a `String`).
enum UTF8Scalars {
    /// The scalar starting at `index` and the index after it.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, next: Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (lead, index + 1) }
        if lead < 0xE0 {
            return ((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), index + 2)
        }
        if lead < 0xF0 {
            return ((lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6
                        | UInt32(bytes[index + 2] & 0x3F), index + 3)
        }
        return ((lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                    | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F), index + 4)
    }

    /// The start of the scalar that ends just before `index`.
    static func startOfScalar(before index: Int, in bytes: ArraySlice<UInt8>) -> Int {
        var start = index - 1
        while start > bytes.startIndex, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return start
    }

    static func scalar(at index: Int, in bytes: ArraySlice<UInt8>) -> Unicode.Scalar {
        bytes.withUnsafeBufferPointer { buffer in
            Unicode.Scalar(decode(buffer, at: index - bytes.startIndex).value) ?? "\u{FFFD}"
        }
    }
}

/// `\p{L}`, `\p{N}` and `\s` as the pre-tokenizer patterns apply them (see `ScalarClass`).
public enum PatternCharacterClass: String, CaseIterable, Sendable {
    case letter, number, whitespace

    public func contains(_ scalar: Unicode.Scalar) -> Bool {
        let scalarClass = ScalarClass.of(scalar.value)
        switch self {
        case .letter: return scalarClass.contains(.letter)
        case .number: return scalarClass.contains(.number)
        case .whitespace: return scalarClass.contains(.whitespace)
        }
    }
}
