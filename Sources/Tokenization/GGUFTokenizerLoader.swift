import ModelFiles

/// Loading from the `tokenizer.*` metadata of a GGUF file (as llama.cpp's converter writes it).
extension BPETokenizer {
    /// What each `tokenizer.ggml.pre` name means, after llama.cpp's `llama-vocab.cpp`:
    /// the split patterns, and whether a piece already in the vocabulary skips merging.
    public static let ggufPreTokenizers: [String: (preTokenizer: PreTokenizer, ignoreMerges: Bool)] = [
        "qwen2": (.qwen2, false),
        "deepseek-r1-qwen": (.qwen2, false),
        "llama3": (.llama3, true),
        "llama-v3": (.llama3, true),
        "llama-bpe": (.llama3, true),
        "gpt2": (.gpt2, false),
        "gpt-2": (.gpt2, false),
        // SmolLM's tokenizer.json isolates digits before the GPT-2 pattern; llama.cpp applies
        // `\p{N}` then GPT-2's pattern for these names.
        "smollm": (.digitsThenGPT2, false),
        "starcoder": (.digitsThenGPT2, false),
    ]

    /// GGUF token types (llama.cpp's `llama_token_type`).
    private enum GGUFTokenType: Int {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// A tokenizer from GGUF metadata: `tokenizer.ggml.model` ("gpt2"), `.tokens`, `.merges`,
    /// `.token_type` (control tokens become special added tokens, user-defined tokens added
    /// tokens, as transformers' GGUF conversion does), `.pre`, the bos/eos/padding ids and
    /// `tokenizer.chat_template`.
    public convenience init(ggufMetadata metadata: [String: GGUFValue]) throws {
        let source = "GGUF metadata"
        func require<T>(_ key: String, _ read: (GGUFValue) -> T?, _ expected: String) throws -> T {
            guard let value = metadata[key] else { throw TokenizerError.missingField(source: source, field: key) }
            guard let typed = read(value) else {
                throw TokenizerError.invalidField(source: source, field: key, reason: "is not \(expected)")
            }
            return typed
        }

        let modelType = try require("tokenizer.ggml.model", \.string, "a string")
        guard modelType == "gpt2" else { throw TokenizerError.unsupportedModel(source: source, type: modelType) }
        let preName = try require("tokenizer.ggml.pre", \.string, "a string")
        guard let pre = Self.ggufPreTokenizers[preName] else {
            throw TokenizerError.unknownGGUFPreTokenizer(name: preName, supported: Self.ggufPreTokenizers.keys.sorted())
        }
        let tokens = try require("tokenizer.ggml.tokens", \.strings, "an array of strings")
        let mergeTexts = try require("tokenizer.ggml.merges", \.strings, "an array of strings")
        var types: [Int] = []
        if let value = metadata["tokenizer.ggml.token_type"] {
            guard let ints = value.ints, ints.count == tokens.count else {
                throw TokenizerError.invalidField(source: source, field: "tokenizer.ggml.token_type",
                                                  reason: "is not an array of \(tokens.count) integers")
            }
            types = ints
        }

        var vocabulary = [String: TokenID](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() { vocabulary[token] = TokenID(id) }
        var addedTokens: [AddedToken] = []
        for (id, type) in types.enumerated() {
            switch GGUFTokenType(rawValue: type) {
            case .control: addedTokens.append(AddedToken(id: TokenID(id), content: tokens[id], isSpecial: true))
            case .userDefined: addedTokens.append(AddedToken(id: TokenID(id), content: tokens[id], isSpecial: false))
            default: break
            }
        }

        let tokenID = { (key: String) in metadata[key]?.int.map { TokenID($0) } }
        try self.init(Configuration(
            source: source, vocabulary: vocabulary,
            merges: try Self.mergePairs(mergeTexts, source: source),
            ignoreMerges: pre.ignoreMerges, addedTokens: addedTokens, normalizer: nil,
            preTokenizer: pre.preTokenizer,
            bosTokenID: tokenID("tokenizer.ggml.bos_token_id"),
            eosTokenID: tokenID("tokenizer.ggml.eos_token_id"),
            padTokenID: tokenID("tokenizer.ggml.padding_token_id"),
            chatTemplate: metadata["tokenizer.chat_template"]?.string))
    }
}
