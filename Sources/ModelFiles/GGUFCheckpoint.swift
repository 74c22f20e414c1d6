import Foundation

/// A GGUF file's tensors under their Hugging Face (transformers) names, in Hugging Face layout,
/// for the Qwen2 and Llama architectures:
///
///     token_embd.weight          model.embed_tokens.weight
///     blk.N.attn_norm.weight     model.layers.N.input_layernorm.weight
///     blk.N.attn_q.weight/bias   model.layers.N.self_attn.q_proj.weight/bias  (also k, v)
///     blk.N.attn_output.weight   model.layers.N.self_attn.o_proj.weight
///     blk.N.ffn_norm.weight      model.layers.N.post_attention_layernorm.weight
///     blk.N.ffn_gate/up/down     model.layers.N.mlp.gate_proj/up_proj/down_proj
///     output_norm.weight         model.norm.weight
///     output.weight              lm_head.weight
///
/// Tensors with no Hugging Face counterpart keep their GGUF names.
///
/// llama.cpp's converter reorders the rows of the Llama Q and K projections (weights and
/// biases) so that its rotary embedding can rotate adjacent pairs; this class puts them back
/// in Hugging Face order when they are read (see `LlamaRowPermutation`). Qwen2 files keep
/// Hugging Face order.
public final class GGUFCheckpoint: WeightSource, @unchecked Sendable {
    public static let supportedArchitectures = ["llama", "qwen2"]

    public let file: GGUFFile
    /// `general.architecture`: one of `supportedArchitectures`.
    public let architecture: String
    public var metadata: [String: GGUFValue] { file.metadata }
    public var path: String { file.path }
    /// Hugging Face names (and unmapped GGUF names), sorted.
    public let tensorNames: [String]

    private let ggufNames: [String: String]
    /// For Llama files: heads to un-permute by, keyed by Hugging Face name.
    private let permutedHeads: [String: Int]

    public convenience init(url: URL) throws {
        try self.init(file: GGUFFile(url: url))
    }

    public convenience init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    public init(file: GGUFFile) throws {
        self.file = file
        guard let architecture = file.architecture else {
            throw ModelFileError.invalidHeader(path: file.path, detail: "no general.architecture metadata")
        }
        guard Self.supportedArchitectures.contains(architecture) else {
            throw ModelFileError.unsupportedArchitecture(path: file.path, architecture: architecture)
        }
        self.architecture = architecture

        var ggufNames: [String: String] = [:]
        for info in file.tensors {
            let name = Self.huggingFaceName(forGGUFName: info.name) ?? info.name
            guard ggufNames.updateValue(info.name, forKey: name) == nil else {
                throw ModelFileError.duplicateTensor(path: file.path, tensor: name)
            }
        }
        self.ggufNames = ggufNames
        tensorNames = ggufNames.keys.sorted()

        var permutedHeads: [String: Int] = [:]
        if architecture == "llama" {
            let heads = try Self.requiredInt("llama.attention.head_count", in: file)
            let kvHeads = file.metadata["llama.attention.head_count_kv"]?.int ?? heads
            for name in tensorNames where name.hasPrefix("model.layers.") {
                if name.hasSuffix(".self_attn.q_proj.weight") || name.hasSuffix(".self_attn.q_proj.bias") {
                    permutedHeads[name] = heads
                } else if name.hasSuffix(".self_attn.k_proj.weight") || name.hasSuffix(".self_attn.k_proj.bias") {
                    permutedHeads[name] = kvHeads
                }
            }
        }
        self.permutedHeads = permutedHeads
    }

    /// The GGUF tensor a Hugging Face name refers to, or nil.
    public func ggufName(for name: String) -> String? { ggufNames[name] }

    public func info(_ name: String) throws -> TensorInfo {
        guard let ggufName = ggufNames[name] else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        var info = try file.info(ggufName)
        info.name = name
        return info
    }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let ggufName = ggufNames[name] else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        guard let heads = permutedHeads[name] else {
            try file.read(ggufName, into: destination)
            return
        }
        let info = try self.info(name)
        try checkDestination(destination, for: info)
        let permutation = try LlamaRowPermutation(shape: info.shape, heads: heads, tensor: name, path: path)
        let stored = try file.floats(ggufName)
        stored.withUnsafeBufferPointer { permutation.restoreHuggingFaceOrder(from: $0, into: destination) }
    }

    /// The Hugging Face name of a GGUF tensor name (Qwen2/Llama naming), or nil when it has none.
    public static func huggingFaceName(forGGUFName name: String) -> String? {
        switch name {
        case "token_embd.weight": return "model.embed_tokens.weight"
        case "output_norm.weight": return "model.norm.weight"
        case "output.weight": return "lm_head.weight"
        default: break
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0,
              parts[3] == "weight" || parts[3] == "bias",
              let module = layerModules[String(parts[2])] else { return nil }
        return "model.layers.\(layer).\(module).\(parts[3])"
    }

    /// GGUF per-layer tensor stems and the Hugging Face modules they come from.
    private static let layerModules: [String: String] = [
        "attn_norm": "input_layernorm",
        "attn_q": "self_attn.q_proj",
        "attn_k": "self_attn.k_proj",
        "attn_v": "self_attn.v_proj",
        "attn_output": "self_attn.o_proj",
        "ffn_norm": "post_attention_layernorm",
        "ffn_gate": "mlp.gate_proj",
        "ffn_up": "mlp.up_proj",
        "ffn_down": "mlp.down_proj",
    ]

    private static func requiredInt(_ key: String, in file: GGUFFile) throws -> Int {
        guard let value = file.metadata[key]?.int, value > 0 else {
            throw ModelFileError.invalidHeader(path: file.path, detail: "missing or invalid \(key)")
        }
        return value
    }
}
