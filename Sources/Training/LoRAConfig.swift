import GRPOCore
import LanguageModel

/// A projection of the decoder layer that can carry a LoRA adapter, named as in PEFT's
/// `target_modules`.
public enum LoRATarget: String, SettingChoice, Sendable {
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
/// The `lora:` section of a run's configuration, with PEFT's key names.
public struct LoRAConfig: Codable, Equatable, Sendable {
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

    enum CodingKeys: String, CodingKey {
        case rank, alpha, dropout, targets = "target_modules", useRSLoRA = "use_rslora"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rank: try c.decode(Int.self, forKey: .rank), alpha: try c.decode(Float.self, forKey: .alpha),
                  dropout: try c.decode(Float.self, forKey: .dropout), targets: try c.decode([LoRATarget].self, forKey: .targets),
                  useRSLoRA: try c.decode(Bool.self, forKey: .useRSLoRA))
    }

    public var scale: Float { useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }

    /// Checks the values a user can get wrong, naming the key.
    public func validate() throws {
        try SettingError.check(rank > 0, "rank", "must be positive, got \(rank)")
        try SettingError.check(alpha > 0, "alpha", "must be positive, got \(alpha)")
        try SettingError.check(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got \(dropout)")
        try SettingError.check(!targets.isEmpty, "target_modules", "must name at least one module")
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
