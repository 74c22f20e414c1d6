import Foundation
import Tokenization
import ModelFiles
import XCTest

/// Token ids against Hugging Face `tokenizers` on the fixture corpus (GSM8K, Chinese, code,
/// emoji, whitespace runs, contractions, special tokens, combining marks, unusual spaces).
final class EncodingFixtureTests: XCTestCase {
    func testSharedTokenizerJSONMatchesHuggingFace() throws {
        try assertMatchesEncodingFixture(try TokenizerFixtures.qwen(), column: "qwen")
    }

    func testNFCNormalizerMatchesHuggingFace() throws {
        let tokenizer = try TokenizerFixtures.qwenNFC()
        XCTAssertEqual(tokenizer.normalizer, .nfc)
        try assertMatchesEncodingFixture(tokenizer, column: "qwen_nfc")
    }

    /// A Sequence holding NFC normalizes as NFC alone does in Hugging Face's implementation.
    func testSequenceOfNFCMatchesNFCReference() throws {
        let tokenizer = try TokenizerFixtures.sharedTokenizer(
            normalizer: #"{"type": "Sequence", "normalizers": [{"type": "NFC"}]}"#)
        try assertMatchesEncodingFixture(tokenizer, column: "qwen_nfc")
    }

    /// The NFC column differs from the plain one exactly where the text is not in NFC, so both
    /// columns really exercise normalization.
    func testCorpusContainsTextThatNFCChanges() throws {
        let differing = try TokenizerFixtures.encodingCases().filter { $0.ids["qwen"] != $0.ids["qwen_nfc"] }
        XCTAssertGreaterThanOrEqual(differing.count, 8)
        for testCase in differing {
            XCTAssertNotEqual(Array(testCase.text.utf8), Array(TextNormalizer.nfc.normalize(testCase.text).utf8),
                              testCase.text.debugDescription)
        }
    }

    func testGGUFMetadataPathMatchesHuggingFace() throws {
        let tokenizer = try TokenizerFixtures.qwenFromGGUFMetadata()
        try assertMatchesEncodingFixture(tokenizer, column: "qwen")
        let special = try TokenizerFixtures.specialTokenIDs("qwen2.5")
        XCTAssertEqual(tokenizer.bosTokenID.map(Int.init), special["bos"])
        XCTAssertEqual(tokenizer.eosTokenID.map(Int.init), special["eos"])
        XCTAssertEqual(tokenizer.padTokenID.map(Int.init), special["pad"])
        XCTAssertEqual(tokenizer.vocabularySize, special["vocab_size"])
    }

    func testModelDirectoryReadsSpecialTokensFromConfig() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        let special = try TokenizerFixtures.specialTokenIDs("qwen2.5")
        XCTAssertEqual(tokenizer.bosTokenID.map(Int.init), special["bos"])
        XCTAssertEqual(tokenizer.eosTokenID.map(Int.init), special["eos"])
        XCTAssertEqual(tokenizer.padTokenID.map(Int.init), special["pad"])
        XCTAssertEqual(tokenizer.vocabularySize, special["vocab_size"])
        XCTAssertEqual(tokenizer.id(for: "<|im_end|>").map(Int.init), special["eos"])
        XCTAssertEqual(tokenizer.token(for: tokenizer.eosTokenID ?? -1), "<|im_end|>")
    }

    /// SmolLM2 through `init(ggufMetadata:)` with the metadata of its real GGUF file, when
    /// Scripts/fetch-model.sh has fetched it.
    func testSmolLM2GGUFMetadataMatchesReference() throws {
        let tokenizer = try BPETokenizer(ggufMetadata: try realGGUFMetadata("smollm2-135m-instruct-q4_1.gguf"))
        try assertMatchesEncodingFixture(tokenizer, column: "smollm2")
        let special = try TokenizerFixtures.specialTokenIDs("smollm2")
        XCTAssertEqual(tokenizer.bosTokenID.map(Int.init), special["bos"])
        XCTAssertEqual(tokenizer.eosTokenID.map(Int.init), special["eos"])
        XCTAssertEqual(tokenizer.padTokenID.map(Int.init), special["pad"])
        XCTAssertEqual(tokenizer.vocabularySize, special["vocab_size"])
        XCTAssertEqual(tokenizer.chatTemplate?.family, .smolLM2)
    }

    /// The Qwen2.5-Coder GGUF's own metadata (same vocabulary as the shared tokenizer.json).
    func testQwenCoderGGUFMetadataMatchesReference() throws {
        let tokenizer = try BPETokenizer(ggufMetadata: try realGGUFMetadata("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
        try assertMatchesEncodingFixture(tokenizer, column: "qwen")
        XCTAssertEqual(tokenizer.chatTemplate?.family, .qwen2_5)
    }

    /// Metadata of a fetched model in ./models (or $GRPO_MODELS_DIR); skips when absent.
    private func realGGUFMetadata(_ file: String) throws -> [String: GGUFValue] {
        let directory = ProcessInfo.processInfo.environment["GRPO_MODELS_DIR"]
            ?? TokenizerFixtures.packageRoot.appendingPathComponent("models").path
        let url = URL(fileURLWithPath: directory).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) not fetched (Scripts/fetch-model.sh all)")
        }
        return try GGUFFile(url: url).metadata
    }
}
