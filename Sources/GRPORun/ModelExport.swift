import Foundation
import LanguageModel
import ModelFiles
import Tensors
import Tokenization
import Training
#if canImport(Glibc)
import Glibc
#endif

/// `grpo export`: a base model with a LoRA adapter merged in (W + scale · B · A), written as a
/// Hugging Face model directory that transformers loads: config.json, generation_config.json,
/// model.safetensors under HF names, and the tokenizer (copied from an HF directory, or
/// written from a GGUF file's metadata).
public enum ModelExport {
    public static func export(model: URL, adapter: URL?, to output: URL, dtype: SafetensorsWriter.DType = .float32) throws {
        let loaded = try ModelLoader.load(model)
        let config = loaded.config
        var weights = loaded.decoder.weights
        if let adapter {
            weights = try PEFTAdapterFiles.load(from: adapter, modelConfig: config).merged(into: weights)
        }
        // Everything goes into a sibling directory that is renamed into place at the end.
        let fm = FileManager.default
        let staging = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).partial")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)

        try configJSON(config, dtype: dtype).write(to: staging.appendingPathComponent("config.json"))
        try JSONSerialization.data(withJSONObject: ["eos_token_id": config.eosTokenIds, "bos_token_id": config.bosTokenId as Any? ?? NSNull()],
                                   options: [.prettyPrinted, .sortedKeys])
            .write(to: staging.appendingPathComponent("generation_config.json"))
        try tensors(weights, config: config, dtype: dtype).write(to: staging.appendingPathComponent("model.safetensors"))
        if let metadata = loaded.ggufMetadata {
            let files = try TokenizerJSONExport.files(ggufMetadata: metadata, maxLength: config.maxPositionEmbeddings)
            try files.tokenizer.write(to: staging.appendingPathComponent("tokenizer.json"))
            try files.config.write(to: staging.appendingPathComponent("tokenizer_config.json"))
        } else {
            for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
                         "generation_config.json"] {
                let source = model.appendingPathComponent(name)
                guard fm.fileExists(atPath: source.path) else { continue }
                try? fm.removeItem(at: staging.appendingPathComponent(name))
                try fm.copyItem(at: source, to: staging.appendingPathComponent(name))
            }
        }
        if fm.fileExists(atPath: output.path) { try fm.removeItem(at: output) }
        guard rename(staging.path, output.path) == 0 else {
            throw TrainingError.adapterFile(path: output.path, reason: "cannot move the export into place (errno \(errno))")
        }
    }

    static func configJSON(_ config: ModelConfig, dtype: SafetensorsWriter.DType) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        json["architectures"] = [config.modelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"]
        json["torch_dtype"] = dtype == .float32 ? "float32" : dtype == .bfloat16 ? "bfloat16" : "float16"
        json["hidden_act"] = "silu"
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    /// The decoder's tensors under HF names, the stacked [q | k | v] and [gate | up] split back.
    static func tensors(_ weights: DecoderWeights, config: ModelConfig, dtype: SafetensorsWriter.DType) throws -> SafetensorsWriter {
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        func add(_ name: String, _ pointer: UnsafeMutablePointer<Float>, _ shape: [Int]) throws {
            try writer.add(name, shape: shape, values: Array(UnsafeBufferPointer(start: pointer, count: shape.reduce(1, *))), as: dtype)
        }
        let d = config.hiddenSize, ff = config.intermediateSize
        try add("model.embed_tokens.weight", weights.embedTokens.pointer, [config.vocabSize, d])
        for (i, layer) in weights.layers.enumerated() {
            let p = "model.layers.\(i)."
            for target in [LoRATarget.q, .k, .v] {
                let rows = target.stackedColumns(config)
                try add(p + "self_attn.\(target.rawValue).weight", layer.qkv.pointer + rows.lowerBound * d, [rows.count, d])
                if let bias = layer.qkvBias {
                    try add(p + "self_attn.\(target.rawValue).bias", bias.pointer + rows.lowerBound, [rows.count])
                }
            }
            try add(p + "self_attn.o_proj.weight", layer.o.pointer, [d, config.qDim])
            try add(p + "mlp.gate_proj.weight", layer.gateUp.pointer, [ff, d])
            try add(p + "mlp.up_proj.weight", layer.gateUp.pointer + ff * d, [ff, d])
            try add(p + "mlp.down_proj.weight", layer.down.pointer, [d, ff])
            try add(p + "input_layernorm.weight", layer.inputNorm.pointer, [d])
            try add(p + "post_attention_layernorm.weight", layer.postAttentionNorm.pointer, [d])
        }
        try add("model.norm.weight", weights.finalNorm.pointer, [d])
        if !config.tieWordEmbeddings { try add("lm_head.weight", weights.lmHead.pointer, [config.vocabSize, d]) }
        return writer
    }
}
