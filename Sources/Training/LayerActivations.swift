import LanguageModel
import Tensors

/// What one decoder layer's forward (`DecoderModel.forwardLayer`) keeps for its backward,
/// for `rows` rows: the kept fields of its `LayerBuffers`, and LoRA's z.
///
/// The normed inputs (h = rmsnorm(x)) and the SwiGLU product are not kept: they are
/// recomputed from `xIn`/`xMid` with the saved `rstd`, and from `gateUp`, for a fraction of
/// the cost of storing them.
final class LayerActivations {
    let rows: Int
    let xIn: FloatBuffer       // [rows, d]            residual stream entering the layer
    let rstd1: FloatBuffer     // [rows]               1/rms of xIn
    let qkv: FloatBuffer       // [rows, qDim + 2·kvDim] after bias, LoRA and RoPE
    let logSumExp: FloatBuffer // [rows, heads]        attention softmax normaliser
    let attention: FloatBuffer // [rows, qDim]         input of o_proj
    let xMid: FloatBuffer      // [rows, d]            residual stream after attention
    let rstd2: FloatBuffer     // [rows]
    let gateUp: FloatBuffer    // [rows, 2·ff]         pre-activation [gate | up]
    let loraZ: FloatBuffer     // [targets, rows, r]   z = x · Aᵀ of each adapted projection

    init(rows: Int, config: ModelConfig, lora: LoRAConfig?) {
        self.rows = rows
        let d = config.hiddenSize
        xIn = FloatBuffer(uninitializedCount: rows * d)
        rstd1 = FloatBuffer(uninitializedCount: rows)
        qkv = FloatBuffer(uninitializedCount: rows * (config.qDim + 2 * config.kvDim))
        logSumExp = FloatBuffer(uninitializedCount: rows * config.numAttentionHeads)
        attention = FloatBuffer(uninitializedCount: rows * config.qDim)
        xMid = FloatBuffer(uninitializedCount: rows * d)
        rstd2 = FloatBuffer(uninitializedCount: rows)
        gateUp = FloatBuffer(uninitializedCount: rows * 2 * config.intermediateSize)
        loraZ = FloatBuffer(uninitializedCount: rows * (lora.map { $0.rank * $0.targets.count } ?? 0))
    }

    /// z of the i-th adapted target (in `LoRAConfig.targets` order).   [rows, r]
    func z(_ targetIndex: Int, rank: Int) -> UnsafeMutablePointer<Float> {
        loraZ.pointer + targetIndex * rows * rank
    }

    var byteCount: Int {
        4 * (xIn.count + rstd1.count + qkv.count + logSumExp.count + attention.count + xMid.count
             + rstd2.count + gateUp.count + loraZ.count)
    }
}

/// The activation arena of a training forward and backward, grown to the largest batch seen.
///
/// Without recomputation every layer keeps its `LayerActivations`. With recomputation only
/// each layer's input is kept, and the backward re-runs one layer's forward at a time into a
/// single `LayerActivations`: one extra forward in exchange for ~1/15 of the memory.
final class TrainingWorkspace {
    let config: ModelConfig
    let lora: LoRAConfig?
    let recompute: Bool
    let threads: Int
    private(set) var rows = 0
    private(set) var maxKeys = 0

    private(set) var layers: [LayerActivations] = []       // one per layer, or one shared
    private(set) var layerInputs: [FloatBuffer] = []        // [rows, d] per layer when recomputing
    var x = FloatBuffer(count: 0)          // [rows, d] residual stream
    var h = FloatBuffer(count: 0)          // [rows, d] normed input
    var act = FloatBuffer(count: 0)        // [rows, ff] silu(gate) ⊙ up
    var dropped = FloatBuffer(count: 0)    // [rows, max in] LoRA input after dropout
    var xFinal = FloatBuffer(count: 0)     // [rows, d] input of the final norm
    var rstdFinal = FloatBuffer(count: 0)  // [rows]
    var hidden = FloatBuffer(count: 0)     // [rows, d] final-normed output
    // Gradients
    var dx = FloatBuffer(count: 0)         // [rows, d]
    var dh = FloatBuffer(count: 0)         // [rows, d]
    var dqkv = FloatBuffer(count: 0)       // [rows, qDim + 2·kvDim]
    var dAttention = FloatBuffer(count: 0) // [rows, qDim]
    var dGateUp = FloatBuffer(count: 0)    // [rows, 2·ff]
    var dAct = FloatBuffer(count: 0)       // [rows, ff]
    var dz = FloatBuffer(count: 0)         // [rows, r]
    var scores = FloatBuffer(count: 0)     // [threads, maxKeys]

    init(config: ModelConfig, lora: LoRAConfig?, recompute: Bool, threads: Int) {
        self.config = config
        self.lora = lora
        self.recompute = recompute
        self.threads = max(1, threads)
    }

    func activations(layer: Int) -> LayerActivations { recompute ? layers[0] : layers[layer] }

    /// Where a layer's forward writes: into `acts` what the backward reads, the rest into
    /// this workspace's scratch (`h`, `act`, `scores`).
    func layerBuffers(keeping acts: LayerActivations) -> LayerBuffers {
        LayerBuffers(normed: h.pointer, qkv: acts.qkv.pointer, attention: acts.attention.pointer,
                     gateUp: acts.gateUp.pointer, act: act.pointer,
                     scores: scores.pointer, scoresStride: maxKeys, scoresRows: threads,
                     xIn: acts.xIn.pointer, rstd1: acts.rstd1.pointer, logSumExp: acts.logSumExp.pointer,
                     xMid: acts.xMid.pointer, rstd2: acts.rstd2.pointer)
    }

    func reserve(rows n: Int, keys: Int) {
        if n > rows {
            rows = n
            let d = config.hiddenSize, ff = config.intermediateSize, qkvDim = config.qDim + 2 * config.kvDim
            let layerCount = recompute ? 1 : config.numHiddenLayers
            layers = []   // release before allocating the larger set
            layers = (0..<layerCount).map { _ in LayerActivations(rows: n, config: config, lora: lora) }
            layerInputs = recompute ? (0..<config.numHiddenLayers).map { _ in FloatBuffer(uninitializedCount: n * d) } : []
            x = FloatBuffer(count: n * d); h = FloatBuffer(count: n * d)
            act = FloatBuffer(count: n * ff)
            dropped = FloatBuffer(count: (lora?.dropout ?? 0) > 0 ? n * max(d, ff, config.qDim) : 0)
            xFinal = FloatBuffer(count: n * d); rstdFinal = FloatBuffer(count: n); hidden = FloatBuffer(count: n * d)
            dx = FloatBuffer(count: n * d); dh = FloatBuffer(count: n * d)
            dqkv = FloatBuffer(count: n * qkvDim); dAttention = FloatBuffer(count: n * config.qDim)
            dGateUp = FloatBuffer(count: n * 2 * ff); dAct = FloatBuffer(count: n * ff)
            dz = FloatBuffer(count: n * (lora?.rank ?? 0))
        }
        if keys > maxKeys {
            maxKeys = keys
            scores = FloatBuffer(count: keys * threads)
        }
    }

    /// Bytes held by the saved activations (for reporting a step's memory).
    var activationBytes: Int {
        layers.reduce(0) { $0 + $1.byteCount } + layerInputs.reduce(0) { $0 + 4 * $1.count }
    }
}
