import LanguageModel
import SeededRandom
import Tensors

/// One LoRA matrix inside the adapter's flat parameter vector.
public struct LoRATensor: Sendable {
    public enum Kind: String, Sendable { case a = "lora_A", b = "lora_B" }
    public let layer: Int
    public let target: LoRATarget
    public let kind: Kind
    public let rows: Int
    public let cols: Int
    public let offset: Int

    public var count: Int { rows * cols }

    /// PEFT's saved key, e.g. `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`.
    public var peftName: String {
        "base_model.model.model.layers.\(layer).\(target.modulePath).\(kind.rawValue).weight"
    }
}

/// The trainable LoRA state of a decoder: every A [r, in] and B [out, r] matrix, laid out
/// back to back in one flat vector (layer by layer, targets in canonical order, A then B).
///
/// One vector makes the optimizer, gradient clipping, checksums and weight broadcast single
/// loops over contiguous memory; `tensors` maps it back to PEFT's named tensors.
public final class LoRAAdapter: @unchecked Sendable {
    public let config: LoRAConfig
    public let modelConfig: ModelConfig
    public let tensors: [LoRATensor]
    public let parameters: FloatBuffer
    private let index: [Int: (a: Int, b: Int)]   // (layer · 8 + target) → tensor indices

    /// A zero-filled adapter (B = 0 and A = 0); see `initialize(seed:)` for PEFT's init.
    public init(config: LoRAConfig, modelConfig: ModelConfig) {
        self.config = config
        self.modelConfig = modelConfig
        var tensors: [LoRATensor] = []
        var index: [Int: (a: Int, b: Int)] = [:]
        var offset = 0
        for layer in 0..<modelConfig.numHiddenLayers {
            for target in config.targets {
                let (input, output) = target.shape(modelConfig)
                let a = LoRATensor(layer: layer, target: target, kind: .a, rows: config.rank, cols: input, offset: offset)
                offset += a.count
                let b = LoRATensor(layer: layer, target: target, kind: .b, rows: output, cols: config.rank, offset: offset)
                offset += b.count
                index[Self.key(layer, target)] = (tensors.count, tensors.count + 1)
                tensors += [a, b]
            }
        }
        self.tensors = tensors
        self.index = index
        self.parameters = FloatBuffer(count: offset)
    }

    /// PEFT's default initialisation: A ~ Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in),
    /// and B = 0, so the adapted model starts equal to the base model. Seeded and
    /// platform-independent (SplitMix64), not PyTorch's generator.
    public func initialize(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for t in tensors {
            let p = parameters.pointer + t.offset
            switch t.kind {
            case .a:
                let bound = 1 / Float(t.cols).squareRoot()
                for i in 0..<t.count { p[i] = (2 * Float(rng.next() >> 40) * 0x1p-24 - 1) * bound }
            case .b:
                p.update(repeating: 0, count: t.count)
            }
        }
    }

    public var parameterCount: Int { parameters.count }

    /// A and B of one target in one layer, nil when the target carries no adapter.
    public func pair(layer: Int, target: LoRATarget) -> (a: LoRATensor, b: LoRATensor)? {
        guard let (a, b) = index[Self.key(layer, target)] else { return nil }
        return (tensors[a], tensors[b])
    }

    /// Copies all parameters from `other`, which must have the same layout.
    public func copyParameters(from other: LoRAAdapter) {
        precondition(other.parameters.count == parameters.count, "adapter layouts differ")
        parameters.pointer.update(from: other.parameters.pointer, count: parameters.count)
    }

    /// A base model with ΔW = scale · B · A added to every adapted projection: the weights
    /// inference runs with, so generation pays nothing for the adapter.
    public func merged(into base: DecoderWeights) -> DecoderWeights {
        var weights = base
        let s = config.scale
        let targets = Set(config.targets)
        for layer in 0..<modelConfig.numHiddenLayers {
            var lw = base.layers[layer]
            // Adapted matrices get their own storage; the base stays shared and untouched.
            if !targets.isDisjoint(with: [.q, .k, .v]) { lw.qkv = lw.qkv.copy() }
            if targets.contains(.o) { lw.o = lw.o.copy() }
            if !targets.isDisjoint(with: [.gate, .up]) { lw.gateUp = lw.gateUp.copy() }
            if targets.contains(.down) { lw.down = lw.down.copy() }
            for target in config.targets {
                let (a, b) = pair(layer: layer, target: target)!
                let matrix: Matrix
                switch target {
                case .q, .k, .v: matrix = lw.qkv
                case .o: matrix = lw.o
                case .gate, .up: matrix = lw.gateUp
                case .down: matrix = lw.down
                }
                // W[rows of target, :] += s · B[out, r] · A[r, in]
                let rows = target.stackedColumns(modelConfig)
                BLAS.gemm(m: b.rows, n: a.cols, k: config.rank, alpha: s,
                          a: parameters.pointer + b.offset, lda: b.cols, b: parameters.pointer + a.offset, ldb: a.cols,
                          beta: 1, c: matrix.pointer + rows.lowerBound * matrix.cols, ldc: matrix.cols)
            }
            weights.layers[layer] = lw
        }
        return weights
    }

    private static func key(_ layer: Int, _ target: LoRATarget) -> Int {
        layer * 8 + LoRATarget.allCases.firstIndex(of: target)!
    }
}

extension Matrix {
    /// A deep copy with its own storage.
    public func copy() -> Matrix {
        let m = Matrix(rows: rows, cols: cols)
        m.pointer.update(from: pointer, count: rows * cols)
        return m
    }
}
