import Foundation
import Tokenization
import XCTest

/// Added tokens with lstrip / rstrip / single_word / normalized flags, against Hugging Face on
/// the shared tokenizer.json extended with the fixture's extra tokens and an NFC normalizer.
final class AddedTokenTests: XCTestCase {
    func testAddedTokenFlagsMatchHuggingFace() throws {
        let fixture = try TokenizerFixtures.json("added_token_flags.json")
        let data = try Data(contentsOf: TokenizerFixtures.sharedTokenizerJSON)
        var root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let extra = try XCTUnwrap(fixture["added_tokens"] as? [[String: Any]])
        root["added_tokens"] = try XCTUnwrap(root["added_tokens"] as? [[String: Any]]) + extra
        root["normalizer"] = fixture["normalizer"]
        let tokenizer = try BPETokenizer(tokenizerJSONData: try JSONSerialization.data(withJSONObject: root),
                                         source: "tokenizer.json with extra added tokens")

        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 10)
        for testCase in cases {
            let text = try XCTUnwrap(testCase["text"] as? String)
            let expected = try XCTUnwrap(testCase["ids"] as? [NSNumber]).map(\.int32Value)
            let ids = tokenizer.encode(text)
            XCTAssertEqual(ids, expected, text.debugDescription)
            XCTAssertSameBytes(tokenizer.decode(ids, skipSpecialTokens: true),
                               try XCTUnwrap(testCase["skip_special"] as? String), text.debugDescription)
        }
        XCTAssertEqual(tokenizer.vocabularySize, try XCTUnwrap(fixture["vocab_size"] as? Int))
        for (content, id) in try XCTUnwrap(fixture["ids"] as? [String: Int]) {
            XCTAssertEqual(tokenizer.id(for: content).map(Int.init), id, content)
        }
    }
}
