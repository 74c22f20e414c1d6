@testable import Datasets
import XCTest

/// The JSON parser the loaders use, and `str()` of JSON numbers against Python.
final class JSONReadingTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parseDocument(Array(text.utf8))
    }

    func testValues() throws {
        XCTAssertEqual(try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "a": 7} "#),
                       .object(["a": .number("7"), "b": .object(["c": .string("d")])]))
        XCTAssertEqual(try parse(#""\"\\\/\b\f\n\r\t\u00e9\u4E2D\ud83d\ude00""#),
                       .string("\"\\/\u{8}\u{C}\n\r\té中😀"))
        XCTAssertEqual(try parse(#""\ud83d x""#), .string("\u{FFFD} x"), "a lone surrogate")
        XCTAssertEqual(try parse("\"中文 \u{3000}\""), .string("中文 \u{3000}"))
        XCTAssertEqual(try parse("[]"), .array([]))
    }

    func testSyntaxErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("{\n\"a\": 1,\n}", 3, "expected a string key"),
            ("[1,\n2,,3]", 2, "unexpected character ','"),
            ("\"tab\there\"", 1, "control character U+9 in a string"),
            ("01", 1, "unexpected text after the JSON value"),
            ("1.", 1, "invalid number: no digits after '.'"),
            ("-", 1, "invalid number"),
            ("NaN", 1, "unexpected character 'N'"),
            ("tru", 1, "invalid literal"),
            ("\"\\x\"", 1, "invalid escape '\\x'"),
            ("\"\\u12g4\"", 1, "invalid \\u escape"),
            ("\"open", 1, "unterminated string"),
            ("{\"a\" 1}", 1, "expected ':' after key \"a\""),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                XCTAssertEqual(error as? JSONSyntaxError, JSONSyntaxError(line: line, message: message), text)
            }
        }
    }

    func testNumbersPrintAsPythonPrintsThem() throws {
        let expected = try XCTUnwrap(DatasetFixtures.pythonReference()["python_str_of_json_numbers"] as? [String: String])
        XCTAssertGreaterThan(expected.count, 20)
        for (literal, python) in expected {
            XCTAssertEqual(PythonNumberText.string(forJSONLiteral: literal), python, literal)
        }
    }

    func testNumericAnswersBecomePythonText() throws {
        let text = #"{"question_zh-cn": "q", "answer_only": 72}"# + "\n" + #"{"question_zh-cn": "q", "answer_only": 72.0}"#
        let dataset = try DatasetLoader(preset: .gsm8kChinese).load(bytes: Array(text.utf8), name: "n.jsonl")
        XCTAssertEqual(dataset.problems.map(\.answer), ["72", "72.0"])
    }
}
