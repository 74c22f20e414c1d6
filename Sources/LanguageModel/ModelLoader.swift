import Foundation
import ModelFiles

/// A decoder loaded from disk with what came with it: the configuration, the decoding
/// defaults and the source's GGUF metadata when it was a GGUF file.
public struct LoadedDecoder {
    public var decoder: DecoderModel
    public var generationDefaults: GenerationDefaults
    /// GGUF metadata (tokenizer, chat template) when loaded from a .gguf file.
    public var ggufMetadata: [String: GGUFValue]?
    public var path: URL

    public var config: ModelConfig { decoder.config }
}

public enum ModelLoader {
    /// Loads a Hugging Face model directory (config.json, optional generation_config.json,
    /// model.safetensors or a sharded index) or a GGUF file.
    public static func load(_ url: URL) throws -> LoadedDecoder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelLoadError.missingFile(url.path)
        }
        if isDirectory.boolValue { return try loadDirectory(url) }
        guard isGGUFFile(url) else {
            throw ModelLoadError.invalidConfig("\(url.path) is neither a Hugging Face model directory nor a GGUF file")
        }
        return try loadGGUF(url)
    }

    static func loadDirectory(_ url: URL) throws -> LoadedDecoder {
        let configURL = url.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw ModelLoadError.missingFile(configURL.path)
        }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: configURL))
        } catch let error as ModelLoadError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw ModelLoadError.invalidConfig("\(configURL.path): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw ModelLoadError.invalidConfig("\(configURL.path): missing key '\(key.stringValue)'")
        } catch {
            throw ModelLoadError.invalidConfig("\(configURL.path): \(error)")
        }
        var defaults = try GenerationDefaults.load(directory: url)
        if defaults.eosTokenIds.isEmpty { defaults.eosTokenIds = config.eosTokenIds }
        let weights = try DecoderWeights(config: config, source: try SafetensorsCheckpoint(url: url))
        return LoadedDecoder(decoder: DecoderModel(config: config, weights: weights),
                             generationDefaults: defaults, ggufMetadata: nil, path: url)
    }

    static func loadGGUF(_ url: URL) throws -> LoadedDecoder {
        let checkpoint = try GGUFCheckpoint(url: url)
        let metadata = checkpoint.metadata
        let config = try ModelConfig(gguf: metadata,
                                     hasOutputWeight: checkpoint.contains("lm_head.weight"),
                                     hasQKVBias: checkpoint.contains("model.layers.0.self_attn.q_proj.bias"))
        var defaults = GenerationDefaults()
        defaults.eosTokenIds = config.eosTokenIds
        let weights = try DecoderWeights(config: config, source: checkpoint)
        return LoadedDecoder(decoder: DecoderModel(config: config, weights: weights),
                             generationDefaults: defaults, ggufMetadata: metadata, path: url)
    }
}
