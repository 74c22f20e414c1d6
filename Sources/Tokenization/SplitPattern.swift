/// A pre-tokenizer regex from the family byte-level BPE models use (GPT-2, Llama-3, Qwen2),
/// read into the list of its top-level alternatives. No general regex engine is involved: each
/// alternative must be one of the spellings below, and `SplitPatternMatcher` implements each
/// one by hand with the backtracking behaviour the regex would have.
public struct SplitPattern: Sendable, Equatable {
    public let source: String
    let alternatives: [SplitAlternative]

    /// Qwen2 / Qwen2.5: letters may carry one leading non-letter, digits stand alone.
    public static let qwen2 = try! SplitPattern(regex:
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#)

    /// Llama-3: as Qwen2 but digits in groups of up to three.
    public static let llama3 = try! SplitPattern(regex:
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#)

    /// GPT-2, also what Hugging Face's ByteLevel pre-tokenizer applies when `use_regex` is true.
    public static let gpt2 = try! SplitPattern(regex:
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)

    public init(regex: String) throws {
        source = regex
        alternatives = try Self.parse(regex, caseInsensitive: false, whole: regex)
    }

    /// The spellings of the alternatives this module implements, regex text → alternative.
    private static let knownAlternatives: [String: SplitAlternative] = [
        #"[^\r\n\p{L}\p{N}]?\p{L}+"#: .lettersAfterOptionalNonLetter,
        #" ?\p{L}+"#: .lettersAfterOptionalSpace,
        #"\p{L}+"#: .letters,
        #"\p{N}"#: .numbers(maxCount: 1, optionalLeadingSpace: false),
        #"\p{N}{1,3}"#: .numbers(maxCount: 3, optionalLeadingSpace: false),
        #"\p{N}+"#: .numbers(maxCount: .max, optionalLeadingSpace: false),
        #" ?\p{N}+"#: .numbers(maxCount: .max, optionalLeadingSpace: true),
        #" ?[^\s\p{L}\p{N}]+[\r\n]*"#: .symbols(trailingLineBreaks: true),
        #" ?[^\s\p{L}\p{N}]+"#: .symbols(trailingLineBreaks: false),
        #"\s*[\r\n]+"#: .whitespaceThroughLastLineBreak,
        #"\s+(?!\S)"#: .whitespaceNotBeforeNonSpace,
        #"\s+"#: .whitespace,
    ]

    private static func parse(_ regex: String, caseInsensitive: Bool, whole: String) throws -> [SplitAlternative] {
        var result: [SplitAlternative] = []
        for alternative in try topLevelAlternatives(of: regex, whole: whole) {
            if let inner = groupBody(alternative, opener: "(?i:") {
                result += try parse(inner, caseInsensitive: true, whole: whole)
            } else if let inner = groupBody(alternative, opener: "(?:") {
                result += try parse(inner, caseInsensitive: caseInsensitive, whole: whole)
            } else if let known = knownAlternatives[alternative] {
                result.append(known)
            } else if let literal = literal(alternative) {
                result.append(.literal(literal, caseInsensitive: caseInsensitive))
            } else {
                throw TokenizerError.unsupportedPattern(
                    pattern: whole, reason: "the alternative \(alternative) is not one this matcher implements")
            }
        }
        return result
    }

    /// Splits at `|` outside groups and bracket expressions.
    private static func topLevelAlternatives(of regex: String, whole: String) throws -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var inBracket = false
        var escaped = false
        for character in regex {
            if escaped {
                escaped = false
                current.append(character)
                continue
            }
            switch character {
            case "\\": escaped = true
            case "[" where !inBracket: inBracket = true
            case "]" where inBracket: inBracket = false
            case "(" where !inBracket: depth += 1
            case ")" where !inBracket: depth -= 1
            case "|" where depth == 0 && !inBracket:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        guard depth == 0, !inBracket, !escaped else {
            throw TokenizerError.unsupportedPattern(pattern: whole, reason: "unbalanced group or bracket")
        }
        parts.append(current)
        if parts.contains(where: \.isEmpty) {
            throw TokenizerError.unsupportedPattern(pattern: whole, reason: "an alternative is empty")
        }
        return parts
    }

    /// The inside of `opener…)` when the whole alternative is that one group.
    private static func groupBody(_ alternative: String, opener: String) -> String? {
        guard alternative.hasPrefix(opener), alternative.hasSuffix(")") else { return nil }
        let body = String(alternative.dropFirst(opener.count).dropLast())
        // "(?:a)|(b)" style texts are not one group: the body must itself be balanced.
        var depth = 0
        var escaped = false
        for character in body {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true } else if character == "(" { depth += 1 } else if character == ")" {
                depth -= 1
                if depth < 0 { return nil }
            }
        }
        return depth == 0 ? body : nil
    }

    /// The text of an alternative without regex syntax (`'s`, `'ll`), as scalars.
    private static func literal(_ alternative: String) -> [Unicode.Scalar]? {
        let syntax = Set(#"\.^$|?*+()[]{}"#.unicodeScalars)
        let scalars = Array(alternative.unicodeScalars)
        return scalars.contains(where: syntax.contains) ? nil : scalars
    }
}

/// One top-level alternative of a `SplitPattern`; the comments give the regex it stands for.
enum SplitAlternative: Sendable, Equatable {
    /// A fixed string such as `'ll`, optionally ASCII-case-insensitive (`(?i:…)`).
    case literal([Unicode.Scalar], caseInsensitive: Bool)
    /// `[^\r\n\p{L}\p{N}]?\p{L}+`
    case lettersAfterOptionalNonLetter
    /// ` ?\p{L}+`
    case lettersAfterOptionalSpace
    /// `\p{L}+`
    case letters
    /// `\p{N}`, `\p{N}{1,3}`, `\p{N}+`, ` ?\p{N}+`
    case numbers(maxCount: Int, optionalLeadingSpace: Bool)
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*` or, without the line breaks, ` ?[^\s\p{L}\p{N}]+`
    case symbols(trailingLineBreaks: Bool)
    /// `\s*[\r\n]+`
    case whitespaceThroughLastLineBreak
    /// `\s+(?!\S)`
    case whitespaceNotBeforeNonSpace
    /// `\s+`
    case whitespace
}
