import Foundation

/// Reads JSON Lines from standard input, one object per line, with errors naming the line.
struct JSONLinesReader {
    private(set) var lineNumber = 0

    /// The next non-empty line parsed as a JSON object, or nil at end of input.
    mutating func next() throws -> [String: Any]? {
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CLIError.badInput("stdin line \(lineNumber): not a JSON object")
            }
            return object
        }
        return nil
    }

    /// `object[key]` as token ids, each in 0..<vocabSize.
    func ids(_ object: [String: Any], key: String = "ids", vocabSize: Int) throws -> [Int32] {
        guard let array = object[key] as? [Any] else {
            throw CLIError.badInput("stdin line \(lineNumber): expected {\"\(key)\": [token ids]}")
        }
        return try array.map { value in
            guard let number = value as? NSNumber,
                  let id = Int32(exactly: number.doubleValue), id >= 0, Int(id) < vocabSize else {
                throw CLIError.badInput("stdin line \(lineNumber): \(key) holds \(value), not a token id in 0..<\(vocabSize)")
            }
            return id
        }
    }
}

/// Writes one compact JSON object per line to standard output, keys sorted so output is
/// byte-for-byte reproducible.
enum JSONLinesWriter {
    static func write(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes, .sortedKeys])
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data([0x0A]))
    }

    /// Floats as JSON numbers with their shortest round-tripping decimal form.
    static func numbers(_ values: [Float]) -> [Any] {
        values.map { $0.isFinite ? NSDecimalNumber(string: "\($0)") as Any : NSNull() }
    }
}

/// An error the user should see as one clear line.
enum CLIError: Error, CustomStringConvertible {
    case badInput(String)
    case badOption(String)

    var description: String {
        switch self {
        case .badInput(let s), .badOption(let s): return s
        }
    }
}
