import Foundation
import Tokenization
import XCTest

/// Decoding against Hugging Face's decoder: whole sequences, slices that cut characters in
/// half, special tokens skipped, and the streaming decoder.
final class DecodingTests: XCTestCase {
    /// Hugging Face decodes every corpus string's ids back to the string (the fixture script
    /// asserts it), so the same must hold here, byte for byte.
    func testDecodeOfEncodeIsTheOriginalText() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        for testCase in try TokenizerFixtures.encodingCases() {
            XCTAssertSameBytes(tokenizer.decode(tokenizer.encode(testCase.text)), testCase.text)
        }
    }

    func testSkippingSpecialTokensMatchesHuggingFace() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        let cases = try TokenizerFixtures.encodingCases().filter { $0.decodedSkippingSpecialTokens != nil }
        XCTAssertGreaterThan(cases.count, 10)
        for testCase in cases {
            let ids = try XCTUnwrap(testCase.ids["qwen"])
            XCTAssertSameBytes(tokenizer.decode(ids, skipSpecialTokens: true),
                               try XCTUnwrap(testCase.decodedSkippingSpecialTokens))
        }
    }

    /// Slices of id sequences, many ending or starting inside a character, where the bytes are
    /// not valid UTF-8 and both decoders substitute U+FFFD.
    func testDecodingSlicesMatchesHuggingFace() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        let rows = try TokenizerFixtures.jsonLines("decoding.jsonl")
        XCTAssertTrue(rows.contains { ($0["text"] as? String)?.contains("\u{FFFD}") == true },
                      "the fixture should include slices that cut a character")
        for row in rows {
            let ids = try XCTUnwrap(row["ids"] as? [NSNumber]).map(\.int32Value)
            XCTAssertSameBytes(tokenizer.decode(ids), try XCTUnwrap(row["text"] as? String), "\(ids)")
            XCTAssertSameBytes(tokenizer.decode(ids, skipSpecialTokens: true),
                               try XCTUnwrap(row["skip_special"] as? String), "\(ids)")
        }
    }

    /// Fed one id at a time, the streaming decoder returns the whole text in pieces that never
    /// hold a broken character, and it does have to hold bytes back along the way.
    func testStreamingDecoderYieldsCompleteCharactersOnly() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        var heldBack = 0
        for testCase in try TokenizerFixtures.encodingCases() {
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var streamed = ""
            for id in try XCTUnwrap(testCase.ids["qwen"]) {
                let chunk = decoder.append(id)
                XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}") && !testCase.text.contains("\u{FFFD}"),
                               "broken character streamed for \(testCase.text.debugDescription)")
                streamed += chunk
                if decoder.pendingByteCount > 0 { heldBack += 1 }
            }
            streamed += decoder.finish()
            XCTAssertSameBytes(streamed, testCase.text)
        }
        XCTAssertGreaterThan(heldBack, 20, "emoji and CJK should split across tokens in the corpus")
    }

    func testStreamingDecoderSkipsSpecialTokens() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        for testCase in try TokenizerFixtures.encodingCases() {
            guard let expected = testCase.decodedSkippingSpecialTokens else { continue }
            var decoder = StreamingDecoder(tokenizer: tokenizer, skipSpecialTokens: true)
            let streamed = try XCTUnwrap(testCase.ids["qwen"]).map { decoder.append($0) }.joined() + decoder.finish()
            XCTAssertSameBytes(streamed, expected)
        }
    }

    /// Streaming the cut slices and flushing at the end gives what decoding them at once gives.
    func testStreamingDecoderFlushesIncompleteBytesAtFinish() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        for row in try TokenizerFixtures.jsonLines("decoding.jsonl") {
            let ids = try XCTUnwrap(row["ids"] as? [NSNumber]).map(\.int32Value)
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            let streamed = ids.map { decoder.append($0) }.joined() + decoder.finish()
            XCTAssertSameBytes(streamed, try XCTUnwrap(row["text"] as? String), "\(ids)")
            XCTAssertEqual(decoder.pendingByteCount, 0)
        }
    }
}
