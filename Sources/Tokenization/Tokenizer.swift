/// Token ids are `Int32` everywhere in this module: they index embedding rows, every vocabulary
/// in use fits (Qwen2.5 has 151,936 ids), and sampled ids come back from the model as `Int32`.
public typealias TokenID = Int32

/// What the model runner and the trainer need from a tokenizer.
public protocol Tokenizer: Sendable {
    /// One more than the largest id of the vocabulary and the added tokens.
    var vocabularySize: Int { get }
    var bosTokenID: TokenID? { get }
    var eosTokenID: TokenID? { get }
    var padTokenID: TokenID? { get }
    /// Content and id of every special token (the tokens `skipSpecialTokens` drops).
    var specialTokens: [String: TokenID] { get }

    /// The ids of `text`. Added and special tokens written in the text (`<|im_start|>`) become
    /// their single ids. Nothing is prepended or appended: no BOS, no EOS.
    func encode(_ text: String) -> [TokenID]

    /// The UTF-8 bytes `ids` stand for; ids outside the vocabulary contribute nothing.
    func decodedBytes(_ ids: [TokenID], skipSpecialTokens: Bool) -> [UInt8]

    /// The text of `ids`. Byte sequences that are not valid UTF-8 (a token sequence cut inside
    /// a character) become U+FFFD, as in Hugging Face's decoder.
    func decode(_ ids: [TokenID], skipSpecialTokens: Bool) -> String

    /// The id of a token written as it appears in the vocabulary (byte-level form for
    /// ordinary tokens, plain text for added tokens).
    func id(for token: String) -> TokenID?

    /// The vocabulary form of `id`.
    func token(for id: TokenID) -> String?
}

extension Tokenizer {
    public func decode(_ ids: [TokenID], skipSpecialTokens: Bool = false) -> String {
        String(decoding: decodedBytes(ids, skipSpecialTokens: skipSpecialTokens), as: UTF8.self)
    }
}
