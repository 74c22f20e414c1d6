import Foundation
import LanguageModel
import ModelFiles
#if canImport(Glibc)
import Glibc
#endif

/// LoRA adapters on disk in PEFT's format: `adapter_config.json` and
/// `adapter_model.safetensors` with PEFT's key names, so `peft.PeftModel.from_pretrained`
/// loads what is written here and adapters PEFT wrote load here.
public enum PEFTAdapterFiles {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"

    /// Writes the adapter into `directory` (created if needed). Each file is written to a
    /// temporary name and renamed, so a reader never sees half a file.
    public static func save(_ adapter: LoRAAdapter, to directory: URL, baseModel: String? = nil) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for t in adapter.tensors {
            let values = Array(UnsafeBufferPointer(start: adapter.parameters.pointer + t.offset, count: t.count))
            try writer.add(t.peftName, shape: [t.rows, t.cols], values: values)
        }
        let weights = directory.appendingPathComponent(weightsFile)
        let pendingWeights = directory.appendingPathComponent(weightsFile + ".partial")
        try writer.write(to: pendingWeights)
        guard rename(pendingWeights.path, weights.path) == 0 else {
            throw TrainingError.adapterFile(path: weights.path, reason: "cannot rename into place (errno \(errno))")
        }

        let c = adapter.config
        let json: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM",
            "r": c.rank, "lora_alpha": Double(c.alpha), "lora_dropout": Double(c.dropout),
            "target_modules": c.targets.map(\.rawValue).sorted(),
            "use_rslora": c.useRSLoRA, "use_dora": false, "bias": "none", "fan_in_fan_out": false,
            "init_lora_weights": true, "inference_mode": true,
            "base_model_name_or_path": baseModel ?? NSNull(),
            "modules_to_save": NSNull(), "layers_to_transform": NSNull(), "layers_pattern": NSNull(),
            "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](), "revision": NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        let config = directory.appendingPathComponent(configFile)
        try data.write(to: config, options: .atomic)
    }

    /// Reads the LoRA settings of an adapter directory.
    public static func loadConfig(from directory: URL) throws -> LoRAConfig {
        let url = directory.appendingPathComponent(configFile)
        func fail(_ reason: String) -> TrainingError { .adapterFile(path: url.path, reason: reason) }
        guard let data = FileManager.default.contents(atPath: url.path) else { throw fail("no adapter_config.json here") }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        if let type = json["peft_type"] as? String, type != "LORA" { throw fail("peft_type \(type) is not supported (LORA only)") }
        guard let rank = json["r"] as? Int, rank > 0 else { throw fail("missing or invalid \"r\"") }
        let alpha = (json["lora_alpha"] as? NSNumber)?.floatValue ?? 8   // PEFT's default
        let dropout = (json["lora_dropout"] as? NSNumber)?.floatValue ?? 0
        // Features that change the math and are not implemented: refuse rather than load wrong.
        if json["use_dora"] as? Bool == true { throw fail("DoRA adapters (use_dora) are not supported") }
        if json["fan_in_fan_out"] as? Bool == true { throw fail("fan_in_fan_out adapters are not supported") }
        if let bias = json["bias"] as? String, bias != "none" { throw fail("bias \"\(bias)\" is not supported (\"none\" only)") }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let pattern = json[key] as? [String: Any], !pattern.isEmpty { throw fail("\(key) is not supported") }
        }
        for key in ["modules_to_save", "layers_to_transform"] where !(json[key] == nil || json[key] is NSNull) {
            throw fail("\(key) is not supported")
        }
        let names: [String]
        if let list = json["target_modules"] as? [String] {
            names = list
        } else if json["target_modules"] is String {
            throw fail("target_modules given as a regular expression; list the module names instead")
        } else {
            throw fail("missing \"target_modules\"")
        }
        var targets: [LoRATarget] = []
        for name in names {
            guard let t = LoRATarget(rawValue: name) else {
                throw fail("target module \"\(name)\" is not one of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            targets.append(t)
        }
        let config = LoRAConfig(rank: rank, alpha: alpha, dropout: dropout, targets: targets,
                                useRSLoRA: json["use_rslora"] as? Bool ?? false)
        do { try config.validate() } catch { throw fail("\(error)") }
        return config
    }

    /// Loads an adapter directory for a model, checking every tensor's presence and shape.
    public static func load(from directory: URL, modelConfig: ModelConfig) throws -> LoRAAdapter {
        let config = try loadConfig(from: directory)
        let url = directory.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.adapterFile(path: url.path, reason: "missing (only adapter_model.safetensors is read)")
        }
        let file = try SafetensorsFile(url: url)
        let adapter = LoRAAdapter(config: config, modelConfig: modelConfig)
        var expected = Set<String>()
        for t in adapter.tensors {
            // PEFT may keep the adapter name in the key when saving by hand; accept both.
            let name = file.tensorNames.contains(t.peftName) ? t.peftName : t.peftName.replacingOccurrences(of: ".weight", with: ".default.weight")
            guard file.tensorNames.contains(name) else {
                throw TrainingError.adapterFile(path: url.path, reason: "missing tensor \(t.peftName)")
            }
            let shape = try file.info(name).shape
            guard shape == [t.rows, t.cols] else {
                throw TrainingError.adapterFile(path: url.path, reason: "\(name) has shape \(shape), expected [\(t.rows), \(t.cols)]")
            }
            try file.read(name, into: UnsafeMutableBufferPointer(start: adapter.parameters.pointer + t.offset, count: t.count))
            expected.insert(name)
        }
        if let extra = file.tensorNames.first(where: { !expected.contains($0) }) {
            throw TrainingError.adapterFile(path: url.path, reason: "unexpected tensor \(extra) (a module this model or adapter config does not have)")
        }
        return adapter
    }
}
