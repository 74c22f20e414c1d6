/// A Jinja template cut into tokens for comparing templates, not for running them. Two templates
/// with equal token streams render alike: whitespace inside tags is dropped, text between tags
/// is kept after the whitespace control transformers applies (`-` markers, plus its
/// `trim_blocks` and `lstrip_blocks` settings), comments are dropped, and string literals are
/// compared by value, so `'a\nb'` equals the same literal written with a real line break.
enum JinjaToken: Equatable {
    case text([UInt8])
    case openExpression, openStatement, close
    case string([UInt8])
    case word(String)
    case symbol(Character)
}

enum JinjaTokenStream {
    static func tokens(of template: String) -> [JinjaToken] {
        var tokens: [JinjaToken] = []
        var text = ""
        var rest = Substring(template)
        var trimNextText = false          // a `-` closer, or trim_blocks' first newline
        var blockJustClosed = false

        func flushText(trimEnd: Bool, stripLineIndent: Bool) {
            var body = Substring(text)
            if trimNextText { body = body.drop(while: \.isWhitespace) } else if blockJustClosed, body.first == "\n" {
                body = body.dropFirst()
            }
            if trimEnd {
                while body.last?.isWhitespace == true { body = body.dropLast() }
            } else if stripLineIndent {
                // lstrip_blocks: spaces and tabs between a line start and a block tag go.
                let indent = body.reversed().prefix { $0 == " " || $0 == "\t" }.count
                let beforeIndent = body.dropLast(indent)
                if beforeIndent.isEmpty || beforeIndent.last == "\n" { body = beforeIndent }
            }
            if !body.isEmpty { tokens.append(.text(Array(body.utf8))) }
            text = ""
        }

        while let opener = rest.firstIndex(of: "{") {
            let next = rest.index(after: opener)
            guard next < rest.endIndex, "{%#".contains(rest[next]) else {
                text += rest[...opener]
                rest = rest[next...]
                continue
            }
            text += rest[..<opener]
            let kind = rest[next]
            var inside = rest[rest.index(after: next)...]
            let trimsBefore = inside.first == "-"
            if trimsBefore || inside.first == "+" { inside = inside.dropFirst() }
            flushText(trimEnd: trimsBefore, stripLineIndent: kind != "{")

            let closer: Character = kind == "{" ? "}" : kind
            let (body, after) = splitAtCloser(inside, closer: closer)
            var content = body
            let trimsAfter = content.last == "-"
            if trimsAfter || content.last == "+" { content = content.dropLast() }
            if kind != "#" {
                tokens.append(kind == "{" ? .openExpression : .openStatement)
                tokens += innerTokens(content)
                tokens.append(.close)
            }
            trimNextText = trimsAfter
            blockJustClosed = kind != "{"
            rest = after
        }
        text += rest
        flushText(trimEnd: false, stripLineIndent: false)
        return tokens
    }

    /// The tag body up to its closer (`}}`, `%}`, `#}`) and the text after it; closers inside
    /// string literals do not count. An unclosed tag runs to the end.
    private static func splitAtCloser(_ text: Substring, closer: Character) -> (Substring, Substring) {
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if let open = quote {
                if character == "\\" { index = next < text.endIndex ? text.index(after: next) : next; continue }
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == closer, next < text.endIndex, text[next] == "}" {
                return (text[..<index], text[text.index(after: next)...])
            }
            index = next
        }
        return (text, text[text.endIndex...])
    }

    private static func innerTokens(_ body: Substring) -> [JinjaToken] {
        var tokens: [JinjaToken] = []
        var index = body.startIndex
        while index < body.endIndex {
            let character = body[index]
            if character.isWhitespace {
                index = body.index(after: index)
            } else if character == "'" || character == "\"" {
                let (value, end) = stringLiteral(body, from: index)
                tokens.append(.string(Array(value.utf8)))
                index = end
            } else if character.isLetter || character.isNumber || character == "_" {
                let end = body[index...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? body.endIndex
                tokens.append(.word(String(body[index..<end])))
                index = end
            } else {
                tokens.append(.symbol(character))
                index = body.index(after: index)
            }
        }
        return tokens
    }

    /// A quoted literal's value with Python's escapes resolved (those templates use).
    private static func stringLiteral(_ body: Substring, from start: Substring.Index) -> (String, Substring.Index) {
        let quote = body[start]
        var value = ""
        var index = body.index(after: start)
        while index < body.endIndex, body[index] != quote {
            if body[index] == "\\", body.index(after: index) < body.endIndex {
                index = body.index(after: index)
                switch body[index] {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                default: value.append(body[index])   // \\ \' \"
                }
            } else {
                value.append(body[index])
            }
            index = body.index(after: index)
        }
        return (value, index < body.endIndex ? body.index(after: index) : index)
    }
}
