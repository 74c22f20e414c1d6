import Datasets
import XCTest

/// Bad rows are reported by file:line and skipped or rejected; no input crashes the loader.
final class BadRowTests: XCTestCase {
    private func load(_ text: String, preset: DatasetPreset = .gsm8kChinese, policy: BadRowPolicy = .skip,
                      limit: Int? = nil) throws -> LoadedDataset {
        try DatasetLoader(preset: preset, badRows: policy, limit: limit).load(bytes: Array(text.utf8), name: "rows.jsonl")
    }

    private let mixedJSONLines = """
        {"question_zh-cn": "一加一等于几？", "answer_only": 2}
        {"question_zh-cn": "缺答案"}
        {"question_zh-cn": "", "answer_only": "3"}
        {"question_zh-cn": "坏的 JSON", "answer_only": 4

        [1, 2]
        {"question_zh-cn": "答案为空", "answer_only": "  "}
        {"question_zh-cn": "答案不是数字", "answer_only": "四"}
        {"question_zh-cn": 5, "answer_only": "5"}
        {"question_zh-cn": "答案是布尔值", "answer_only": true}
        {"question_zh-cn": "浮点答案", "answer_only": 18.0}\r
        {"question_zh-cn": "带逗号的答案", "answer_only": "1,000"}
        """

    func testBadRowsAreSkippedAndNamedByLine() throws {
        let dataset = try load(mixedJSONLines)
        XCTAssertEqual(dataset.problems.map(\.answer), ["2", "18.0", "1,000"])
        XCTAssertEqual(dataset.problems.map { $0.location?.line }, [1, 11, 12])
        XCTAssertEqual(dataset.issues.map(\.description), [
            "rows.jsonl:2: missing field 'answer_only'",
            "rows.jsonl:3: empty question",
            "rows.jsonl:4: invalid JSON: expected ',' or '}' in an object",
            "rows.jsonl:6: row is an array, not an object",
            "rows.jsonl:7: empty answer",
            "rows.jsonl:8: unparsable answer: \"四\" is not a number",
            "rows.jsonl:9: field 'question_zh-cn' is a number",
            "rows.jsonl:10: field 'answer_only' is a boolean",
        ])
        XCTAssertEqual(dataset.summary, "3 problems from rows.jsonl; 8 rows skipped (1 empty answer, 1 empty question, "
            + "1 invalid JSON, 1 missing field 'answer_only', 1 not an object, 1 unparsable answer, "
            + "1 wrong type of field 'answer_only', 1 wrong type of field 'question_zh-cn')")
    }

    func testRejectPolicyListsEveryBadRow() {
        XCTAssertThrowsError(try load(mixedJSONLines, policy: .reject)) { error in
            guard case DatasetError.rejectedRows(let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.location.line), [2, 3, 4, 6, 7, 8, 9, 10])
            XCTAssertTrue("\(error)".hasPrefix("8 bad rows (bad rows are rejected):\n  rows.jsonl:2: missing field"))
        }
        XCTAssertNoThrow(try load(#"{"question_zh-cn": "q", "answer_only": 1}"#, policy: .reject))
    }

    func testJSONArrayFilesLocateRowsByLine() throws {
        let text = """
            [
              {"prompt": "first", "answer": "1"},
              {"prompt": "second",
               "answer": 2},
              {"prompt": "no answer"},
              {"prompt": "third", "answer": "三"}
            ]
            """
        let dataset = try load(text, preset: .promptAnswer)
        XCTAssertEqual(dataset.problems.map(\.question), ["first", "second", "third"])
        XCTAssertEqual(dataset.problems.map { $0.location?.line }, [2, 3, 6])
        XCTAssertEqual(dataset.issues.map(\.description), ["rows.jsonl:5: missing field 'answer'"])

        let broken = "[\n{\"prompt\": \"a\", \"answer\": \"1\"},\n{\"prompt\": \"b\" \"answer\": \"2\"},\n{\"prompt\": \"c\", \"answer\": \"3\"}]"
        let partial = try load(broken, preset: .promptAnswer)
        XCTAssertEqual(partial.problems.map(\.question), ["a"])
        XCTAssertEqual(partial.issues.map(\.description),
                       ["rows.jsonl:3: invalid JSON: expected ',' or '}' in an object; the rest of the file is not read"])
    }

    func testEmptyAndUnusableFilesAreErrorsNotCrashes() {
        for text in ["", "\n\n", "[]", "{}", "[1, 2, 3]", "\u{FEFF}", "[", "{\"a\":"] {
            XCTAssertThrowsError(try load(text)) { error in
                XCTAssertTrue(error is DatasetError, "\(text.debugDescription): \(error)")
            }
        }
        XCTAssertThrowsError(try DatasetLoader(preset: .gsm8k).load(path: "/nonexistent/train.jsonl")) {
            guard case DatasetError.unreadable(let path, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(path, "/nonexistent/train.jsonl")
        }
    }

    func testArbitraryBytesNeverCrash() {
        var state: UInt64 = 12345
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let alphabet = Array("{}[]\":,\\u0 9e.-tn\n\r\u{FF}".utf8)
        for _ in 0..<500 {
            let bytes = (0..<Int(next() % 64)).map { _ in alphabet[Int(next()) % alphabet.count] }
            _ = try? DatasetLoader(preset: .promptAnswer).load(bytes: bytes, name: "fuzz")
        }
        let deep = String(repeating: "[", count: 100_000)
        XCTAssertThrowsError(try load(deep))
        XCTAssertThrowsError(try load("{\"question_zh-cn\": \"q\", \"answer_only\": " + deep))
    }

    func testByteOrderMarkAndInvalidUTF8() throws {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Array(#"{"prompt": "q"#.utf8) + [0xFF] + Array(#"", "answer": "1"}"#.utf8)
        let dataset = try DatasetLoader(preset: .promptAnswer).load(bytes: bytes, name: "bom.jsonl")
        XCTAssertEqual(dataset.problems.first?.question, "q\u{FFFD}")
    }
}
