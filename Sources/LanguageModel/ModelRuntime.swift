import Foundation
import ModelFiles
import Tokenization

/// A completion with its text: what `grpo generate` prints and a rollout worker scores.
public struct GeneratedCompletion: Sendable {
    public var completion: Completion
    /// The completion decoded without special tokens, as the trainer's rewards see it.
    public var text: String
}

/// A model ready to chat: decoder, tokenizer, chat template and stop tokens, loaded from one
/// path. The rollout worker and `grpo generate` both sample through `generate`.
public final class ModelRuntime {
    public let loaded: LoadedDecoder
    public let tokenizer: BPETokenizer
    public let stopTokens: Set<Int32>
    private var generator: GroupGenerator

    public var decoder: DecoderModel { loaded.decoder }
    public var config: ModelConfig { loaded.config }

    /// Loads an HF model directory (its tokenizer.json and tokenizer_config.json) or a GGUF
    /// file (its tokenizer metadata).
    public init(path: URL) throws {
        loaded = try ModelLoader.load(path)
        if let metadata = loaded.ggufMetadata {
            tokenizer = try BPETokenizer(ggufMetadata: metadata)
        } else {
            tokenizer = try BPETokenizer(modelDirectory: path)
        }
        guard tokenizer.vocabularySize <= loaded.config.vocabSize else {
            throw ModelLoadError.invalidConfig(
                "\(path.path): the tokenizer has \(tokenizer.vocabularySize) ids but the model's vocabulary is \(loaded.config.vocabSize)")
        }
        stopTokens = Self.stopTokens(loaded: loaded, tokenizer: tokenizer)
        generator = GroupGenerator(decoder: loaded.decoder, stopTokens: stopTokens)
    }

    /// The end-of-sequence ids of config.json / generation_config.json / GGUF metadata, plus
    /// the ChatML end-of-turn and end-of-text tokens when the vocabulary has them: an
    /// instruct model ends its turn with <|im_end|>, a base model may emit <|endoftext|>.
    static func stopTokens(loaded: LoadedDecoder, tokenizer: BPETokenizer) -> Set<Int32> {
        var ids = Set(loaded.generationDefaults.eosTokenIds.map(Int32.init))
        ids.formUnion(loaded.config.eosTokenIds.map(Int32.init))
        if let eos = tokenizer.eosTokenID { ids.insert(eos) }
        for token in ["<|im_end|>", "<|endoftext|>"] {
            if let id = tokenizer.specialTokens[token] { ids.insert(id) }
        }
        return ids.filter { $0 >= 0 && Int($0) < loaded.config.vocabSize }
    }

    /// Samples from now on with `weights` (the base with an adapter merged in) instead of the
    /// loaded ones, which stay untouched for training.
    public func sample(with weights: DecoderWeights) {
        generator = GroupGenerator(decoder: DecoderModel(config: config, weights: weights), stopTokens: stopTokens)
    }

    /// The chat prompt's token ids: messages rendered by the model's chat template with the
    /// generation prompt (the assistant turn's opening) appended.
    public func promptIDs(_ messages: [ChatMessage]) throws -> [Int32] {
        guard let template = tokenizer.chatTemplate else {
            throw ModelLoadError.invalidConfig(
                "\(loaded.path.path): no supported chat template (supported: \(ChatTemplate.Family.allCases.map(\.description).joined(separator: ", ")))")
        }
        return tokenizer.encode(try template.render(messages, addGenerationPrompt: true))
    }

    /// Samples `groupSize` completions for each prompt (token ids), decoding them to text.
    public func generate(prompts: [[Int32]], groupSize: Int, parameters: SamplingParameters,
                         onStep: ((Int) -> Void)? = nil) -> [[GeneratedCompletion]] {
        generator.generate(prompts: prompts, groupSize: groupSize, parameters: parameters, onStep: onStep).map { group in
            group.map { GeneratedCompletion(completion: $0, text: tokenizer.decode($0.ids, skipSpecialTokens: true)) }
        }
    }
}
