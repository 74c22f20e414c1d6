import Foundation
import ModelFiles
import Tokenization
import XCTest

/// The reference data Scripts/make-tokenizer-fixtures.py wrote with Hugging Face tokenizers,
/// transformers and jinja2, and the tokenizers under test, each loaded once.
enum TokenizerFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("Tests/Fixtures/tokenizer")
    /// The shared Qwen2.5 tokenizer files (read-only, next to the repository).
    static let sharedQwenDirectory = packageRoot.appendingPathComponent("../shared/tokenizers/qwen2.5").standardized
    static let sharedTokenizerJSON = sharedQwenDirectory.appendingPathComponent("tokenizer.json")

    struct EncodingCase {
        let text: String
        /// Reference ids by column: "qwen", "qwen_nfc", "smollm2".
        let ids: [String: [TokenID]]
        let decodedSkippingSpecialTokens: String?
    }

    static func jsonLines(_ name: String) throws -> [[String: Any]] {
        let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: escapingByteOrderMarks(Data(line.utf8))) as? [String: Any])
        }
    }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: escapingByteOrderMarks(data)) as? [String: Any])
    }

    /// Foundation's JSONSerialization drops a U+FEFF that begins a string value (the corpus has
    /// one); written as the escape `\ufeff` it survives.
    static func escapingByteOrderMarks(_ data: Data) -> Data {
        let text = String(decoding: data, as: UTF8.self)
        return Data(text.replacingOccurrences(of: "\u{FEFF}", with: "\\ufeff", options: .literal).utf8)
    }

    static func encodingCases() throws -> [EncodingCase] {
        try jsonLines("encoding.jsonl").map { row in
            var ids: [String: [TokenID]] = [:]
            for column in ["qwen", "qwen_nfc", "smollm2"] {
                ids[column] = (row[column] as? [NSNumber])?.map(\.int32Value)
            }
            return EncodingCase(text: try XCTUnwrap(row["text"] as? String), ids: ids,
                                decodedSkippingSpecialTokens: row["qwen_skip_special"] as? String)
        }
    }

    /// bos/eos/pad ids and vocabulary size per model, as transformers reports them.
    static func specialTokenIDs(_ model: String) throws -> [String: Int] {
        let entry = try XCTUnwrap(try json("special_tokens.json")[model] as? [String: Any])
        return entry.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    // MARK: Tokenizers under test

    /// The shared tokenizer.json as it is (normalizer null).
    static func qwen() throws -> BPETokenizer { try qwenResult.get() }
    private static let qwenResult = Result { try BPETokenizer(modelDirectory: sharedQwenDirectory) }

    /// The shared tokenizer.json with `"normalizer": null` replaced, as upstream Qwen2.5 ships it.
    static func qwenNFC() throws -> BPETokenizer { try qwenNFCResult.get() }
    private static let qwenNFCResult = Result { try sharedTokenizer(normalizer: #"{"type": "NFC"}"#) }

    static func sharedTokenizer(normalizer: String) throws -> BPETokenizer {
        let original = String(decoding: try Data(contentsOf: sharedTokenizerJSON), as: UTF8.self)
        let nullNormalizer = #""normalizer": null"#
        guard original.components(separatedBy: nullNormalizer).count == 2 else {
            throw TokenizerError.invalidField(source: sharedTokenizerJSON.path, field: "normalizer",
                                              reason: "is not written as \(nullNormalizer) exactly once")
        }
        let variant = original.replacingOccurrences(of: nullNormalizer, with: #""normalizer": "# + normalizer)
        return try BPETokenizer(tokenizerJSONData: Data(variant.utf8), source: "tokenizer.json with \(normalizer)")
    }

    /// Built through `init(ggufMetadata:)` from metadata made out of the shared tokenizer.json
    /// (the file was itself converted from the Qwen2.5-Coder GGUF's metadata).
    static func qwenFromGGUFMetadata() throws -> BPETokenizer { try qwenGGUFResult.get() }
    private static let qwenGGUFResult = Result { try BPETokenizer(ggufMetadata: try qwenGGUFMetadata()) }

    static func qwenGGUFMetadata() throws -> [String: GGUFValue] {
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sharedTokenizerJSON)) as? [String: Any])
        let model = try XCTUnwrap(root["model"] as? [String: Any])
        let vocabulary = try XCTUnwrap(model["vocab"] as? [String: NSNumber])
        var tokens = [String](repeating: "", count: vocabulary.count)
        for (token, id) in vocabulary { tokens[id.intValue] = token }
        var types = [GGUFValue](repeating: .int32(1), count: tokens.count)
        for added in try XCTUnwrap(root["added_tokens"] as? [[String: Any]]) {
            let id = try XCTUnwrap(added["id"] as? NSNumber).intValue
            tokens[id] = try XCTUnwrap(added["content"] as? String)
            types[id] = .int32(added["special"] as? Bool == true ? 3 : 4)
        }
        let merges = try XCTUnwrap(model["merges"] as? [[String]]).map { $0.joined(separator: " ") }
        let special = try specialTokenIDs("qwen2.5")
        return [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.pre": .string("qwen2"),
            "tokenizer.ggml.tokens": .array(tokens.map(GGUFValue.string)),
            "tokenizer.ggml.token_type": .array(types),
            "tokenizer.ggml.merges": .array(merges.map(GGUFValue.string)),
            "tokenizer.ggml.bos_token_id": .uint32(UInt32(try XCTUnwrap(special["bos"]))),
            "tokenizer.ggml.eos_token_id": .uint32(UInt32(try XCTUnwrap(special["eos"]))),
            "tokenizer.ggml.padding_token_id": .uint32(UInt32(try XCTUnwrap(special["pad"]))),
        ]
    }
}

/// Compares the UTF-8 of two strings: Swift's `==` treats canonically equivalent strings
/// (precomposed and decomposed é) as equal, which would hide exactly the differences NFC makes.
func XCTAssertSameBytes(_ actual: String, _ expected: String, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(Array(actual.utf8), Array(expected.utf8), "\(message()) got \(actual.debugDescription), "
                   + "expected \(expected.debugDescription)", file: file, line: line)
}

extension XCTestCase {
    /// Encodes every corpus string and compares with the reference column; a mismatch names
    /// the string. Usable with a tokenizer loaded from any source (a real GGUF file included).
    func assertMatchesEncodingFixture(_ tokenizer: any Tokenizer, column: String,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let cases = try TokenizerFixtures.encodingCases()
        var compared = 0
        for testCase in cases {
            let expected = try XCTUnwrap(testCase.ids[column], "fixture has no column \(column)", file: file, line: line)
            XCTAssertEqual(tokenizer.encode(testCase.text), expected,
                           "[\(column)] \(testCase.text.debugDescription)", file: file, line: line)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 300, "the encoding fixture should hold the whole corpus", file: file, line: line)
    }
}
