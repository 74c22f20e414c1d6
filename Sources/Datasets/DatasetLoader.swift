import Foundation

/// Problems read from a data file, with the rows that could not be used.
public struct LoadedDataset: Sendable {
    /// Where the problems came from: a path, or a description of the generator.
    public var source: String
    public var problems: [Problem]
    /// Bad rows, in file order (all skipped: under `.reject` loading throws instead).
    public var issues: [RowIssue]

    public init(source: String, problems: [Problem], issues: [RowIssue] = []) {
        self.source = source
        self.problems = problems
        self.issues = issues
    }

    /// Bad rows counted by kind, most frequent first.
    public var issueCounts: [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        for issue in issues { counts[issue.reason.category, default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// "7473 problems from train.jsonl; 2 rows skipped (1 invalid JSON, 1 empty question)".
    public var summary: String {
        let problemsText = "\(problems.count) problem\(problems.count == 1 ? "" : "s") from \(source)"
        guard !issues.isEmpty else { return problemsText + "; no rows skipped" }
        let kinds = issueCounts.map { "\($0.count) \($0.reason)" }.joined(separator: ", ")
        return problemsText + "; \(issues.count) row\(issues.count == 1 ? "" : "s") skipped (\(kinds))"
    }
}

/// Reads JSON Lines files and JSON-array files (what `datasets`' `to_json` writes with and
/// without `lines=True`), telling them apart by their first character.
///
/// Every row is checked; a bad one (invalid JSON, not an object, missing or mistyped field,
/// empty question, unparsable answer) becomes a `RowIssue` naming file:line. Under `.skip` the
/// good rows are used and the issues returned; under `.reject` any issue fails the load with
/// all of them listed. A file with no good row is always an error.
public struct DatasetLoader: Sendable {
    public var fields: FieldMapping
    public var badRows: BadRowPolicy
    /// Stop after this many good rows.
    public var limit: Int?

    public init(fields: FieldMapping, badRows: BadRowPolicy = .skip, limit: Int? = nil) {
        self.fields = fields
        self.badRows = badRows
        self.limit = limit
    }

    public init(preset: DatasetPreset, badRows: BadRowPolicy = .skip, limit: Int? = nil) {
        self.init(fields: preset.fields, badRows: badRows, limit: limit)
    }

    public func load(path: String) throws -> LoadedDataset {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try load(bytes: [UInt8](data), name: path)
    }

    /// Loads file contents; `name` is what locations and messages call the file.
    public func load(bytes: [UInt8], name: String) throws -> LoadedDataset {
        var collector = RowCollector(reader: RowReader(fields: fields), file: name, limit: limit)
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let firstSignificant = bytes[start...].firstIndex { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if let first = firstSignificant, bytes[first] == UInt8(ascii: "[") {
            collector.readJSONArray(bytes, from: start)
        } else {
            collector.readJSONLines(bytes, from: start)
        }
        if badRows == .reject && !collector.issues.isEmpty { throw DatasetError.rejectedRows(collector.issues) }
        guard !collector.problems.isEmpty else { throw DatasetError.noUsableRows(path: name, issues: collector.issues.count) }
        return LoadedDataset(source: name, problems: collector.problems, issues: collector.issues)
    }
}

/// The rows of one file as they are read.
private struct RowCollector {
    let reader: RowReader
    let file: String
    let limit: Int?
    var problems: [Problem] = []
    var issues: [RowIssue] = []

    init(reader: RowReader, file: String, limit: Int?) {
        self.reader = reader
        self.file = file
        self.limit = limit
    }

    var isFull: Bool { limit.map { problems.count >= $0 } ?? false }

    mutating func add(_ value: JSONValue, line: Int) {
        switch reader.problem(from: value, at: RowLocation(file: file, line: line)) {
        case .success(let problem): problems.append(problem)
        case .failure(let issue): issues.append(issue)
        }
    }

    mutating func report(_ reason: RowIssue.Reason, line: Int) {
        issues.append(RowIssue(location: RowLocation(file: file, line: line), reason: reason))
    }

    /// One JSON object per line; blank lines are ignored, a "\r" before "\n" is dropped.
    mutating func readJSONLines(_ bytes: [UInt8], from start: Int) {
        var lineStart = start
        var lineNumber = 1
        while lineStart < bytes.count && !isFull {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var line = Array(bytes[lineStart..<lineEnd])
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.contains(where: { ![0x20, 0x09].contains($0) }) {
                do {
                    add(try JSONParser.parseDocument(line), line: lineNumber)
                } catch let error as JSONSyntaxError {
                    report(.invalidJSON(error.message), line: lineNumber)
                } catch {
                    report(.invalidJSON("\(error)"), line: lineNumber)
                }
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
    }

    /// A top-level array of row objects, each located by the line its value starts on. A
    /// syntax error ends the reading: past it, where rows begin cannot be known.
    mutating func readJSONArray(_ bytes: [UInt8], from start: Int) {
        var parser = JSONParser(bytes: bytes, position: start)
        _ = parser.consume(UInt8(ascii: "["))
        do {
            if parser.consume(UInt8(ascii: "]")) { return try expectEnd(&parser) }
            repeat {
                parser.skipWhitespace()
                let line = parser.line
                add(try parser.parseValue(depth: 1), line: line)
                if isFull { return }
            } while parser.consume(UInt8(ascii: ","))
            guard parser.consume(UInt8(ascii: "]")) else { throw parser.error("expected ',' or ']' between rows") }
            try expectEnd(&parser)
        } catch let error as JSONSyntaxError {
            report(.invalidJSON(error.message + "; the rest of the file is not read"), line: error.line)
        } catch {
            report(.invalidJSON("\(error)"), line: parser.line)
        }
    }

    private func expectEnd(_ parser: inout JSONParser) throws {
        parser.skipWhitespace()
        guard parser.isAtEnd else { throw parser.error("unexpected text after the array") }
    }
}
