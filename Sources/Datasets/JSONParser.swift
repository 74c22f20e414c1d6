/// A strict JSON parser over UTF-8 bytes (RFC 8259, as Python's `json.loads` accepts it minus
/// `NaN`/`Infinity`), counting lines so that the elements of a JSON-array file can be reported
/// by line. Nesting deeper than `maximumDepth` is an error rather than a stack overflow: a data
/// file must never crash the loader.
struct JSONParser {
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private(set) var position: Int
    /// 1-based line of `position`.
    private(set) var line: Int

    init(bytes: [UInt8], position: Int = 0, line: Int = 1) {
        self.bytes = bytes
        self.position = position
        self.line = line
    }

    var isAtEnd: Bool { position >= bytes.count }
    var nextByte: UInt8? { isAtEnd ? nil : bytes[position] }

    /// Parses one whole document: a value with nothing but whitespace around it.
    static func parseDocument(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.isAtEnd else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            position += 1
        }
    }

    /// Consumes `byte` if it is next (after whitespace).
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard nextByte == byte else { return false }
        position += 1
        return true
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, message: message)
    }

    mutating func parseValue(depth: Int = 0) throws -> JSONValue {
        skipWhitespace()
        guard let byte = nextByte else { throw error("unexpected end of input") }
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseKeyword("true", .bool(true))
        case UInt8(ascii: "f"): return try parseKeyword("false", .bool(false))
        case UInt8(ascii: "n"): return try parseKeyword("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(Unicode.Scalar(byte))'")
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        position += 1
        var members: [String: JSONValue] = [:]
        if consume(UInt8(ascii: "}")) { return .object(members) }
        repeat {
            skipWhitespace()
            guard nextByte == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            guard consume(UInt8(ascii: ":")) else { throw error("expected ':' after key \"\(key)\"") }
            members[key] = try parseValue(depth: depth + 1)
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw error("expected ',' or '}' in an object") }
        return .object(members)
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        repeat {
            elements.append(try parseValue(depth: depth + 1))
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw error("expected ',' or ']' in an array") }
        return .array(elements)
    }

    private mutating func parseKeyword(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        guard position + count <= bytes.count, bytes[position..<(position + count)].elementsEqual(expected) else {
            throw error("invalid literal")
        }
        position += count
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func parseNumber() throws -> String {
        let start = position
        func digits() -> Int {
            let first = position
            while let byte = nextByte, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
            return position - first
        }
        if nextByte == UInt8(ascii: "-") { position += 1 }
        if nextByte == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if nextByte == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if nextByte == UInt8(ascii: "e") || nextByte == UInt8(ascii: "E") {
            position += 1
            if nextByte == UInt8(ascii: "+") || nextByte == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw error("invalid number: no digits in the exponent") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func parseString() throws -> String {
        position += 1
        var text: [UInt8] = []
        var runStart = position
        while true {
            guard let byte = nextByte else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                text += bytes[runStart..<position]
                position += 1
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                text += bytes[runStart..<position]
                position += 1
                try appendEscape(to: &text)
                runStart = position
            case 0..<0x20:
                throw error("control character U+\(String(byte, radix: 16, uppercase: true)) in a string")
            default:
                position += 1
            }
        }
    }

    private mutating func appendEscape(to text: inout [UInt8]) throws {
        guard let byte = nextByte else { throw error("unterminated string") }
        position += 1
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = byte
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        default: simple = nil
        }
        if let simple {
            text.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("invalid escape '\\\(Unicode.Scalar(byte))'") }
        var code = try hexQuad()
        if (0xD800..<0xDC00).contains(code), bytes[position...].starts(with: Array("\\u".utf8)) {
            let saved = position
            position += 2
            let low = try hexQuad()
            if (0xDC00..<0xE000).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                position = saved
            }
        }
        // A lone surrogate has no UTF-8 form; it becomes U+FFFD.
        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
        text += Array(String(Character(scalar)).utf8)
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var value: UInt32 = 0
        for byte in bytes[position..<(position + 4)] {
            guard let digit = hexDigit(byte) else {
                throw error("invalid \\u escape")
            }
            value = value << 4 | digit
        }
        position += 4
        return value
    }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
