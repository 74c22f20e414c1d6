/// A byte-level BPE tokenizer (Qwen2, Llama-3, GPT-2, SmolLM families), equal to Hugging Face
/// `tokenizers` id for id. The encode pipeline, one type per stage:
///
///   added tokens (raw) → `TextNormalizer` → added tokens (normalized) → `PreTokenizer`
///   → `BPEModel` (byte-level mapping + merges)
///
/// and decoding maps each id back to the bytes it stands for (`ByteLevelMapping`).
/// Load it with `init(tokenizerJSON:)`, `init(modelDirectory:)` or `init(ggufMetadata:)`.
public final class BPETokenizer: Tokenizer {
    public let vocabularySize: Int
    public let bosTokenID: TokenID?
    public let eosTokenID: TokenID?
    public let padTokenID: TokenID?
    public let specialTokens: [String: TokenID]
    public let addedTokens: [AddedToken]
    public let normalizer: TextNormalizer?
    public let preTokenizer: PreTokenizer
    /// The Jinja chat template the files carried, verbatim.
    public let chatTemplateText: String?
    /// `chatTemplateText` recognised as a supported family; nil when absent or unsupported.
    public let chatTemplate: ChatTemplate?

    let model: BPEModel
    private let rawTokenSplitter: AddedTokenSplitter
    private let normalizedTokenSplitter: AddedTokenSplitter
    private let addedTokenIDs: [String: TokenID]
    private let tokenTexts: [String?]
    /// Decoded bytes of every id, concatenated; id `i` owns `tokenBytes[tokenByteStarts[i]..<tokenByteStarts[i + 1]]`.
    private let tokenBytes: [UInt8]
    private let tokenByteStarts: [Int]
    private let isSpecialID: [Bool]

    /// Everything a loader reads out of its files.
    struct Configuration {
        var source: String
        var vocabulary: [String: TokenID]
        var merges: [(String, String)]
        var ignoreMerges = false
        var addedTokens: [AddedToken] = []
        var normalizer: TextNormalizer?
        var preTokenizer: PreTokenizer
        var bosTokenID: TokenID?
        var eosTokenID: TokenID?
        var padTokenID: TokenID?
        var chatTemplate: String?
    }

    init(_ configuration: Configuration) throws {
        model = try BPEModel(vocabulary: configuration.vocabulary, merges: configuration.merges,
                             ignoreMerges: configuration.ignoreMerges, source: configuration.source)
        normalizer = configuration.normalizer
        preTokenizer = configuration.preTokenizer
        addedTokens = configuration.addedTokens
        bosTokenID = configuration.bosTokenID
        eosTokenID = configuration.eosTokenID
        padTokenID = configuration.padTokenID
        chatTemplateText = configuration.chatTemplate
        chatTemplate = configuration.chatTemplate.flatMap { try? ChatTemplate(template: $0) }

        let largestID = max(configuration.vocabulary.values.max() ?? -1, addedTokens.map(\.id).max() ?? -1)
        vocabularySize = Int(largestID) + 1
        var texts = [String?](repeating: nil, count: vocabularySize)
        for (token, id) in configuration.vocabulary where id >= 0 { texts[Int(id)] = token }
        var special = [Bool](repeating: false, count: vocabularySize)
        var specialTokens: [String: TokenID] = [:]
        var addedTokenIDs: [String: TokenID] = [:]
        for token in addedTokens where token.id >= 0 {
            texts[Int(token.id)] = token.content
            addedTokenIDs[token.content] = token.id
            if token.isSpecial {
                special[Int(token.id)] = true
                specialTokens[token.content] = token.id
            }
        }
        tokenTexts = texts
        isSpecialID = special
        self.specialTokens = specialTokens
        self.addedTokenIDs = addedTokenIDs

        var bytes: [UInt8] = []
        var starts = [0]
        bytes.reserveCapacity(vocabularySize * 7)
        starts.reserveCapacity(vocabularySize + 1)
        for text in texts {
            if let text { bytes += ByteLevelMapping.decode(text) }
            starts.append(bytes.count)
        }
        tokenBytes = bytes
        tokenByteStarts = starts

        // Added tokens flagged `normalized` are looked for after normalization, as their
        // normalized form; the others in the raw input.
        let raw = addedTokens.filter { !$0.normalized }
        let normalized = addedTokens.filter(\.normalized)
        rawTokenSplitter = AddedTokenSplitter(tokens: raw, patterns: raw.map(\.content))
        let normalizer = configuration.normalizer
        normalizedTokenSplitter = AddedTokenSplitter(
            tokens: normalized, patterns: normalized.map { normalizer?.normalize($0.content) ?? $0.content })
    }

    // MARK: Encoding

    public func encode(_ text: String) -> [TokenID] {
        let utf8 = Array(text.utf8)[...]
        var output: [TokenID] = []
        output.reserveCapacity(utf8.count / 3 + 1)
        for segment in rawTokenSplitter.split(utf8) {
            switch segment {
            case .token(let id):
                output.append(id)
            case .text(let range):
                if let normalizer, normalizer.mayChange(utf8[range]) {
                    encodeNormalized(normalizer.normalize(utf8[range])[...], into: &output)
                } else {
                    encodeNormalized(utf8[range], into: &output)
                }
            }
        }
        return output
    }

    private func encodeNormalized(_ utf8: ArraySlice<UInt8>, into output: inout [TokenID]) {
        for segment in normalizedTokenSplitter.split(utf8) {
            switch segment {
            case .token(let id):
                output.append(id)
            case .text(let range):
                let piece = utf8[range]
                let scalars = ScalarBuffer(utf8: piece)
                for word in preTokenizer.pieceRanges(in: scalars) {
                    model.encode(piece[scalars.byteRange(word)], into: &output)
                }
            }
        }
    }

    // MARK: Decoding and lookup

    public func decodedBytes(_ ids: [TokenID], skipSpecialTokens: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard id >= 0, Int(id) < vocabularySize else { continue }
            if skipSpecialTokens && isSpecialID[Int(id)] { continue }
            bytes += tokenBytes[tokenByteStarts[Int(id)]..<tokenByteStarts[Int(id) + 1]]
        }
        return bytes
    }

    /// Added tokens first, then the vocabulary, as Hugging Face looks tokens up. (Swift matches
    /// dictionary keys by canonical equivalence; no two tokens of these vocabularies differ
    /// only in that way.)
    public func id(for token: String) -> TokenID? {
        addedTokenIDs[token] ?? model.vocabulary[token]
    }

    public func token(for id: TokenID) -> String? {
        guard id >= 0, Int(id) < vocabularySize else { return nil }
        return tokenTexts[Int(id)]
    }

    public func isSpecial(_ id: TokenID) -> Bool {
        id >= 0 && Int(id) < vocabularySize && isSpecialID[Int(id)]
    }

    /// Renders a conversation with the tokenizer's chat template.
    public func applyChatTemplate(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        guard let chatTemplateText else {
            throw TokenizerError.unsupportedChatTemplate(
                reason: "the tokenizer files carry no chat template; build one with ChatTemplate(family:)",
                supportedFamilies: ChatTemplate.Family.allCases.map(\.description))
        }
        let template = try chatTemplate ?? ChatTemplate(template: chatTemplateText)
        return try template.render(messages, addGenerationPrompt: addGenerationPrompt)
    }
}
