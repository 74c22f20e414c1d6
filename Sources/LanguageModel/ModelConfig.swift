import Foundation
import ModelFiles

/// Hyperparameters of a Qwen2- or Llama-family decoder.
///
/// The two families differ in two switches: Qwen2 has Q/K/V biases (`attentionBias`), and
/// whether the output projection is tied to the token embedding (`tieWordEmbeddings`).
public struct ModelConfig: Codable, Equatable, Sendable {
    public var modelType: String
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]

    public var qDim: Int { numAttentionHeads * headDim }
    public var kvDim: Int { numKeyValueHeads * headDim }
    /// Query heads per key/value head (grouped-query attention).
    public var headsPerKVHead: Int { numAttentionHeads / numKeyValueHeads }

    /// The architectures this runtime implements, by HF `model_type` / GGUF `general.architecture`.
    public static let supportedModelTypes = ["qwen2", "llama"]

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case maxPositionEmbeddings = "max_position_embeddings"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
    }

    struct RopeParameters: Codable { var ropeTheta: Double?
        enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta" } }

    public init(modelType: String, vocabSize: Int, hiddenSize: Int, intermediateSize: Int,
                numHiddenLayers: Int, numAttentionHeads: Int, numKeyValueHeads: Int, headDim: Int? = nil,
                rmsNormEps: Float, ropeTheta: Double, maxPositionEmbeddings: Int,
                tieWordEmbeddings: Bool, attentionBias: Bool, bosTokenId: Int? = nil, eosTokenIds: [Int] = []) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.headDim = headDim ?? hiddenSize / numAttentionHeads
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decode(String.self, forKey: .modelType)
        guard Self.supportedModelTypes.contains(modelType) else {
            throw DecodingError.dataCorruptedError(forKey: .modelType, in: c, debugDescription:
                "unsupported model_type '\(modelType)'; supported: \(Self.supportedModelTypes.joined(separator: ", "))")
        }
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? hiddenSize / numAttentionHeads
        rmsNormEps = try c.decodeIfPresent(Float.self, forKey: .rmsNormEps) ?? 1e-6
        // Newer transformers nest the theta under rope_parameters.
        if let theta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) {
            ropeTheta = theta
        } else if let nested = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)?.ropeTheta {
            ropeTheta = nested
        } else {
            ropeTheta = 10000
        }
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 32768
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        // Qwen2 always has Q/K/V biases; Llama has them only when attention_bias is set.
        attentionBias = modelType == "qwen2" ? true : (try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false)
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId)
        if let one = try? c.decodeIfPresent(Int.self, forKey: .eosTokenId) {
            eosTokenIds = [one]
        } else {
            eosTokenIds = (try? c.decodeIfPresent([Int].self, forKey: .eosTokenId)) ?? []
        }
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        try c.encode(eosTokenIds, forKey: .eosTokenId)
    }

    /// Structural checks that would otherwise surface as out-of-bounds reads mid-forward.
    public func validate() throws {
        func fail(_ why: String) -> ModelLoadError { .invalidConfig(why) }
        guard vocabSize > 0, hiddenSize > 0, intermediateSize > 0, numHiddenLayers > 0 else {
            throw fail("sizes must be positive")
        }
        guard numAttentionHeads > 0, numKeyValueHeads > 0, numAttentionHeads % numKeyValueHeads == 0 else {
            throw fail("num_attention_heads (\(numAttentionHeads)) must be a multiple of num_key_value_heads (\(numKeyValueHeads))")
        }
        guard headDim > 0, headDim % 2 == 0 else { throw fail("head_dim \(headDim) must be even for rotary embeddings") }
    }

    /// Reads the decoder's hyperparameters from GGUF metadata (`<arch>.embedding_length`, ...).
    public init(gguf metadata: [String: GGUFValue], hasOutputWeight: Bool, hasQKVBias: Bool) throws {
        guard let arch = metadata["general.architecture"]?.string else {
            throw ModelLoadError.invalidConfig("GGUF metadata has no general.architecture")
        }
        guard Self.supportedModelTypes.contains(arch) else {
            throw ModelLoadError.unsupportedArchitecture(arch)
        }
        func int(_ key: String) throws -> Int {
            guard let v = metadata["\(arch).\(key)"]?.int else {
                throw ModelLoadError.invalidConfig("GGUF metadata lacks \(arch).\(key)")
            }
            return v
        }
        let heads = try int("attention.head_count")
        let hidden = try int("embedding_length")
        let vocab = metadata["tokenizer.ggml.tokens"]?.array?.count ?? metadata["\(arch).vocab_size"]?.int ?? 0
        var eos: [Int] = []
        if let e = metadata["tokenizer.ggml.eos_token_id"]?.int { eos.append(e) }
        self.init(modelType: arch, vocabSize: vocab, hiddenSize: hidden,
                  intermediateSize: try int("feed_forward_length"),
                  numHiddenLayers: try int("block_count"),
                  numAttentionHeads: heads,
                  numKeyValueHeads: metadata["\(arch).attention.head_count_kv"]?.int ?? heads,
                  headDim: metadata["\(arch).attention.key_length"]?.int,
                  rmsNormEps: Float(metadata["\(arch).attention.layer_norm_rms_epsilon"]?.double ?? 1e-6),
                  ropeTheta: metadata["\(arch).rope.freq_base"]?.double ?? 10000,
                  maxPositionEmbeddings: metadata["\(arch).context_length"]?.int ?? 32768,
                  tieWordEmbeddings: !hasOutputWeight,
                  attentionBias: hasQKVBias,
                  bosTokenId: metadata["tokenizer.ggml.bos_token_id"]?.int,
                  eosTokenIds: eos)
        try validate()
    }
}

/// Why a model could not be loaded; every case names what and where.
public enum ModelLoadError: Error, CustomStringConvertible {
    case missingFile(String)
    case invalidConfig(String)
    case unsupportedArchitecture(String)
    case missingTensor(name: String, file: String)
    case shapeMismatch(name: String, file: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missingFile(let path): return "model file not found: \(path)"
        case .invalidConfig(let why): return "invalid model configuration: \(why)"
        case .unsupportedArchitecture(let arch):
            return "unsupported architecture '\(arch)'; supported: \(ModelConfig.supportedModelTypes.joined(separator: ", "))"
        case .missingTensor(let name, let file): return "\(file): tensor '\(name)' is missing"
        case .shapeMismatch(let name, let file, let expected, let found):
            return "\(file): tensor '\(name)' has shape \(found), expected \(expected)"
        }
    }
}
