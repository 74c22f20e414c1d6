import LanguageModel

/// A projection of the decoder layer that can carry a LoRA adapter, named as in PEFT's
/// `target_modules`.
public enum LoRATarget: String, CaseIterable, Codable, Sendable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
    case gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// The module path inside a layer, as in HF parameter names.
    public var modulePath: String {
        switch self {
        case .q, .k, .v, .o: return "self_attn." + rawValue
        case .gate, .up, .down: return "mlp." + rawValue
        }
    }

    /// (in, out) features of the projection.
    public func shape(_ config: ModelConfig) -> (input: Int, output: Int) {
        let d = config.hiddenSize, ff = config.intermediateSize
        switch self {
        case .q: return (d, config.qDim)
        case .k, .v: return (d, config.kvDim)
        case .o: return (config.qDim, d)
        case .gate, .up: return (d, ff)
        case .down: return (ff, d)
        }
    }

    /// Where the projection's outputs sit in the decoder's stacked product: [q | k | v] for
    /// the attention input, [gate | up] for the MLP input; o and down are alone.
    public func stackedColumns(_ config: ModelConfig) -> Range<Int> {
        let qDim = config.qDim, kvDim = config.kvDim, ff = config.intermediateSize
        switch self {
        case .q: return 0..<qDim
        case .k: return qDim..<(qDim + kvDim)
        case .v: return (qDim + kvDim)..<(qDim + 2 * kvDim)
        case .gate: return 0..<ff
        case .up: return ff..<(2 * ff)
        case .o: return 0..<config.hiddenSize
        case .down: return 0..<config.hiddenSize
        }
    }
}

/// LoRA hyperparameters, with PEFT's meaning: ΔW = scale · B · A, A: [r, in], B: [out, r],
/// scale = alpha / r (or alpha / √r with rsLoRA), dropout on the adapter's input only.
public struct LoRAConfig: Equatable, Sendable {
    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    public var targets: [LoRATarget]
    public var useRSLoRA: Bool

    public static let allLinear: [LoRATarget] = LoRATarget.allCases

    public init(rank: Int = 16, alpha: Float = 32, dropout: Float = 0, targets: [LoRATarget] = LoRAConfig.allLinear,
                useRSLoRA: Bool = false) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        // Canonical order, whatever order the user listed them in: it fixes the layout of
        // the flat parameter vector.
        self.targets = LoRATarget.allCases.filter(targets.contains)
        self.useRSLoRA = useRSLoRA
    }

    public var scale: Float { useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }

    /// Checks the values a user can get wrong, naming the field.
    public func validate() throws {
        guard rank > 0 else { throw TrainingError.invalidSetting("lora rank must be positive, got \(rank)") }
        guard alpha > 0 else { throw TrainingError.invalidSetting("lora alpha must be positive, got \(alpha)") }
        guard dropout >= 0 && dropout < 1 else {
            throw TrainingError.invalidSetting("lora dropout must be in [0, 1), got \(dropout)")
        }
        guard !targets.isEmpty else { throw TrainingError.invalidSetting("lora target_modules is empty") }
    }
}

/// Errors of the training core, each naming the setting, file or record at fault.
public enum TrainingError: Error, CustomStringConvertible {
    case invalidSetting(String)
    case adapterFile(path: String, reason: String)
    case batchRecord(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let message): return message
        case .adapterFile(let path, let reason): return "\(path): \(reason)"
        case .batchRecord(let file, let line, let reason): return "\(file):\(line): \(reason)"
        }
    }
}
