import Dispatch
import Tensors

/// One decoder layer's forward, the only one: inference (prefill, decode steps, scoring)
/// and training run it, each with its own hooks.
///
///   x_in                                                    [n, d]   residual stream, updated in place
///   h     = rmsnorm(x_in) ⊙ w_in
///   qkv   = h · Wqkvᵀ + b + Δ_qkv(h)                        [n, qDim + 2·kvDim]  rows [q | k | v]
///   q, k  = rope(q, k);  k, v → `LayerKeyValues`
///   att   = attention(q, keys, values)                     [n, qDim]
///   x_mid = x_in + att · Woᵀ + Δ_o(att)
///   h     = rmsnorm(x_mid) ⊙ w_post
///   gu    = h · Wguᵀ + Δ_gu(h)                              [n, 2·ff]  rows [gate | up]
///   a     = silu(g) ⊙ u                                     [n, ff]
///   x_out = x_mid + a · Wdᵀ + Δ_down(a)
///
/// The hooks: `LayerKeyValues` says where keys and values live (a KV cache's rows, or the
/// batch's own qkv rows); `ProjectionDelta` adds to each base projection (a LoRA adapter;
/// nothing at inference); `LayerBuffers` says where intermediates go and which of them are
/// kept for a backward. An architecture change (a QK-norm, another activation) is made here
/// once, and in the training backward that is this forward's adjoint.
extension DecoderModel {
    /// Runs layer `l` over the rows of `slots` on the residual stream `x` [slots.count, d],
    /// in place. `threads` bounds how many threads attention splits its rows across.
    public func forwardLayer<KeyValues: LayerKeyValues, Delta: ProjectionDelta>(
        _ l: Int, x: UnsafeMutablePointer<Float>, slots: [TokenSlot], keyValues: KeyValues,
        buffers b: LayerBuffers, delta: Delta, threads: Int
    ) {
        let layer = weights.layers[l]
        let n = slots.count, d = config.hiddenSize, ff = config.intermediateSize
        let qDim = config.qDim, kvDim = config.kvDim, qkvDim = qDim + 2 * kvDim
        let eps = config.rmsNormEps
        let h = b.normed, qkv = b.qkv

        // Attention block.
        b.xIn?.update(from: x, count: n * d)
        Kernels.rmsNorm(x, weight: layer.inputNorm.pointer, out: h, rows: n, dim: d, eps: eps, rstd: b.rstd1)
        MatMul.linear(h, layer.qkv.pointer, qkv, m: n, n: qkvDim, k: d)
        if let bias = layer.qkvBias { Kernels.addBias(bias.pointer, to: qkv, rows: n, dim: qkvDim) }
        delta.add(.qkv, layer: l, input: h, inputStride: d, rows: n, out: qkv, outStride: qkvDim)
        for (r, slot) in slots.enumerated() {
            rope.apply(qkv + r * qkvDim, heads: config.numAttentionHeads, position: slot.position)
            rope.apply(qkv + r * qkvDim + qDim, heads: config.numKeyValueHeads, position: slot.position)
        }
        let kv = keyValues.keysAndValues(layer: l, qkv: UnsafePointer(qkv), slots: slots, config: config)
        attention(qkv: qkv, keyValues: kv, slots: slots, buffers: b, threads: threads)
        MatMul.linear(b.attention, layer.o.pointer, x, m: n, n: d, k: qDim, accumulate: true)
        delta.add(.o, layer: l, input: b.attention, inputStride: qDim, rows: n, out: x, outStride: d)

        // MLP block.
        b.xMid?.update(from: x, count: n * d)
        Kernels.rmsNorm(x, weight: layer.postAttentionNorm.pointer, out: h, rows: n, dim: d, eps: eps, rstd: b.rstd2)
        let gu = b.gateUp
        MatMul.linear(h, layer.gateUp.pointer, gu, m: n, n: 2 * ff, k: d)
        delta.add(.gateUp, layer: l, input: h, inputStride: d, rows: n, out: gu, outStride: 2 * ff)
        // Without an `act` buffer silu(g) ⊙ u overwrites the gate half of each gateUp row.
        let a = b.act ?? gu, aStride = b.act == nil ? 2 * ff : ff
        for r in 0..<n {
            let row = gu + r * 2 * ff
            Kernels.siluMul(gate: row, up: row + ff, out: a + r * aStride, count: ff)
        }
        MatMul.linear(a, lda: aStride, layer.down.pointer, x, m: n, n: d, k: ff, accumulate: true)
        delta.add(.down, layer: l, input: a, inputStride: aStride, rows: n, out: x, outStride: d)
    }

    /// Attention of every row over its slot's keys, rows split across `threads` when there
    /// is enough work (each row is computed alone, so the split does not change the result).
    private func attention(qkv: UnsafePointer<Float>, keyValues kv: KeyValueRows, slots: [TokenSlot],
                           buffers b: LayerBuffers, threads: Int) {
        let qDim = config.qDim, qkvDim = qDim + 2 * config.kvDim, heads = config.numAttentionHeads
        let work = slots.reduce(0) { $0 + $1.keyCount }
        let parts = work >= 1024 ? max(1, min(threads, slots.count)) : 1
        if parts == 1 {
            Attention.forward(q: qkv, qStride: qkvDim, keys: kv.keys, values: kv.values, kvStride: kv.stride,
                              out: b.attention, slots: slots[...], config: config, scores: b.scores,
                              logSumExp: b.logSumExp)
            return
        }
        precondition(b.scoresRows >= parts, "attention scores scratch has \(b.scoresRows) rows, \(parts) needed")
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = slots.count * p / parts, hi = slots.count * (p + 1) / parts
            Attention.forward(q: qkv + lo * qkvDim, qStride: qkvDim, keys: kv.keys, values: kv.values,
                              kvStride: kv.stride, out: b.attention + lo * qDim, slots: slots[lo..<hi],
                              config: config, scores: b.scores + p * b.scoresStride,
                              logSumExp: b.logSumExp.map { $0 + lo * heads })
        }
    }

    /// x[r, :] = embed[slots[r].token]                                  x: [slots.count, d]
    public func embed(_ slots: [TokenSlot], into x: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize
        for (r, slot) in slots.enumerated() {
            precondition(slot.token >= 0 && Int(slot.token) < config.vocabSize, "token id \(slot.token) outside the vocabulary")
            (x + r * d).update(from: weights.embedTokens.row(Int(slot.token)), count: d)
        }
    }
}

/// Where a layer's keys and values live and where its attention reads them.
public protocol LayerKeyValues {
    /// Called once per layer with the batch's [q | k | v] rows after RoPE
    /// (qkv: [slots.count, qDim + 2·kvDim]); stores whatever it keeps, and returns the rows
    /// attention reads: row `j` of a slot's keys (`prefix`, then `ownStart...cacheRow`) is
    /// `keys + j · stride`.
    func keysAndValues(layer: Int, qkv: UnsafePointer<Float>, slots: [TokenSlot],
                       config: ModelConfig) -> KeyValueRows
}

/// Keys and values as attention reads them: [rows, kvDim] each, rows `stride` floats apart.
public struct KeyValueRows {
    public var keys: UnsafePointer<Float>
    public var values: UnsafePointer<Float>
    public var stride: Int

    public init(keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int) {
        self.keys = keys
        self.values = values
        self.stride = stride
    }
}

/// Keys and values read in place from the batch's own [q | k | v] rows: each slot's
/// `cacheRow` is its row in the batch (a training forward over packed sequences).
public struct BatchKeyValues: LayerKeyValues {
    public init() {}

    @inline(__always)
    public func keysAndValues(layer: Int, qkv: UnsafePointer<Float>, slots: [TokenSlot],
                              config: ModelConfig) -> KeyValueRows {
        let qDim = config.qDim, kvDim = config.kvDim
        return KeyValueRows(keys: qkv + qDim, values: qkv + qDim + kvDim, stride: qDim + 2 * kvDim)
    }
}

/// The projections of a layer, each one GEMM over stacked weights.
public enum LayerProjection: Sendable {
    case qkv      // h → [q | k | v]     input [n, d], output [n, qDim + 2·kvDim]
    case o        // att → x             input [n, qDim], output [n, d]
    case gateUp   // h → [gate | up]     input [n, d], output [n, 2·ff]
    case down     // a → x               input [n, ff], output [n, d]
}

/// Something added to a layer's base projections (a LoRA adapter's s · B · A · x).
public protocol ProjectionDelta {
    /// out += Δ(input) for `projection` of layer `layer`, called right after its base product
    /// (and bias). input: [rows, in], rows `inputStride` apart; out: [rows, out], rows
    /// `outStride` apart (the residual stream itself for o and down).
    func add(_ projection: LayerProjection, layer: Int, input: UnsafePointer<Float>, inputStride: Int, rows: Int,
             out: UnsafeMutablePointer<Float>, outStride: Int)
}

/// The base model alone.
public struct NoProjectionDelta: ProjectionDelta {
    public init() {}

    @inline(__always)
    public func add(_ projection: LayerProjection, layer: Int, input: UnsafePointer<Float>, inputStride: Int,
                    rows: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {}
}

/// Where one layer's forward writes, for `n` rows. The caller owns the memory.
///
/// `normed`, `qkv`, `attention`, `gateUp` and `scores` are always written. The rest are
/// written only when given: a training forward keeps them (with `qkv`, `attention`,
/// `gateUp`) for its backward; inference passes nil.
public struct LayerBuffers {
    public var normed: UnsafeMutablePointer<Float>      // [n, d]       rmsnorm output, scratch
    public var qkv: UnsafeMutablePointer<Float>         // [n, qDim + 2·kvDim] after bias, delta and RoPE
    public var attention: UnsafeMutablePointer<Float>   // [n, qDim]    input of o_proj
    public var gateUp: UnsafeMutablePointer<Float>      // [n, 2·ff]    [gate | up] before the activation
    public var act: UnsafeMutablePointer<Float>?        // [n, ff]      silu(g) ⊙ u; nil: over gateUp's gate half
    public var scores: UnsafeMutablePointer<Float>      // [scoresRows, scoresStride] attention scratch
    public var scoresStride: Int                        // ≥ the largest keyCount of the slots
    public var scoresRows: Int                          // threads the scratch serves
    public var xIn: UnsafeMutablePointer<Float>?        // [n, d]       residual stream entering the layer
    public var rstd1: UnsafeMutablePointer<Float>?      // [n]          1/rms of xIn
    public var logSumExp: UnsafeMutablePointer<Float>?  // [n, heads]   attention softmax normaliser
    public var xMid: UnsafeMutablePointer<Float>?       // [n, d]       residual stream after attention
    public var rstd2: UnsafeMutablePointer<Float>?      // [n]          1/rms of xMid

    public init(normed: UnsafeMutablePointer<Float>, qkv: UnsafeMutablePointer<Float>,
                attention: UnsafeMutablePointer<Float>, gateUp: UnsafeMutablePointer<Float>,
                act: UnsafeMutablePointer<Float>? = nil,
                scores: UnsafeMutablePointer<Float>, scoresStride: Int, scoresRows: Int,
                xIn: UnsafeMutablePointer<Float>? = nil, rstd1: UnsafeMutablePointer<Float>? = nil,
                logSumExp: UnsafeMutablePointer<Float>? = nil, xMid: UnsafeMutablePointer<Float>? = nil,
                rstd2: UnsafeMutablePointer<Float>? = nil) {
        self.normed = normed
        self.qkv = qkv
        self.attention = attention
        self.gateUp = gateUp
        self.act = act
        self.scores = scores
        self.scoresStride = scoresStride
        self.scoresRows = scoresRows
        self.xIn = xIn
        self.rstd1 = rstd1
        self.logSumExp = logSumExp
        self.xMid = xMid
        self.rstd2 = rstd2
    }
}
