import Foundation
import ModelFiles
import Tokenization
import XCTest

/// Loading failures name the file and what is wrong with it.
final class LoadingErrorTests: XCTestCase {
    /// A minimal valid byte-level BPE tokenizer.json, for altering one part at a time.
    private func tinyTokenizerJSON(model: String? = nil, normalizer: String = "null",
                                   preTokenizer: String? = nil, decoder: String? = nil) -> Data {
        let vocabulary = (0..<256).map { byte -> String in
            let token = ByteLevelMapping.encode([UInt8(byte)])
            return "\(jsonString(token)): \(byte)"
        }.joined(separator: ", ")
        let bpe = model ?? #"{"type": "BPE", "vocab": {\#(vocabulary), "ab": 256}, "merges": ["a b"]}"#
        let pre = preTokenizer ?? #"{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"#
        let dec = decoder ?? #"{"type": "ByteLevel"}"#
        return Data(#"{"added_tokens": [], "normalizer": \#(normalizer), "pre_tokenizer": \#(pre), "decoder": \#(dec), "model": \#(bpe)}"#.utf8)
    }

    private func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    private func assertError(_ body: @autoclosure () throws -> some Any, mentions fragments: [String],
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            for fragment in fragments {
                XCTAssertTrue("\(error)".contains(fragment), "'\(error)' does not mention \(fragment)", file: file, line: line)
            }
        }
    }

    /// The base the error cases alter is itself valid: each byte's id is the byte, "ab" is 256,
    /// and the GPT-2 pattern cuts "ab a" into "ab" and " a" (no merge joins "Ġ" and "a").
    func testTinyTokenizerLoads() throws {
        let tokenizer = try BPETokenizer(tokenizerJSONData: tinyTokenizerJSON(), source: "tiny.json")
        XCTAssertEqual(tokenizer.encode("ab a"), [256, 32, 97])
    }

    func testMissingFiles() {
        let missing = URL(fileURLWithPath: "/nonexistent/model")
        assertError(try BPETokenizer(modelDirectory: missing), mentions: ["not found", "/nonexistent/model/tokenizer.json"])
        assertError(try BPETokenizer(tokenizerJSON: missing.appendingPathComponent("t.json")), mentions: ["t.json"])
    }

    func testInvalidJSONNamesTheSource() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID()).json")
        try Data("{\"model\": ".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        assertError(try BPETokenizer(tokenizerJSON: url), mentions: [url.lastPathComponent, "not valid JSON"])
    }

    func testUnsupportedModelTypes() {
        for type in ["WordPiece", "Unigram", "WordLevel"] {
            let data = tinyTokenizerJSON(model: #"{"type": "\#(type)", "vocab": {}}"#)
            assertError(try BPETokenizer(tokenizerJSONData: data, source: "x.json"), mentions: [type, "x.json"])
        }
    }

    func testUnsupportedStages() {
        assertError(try BPETokenizer(tokenizerJSONData: tinyTokenizerJSON(normalizer: #"{"type": "Lowercase"}"#)),
                    mentions: ["Lowercase"])
        let split = #"{"type": "Split", "pattern": {"Regex": "\\w+|\\d"}, "behavior": "Isolated"}"#
        assertError(try BPETokenizer(tokenizerJSONData: tinyTokenizerJSON(
            preTokenizer: #"{"type": "Sequence", "pretokenizers": [\#(split), {"type": "ByteLevel", "use_regex": false}]}"#)),
                    mentions: [#"\w+|\d"#])
        assertError(try BPETokenizer(tokenizerJSONData: tinyTokenizerJSON(preTokenizer: #"{"type": "Whitespace"}"#)),
                    mentions: ["Whitespace"])
        assertError(try BPETokenizer(tokenizerJSONData: tinyTokenizerJSON(decoder: #"{"type": "WordPiece"}"#)),
                    mentions: ["WordPiece"])
    }

    func testGGUFMetadataErrors() throws {
        var metadata = try TokenizerFixtures.qwenGGUFMetadata()
        metadata["tokenizer.ggml.pre"] = .string("tekken-9000")
        assertError(try BPETokenizer(ggufMetadata: metadata), mentions: ["tekken-9000", "qwen2", "smollm"])
        metadata["tokenizer.ggml.model"] = .string("llama")
        assertError(try BPETokenizer(ggufMetadata: metadata), mentions: ["llama", "GGUF metadata"])
        metadata["tokenizer.ggml.model"] = nil
        assertError(try BPETokenizer(ggufMetadata: metadata), mentions: ["tokenizer.ggml.model"])
    }
}
