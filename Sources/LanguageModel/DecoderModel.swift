import Dispatch
import Tensors

/// The Qwen2 / Llama decoder stack for inference.
///
/// One `forward` call runs any mix of tokens (a packed prefill of several prompts, one new
/// token for each of many sequences, or whole sequences to score) as a single batch of rows,
/// so every projection is one GEMM over all rows.
///
///   x   = embed[tokens]                                   [n, d]
///   per layer:
///     h   = rmsnorm(x) · w_in
///     q,k,v = h·[Wq;Wk;Wv]ᵀ + [bq;bk;bv]                 [n, qDim + 2·kvDim]
///     q,k = rope(q, k)           k, v → cache rows
///     x  += attention(q, cache) · Woᵀ
///     h   = rmsnorm(x) · w_post
///     g,u = h·[Wg;Wu]ᵀ                                    [n, 2·ff]
///     x  += (silu(g) ⊙ u) · Wdᵀ                           [n, ff] → [n, d]
///   out = rmsnorm(x) · w_final                              [n, d]
public final class DecoderModel: @unchecked Sendable {
    public let config: ModelConfig
    public let weights: DecoderWeights
    public let rope: RotaryEmbedding

    public init(config: ModelConfig, weights: DecoderWeights) {
        self.config = config
        self.weights = weights
        self.rope = RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta,
                                    positions: min(config.maxPositionEmbeddings, 4096))
    }

    /// Runs `slots` through the stack, writing their keys and values into `cache`.
    /// Returns the final-normed hidden states, [slots.count, d], valid until the next call
    /// with the same workspace.
    @discardableResult
    public func forward(_ slots: [TokenSlot], cache: KVCache, workspace ws: DecoderWorkspace) -> UnsafeMutablePointer<Float> {
        let n = slots.count
        let d = config.hiddenSize, ff = config.intermediateSize
        let qDim = config.qDim, kvDim = config.kvDim, qkvDim = qDim + 2 * kvDim
        let maxKeys = slots.reduce(0) { max($0, $1.keyCount) }
        ws.reserve(rows: n, keys: maxKeys, config: config)
        rope.reserve((slots.map(\.position).max() ?? 0) + 1)

        let x = ws.x.pointer, h = ws.normed.pointer
        for (r, slot) in slots.enumerated() {
            precondition(Int(slot.token) >= 0 && Int(slot.token) < config.vocabSize, "token id \(slot.token) outside the vocabulary")
            (x + r * d).update(from: weights.embedTokens.row(Int(slot.token)), count: d)
        }

        for (l, layer) in weights.layers.enumerated() {
            // Attention block. qkv rows are [q | k | v].
            Kernels.rmsNorm(x, weight: layer.inputNorm.pointer, out: h, rows: n, dim: d, eps: config.rmsNormEps)
            let qkv = ws.qkv.pointer
            MatMul.linear(h, layer.qkv.pointer, qkv, m: n, n: qkvDim, k: d)
            if let b = layer.qkvBias { Kernels.addBias(b.pointer, to: qkv, rows: n, dim: qkvDim) }
            let keys = cache.keys[l].pointer, values = cache.values[l].pointer
            for (r, slot) in slots.enumerated() {
                let q = qkv + r * qkvDim, k = q + qDim, v = k + kvDim
                rope.apply(q, heads: config.numAttentionHeads, position: slot.position)
                rope.apply(k, heads: config.numKeyValueHeads, position: slot.position)
                (keys + slot.cacheRow * kvDim).update(from: k, count: kvDim)
                (values + slot.cacheRow * kvDim).update(from: v, count: kvDim)
            }
            attention(q: qkv, qStride: qkvDim, keys: keys, values: values, slots: slots, workspace: ws)
            MatMul.linear(ws.attention.pointer, layer.o.pointer, x, m: n, n: d, k: qDim, accumulate: true)

            // MLP block. gateUp rows are [gate | up]; silu(gate)·up overwrites the gate half.
            Kernels.rmsNorm(x, weight: layer.postAttentionNorm.pointer, out: h, rows: n, dim: d, eps: config.rmsNormEps)
            let gateUp = ws.gateUp.pointer
            MatMul.linear(h, layer.gateUp.pointer, gateUp, m: n, n: 2 * ff, k: d)
            for r in 0..<n {
                let row = gateUp + r * 2 * ff
                Kernels.siluMul(gate: row, up: row + ff, out: row, count: ff)
            }
            MatMul.linear(gateUp, lda: 2 * ff, layer.down.pointer, x, m: n, n: d, k: ff, accumulate: true)
        }
        Kernels.rmsNorm(x, weight: weights.finalNorm.pointer, out: h, rows: n, dim: d, eps: config.rmsNormEps)
        return h
    }

    /// logits[r, :] = hidden[r, :] · lm_headᵀ         hidden: [rows, d] → logits: [rows, vocab]
    public func logits(hidden: UnsafePointer<Float>, rows: Int, into logits: UnsafeMutablePointer<Float>) {
        MatMul.linear(hidden, weights.lmHead.pointer, logits, m: rows, n: config.vocabSize, k: config.hiddenSize)
    }

    /// Attention over the rows, split across the cores when there is enough work; the
    /// projections around it already use every core (OpenBLAS or SmallBatchLinear).
    private func attention(q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                           slots: [TokenSlot], workspace ws: DecoderWorkspace) {
        let work = slots.reduce(0) { $0 + $1.keyCount }
        let parts = work >= 1024 ? min(ws.threads, slots.count) : 1
        let out = ws.attention.pointer
        if parts == 1 {
            Attention.forward(q: q, qStride: qStride, keys: keys, values: values, kvStride: config.kvDim,
                              out: out, slots: slots[...], config: config, scores: ws.scores.pointer)
            return
        }
        let qDim = config.qDim
        let stride = ws.scoresStride
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = slots.count * p / parts, hi = slots.count * (p + 1) / parts
            Attention.forward(q: q + lo * qStride, qStride: qStride, keys: keys, values: values,
                              kvStride: config.kvDim, out: out + lo * qDim,
                              slots: slots[lo..<hi], config: config,
                              scores: ws.scores.pointer + p * stride)
        }
    }
}

/// Scratch activations for `DecoderModel.forward`, grown on demand and reused across calls so
/// the decode loop allocates nothing in steady state.
public final class DecoderWorkspace {
    public let threads: Int
    private(set) var rows = 0
    private(set) var scoresStride = 0
    var x = FloatBuffer(count: 0), normed = FloatBuffer(count: 0)
    var qkv = FloatBuffer(count: 0)         // [rows, qDim + 2·kvDim]
    var attention = FloatBuffer(count: 0)   // [rows, qDim]
    var gateUp = FloatBuffer(count: 0)      // [rows, 2·ff]
    var scores = FloatBuffer(count: 0)

    public init(threads: Int = Compute.threads) { self.threads = max(1, threads) }

    func reserve(rows n: Int, keys: Int, config: ModelConfig) {
        if n > rows {
            rows = n
            x = FloatBuffer(count: n * config.hiddenSize)
            normed = FloatBuffer(count: n * config.hiddenSize)
            qkv = FloatBuffer(count: n * (config.qDim + 2 * config.kvDim))
            attention = FloatBuffer(count: n * config.qDim)
            gateUp = FloatBuffer(count: n * 2 * config.intermediateSize)
        }
        if keys > scoresStride {
            scoresStride = keys
            scores = FloatBuffer(count: keys * threads)
        }
    }
}
