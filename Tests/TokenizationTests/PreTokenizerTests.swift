import Foundation
import Tokenization
import XCTest

/// The hand-written pattern matcher against Hugging Face's Split / Digits pre-tokenizers
/// (Oniguruma regexes) on the hand-written part of the corpus.
final class PreTokenizerTests: XCTestCase {
    private func assertPieces(_ preTokenizer: PreTokenizer, column: String) throws {
        let rows = try TokenizerFixtures.jsonLines("pretokenization.jsonl")
        XCTAssertGreaterThan(rows.count, 100)
        for row in rows {
            let text = try XCTUnwrap(row["text"] as? String)
            let expected = try XCTUnwrap(row[column] as? [String])
            // Compared as UTF-8: `String ==` would equate canonically equivalent pieces.
            XCTAssertEqual(preTokenizer.pieces(of: text).map { Array($0.utf8) }, expected.map { Array($0.utf8) },
                           "[\(column)] \(text.debugDescription): \(preTokenizer.pieces(of: text))")
        }
    }

    func testQwen2Pattern() throws { try assertPieces(.qwen2, column: "qwen2") }
    func testLlama3Pattern() throws { try assertPieces(.llama3, column: "llama3") }
    func testGPT2Pattern() throws { try assertPieces(.gpt2, column: "gpt2") }
    func testDigitsThenGPT2() throws { try assertPieces(.digitsThenGPT2, column: "smollm") }

    /// The patterns as tokenizer.json files spell them parse to the built-in ones.
    func testPatternTextsParse() throws {
        let qwen = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        XCTAssertEqual(try SplitPattern(regex: qwen), SplitPattern.qwen2)
    }

    func testUnsupportedPatternNamesThePattern() {
        let pattern = #"\p{L}+|[0-9]{2,}"#
        XCTAssertThrowsError(try SplitPattern(regex: pattern)) { error in
            XCTAssertTrue("\(error)".contains(pattern), "\(error)")
            XCTAssertTrue("\(error)".contains("[0-9]{2,}"), "\(error)")
        }
        XCTAssertThrowsError(try SplitPattern(regex: #"(?i:'s|'t"#))
    }
}
