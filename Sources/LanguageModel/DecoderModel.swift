import Tensors

/// The Qwen2 / Llama decoder stack, and its inference forward.
///
/// One `forward` call runs any mix of tokens (a packed prefill of several prompts, one new
/// token for each of many sequences, or whole sequences to score) as a single batch of rows,
/// so every projection is one GEMM over all rows.
///
///   x   = embed[tokens]                                   [n, d]
///   per layer (`forwardLayer`, shared with the training forward):
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
        let n = slots.count, d = config.hiddenSize
        let maxKeys = slots.reduce(0) { max($0, $1.keyCount) }
        ws.reserve(rows: n, keys: maxKeys, config: config)
        rope.reserve(slots.reduce(0) { max($0, $1.position) } + 1)

        let x = ws.x.pointer, h = ws.normed.pointer
        embed(slots, into: x)
        let buffers = ws.layerBuffers
        for l in 0..<config.numHiddenLayers {
            forwardLayer(l, x: x, slots: slots, keyValues: cache, buffers: buffers, delta: NoProjectionDelta(),
                         threads: ws.threads)
        }
        Kernels.rmsNorm(x, weight: weights.finalNorm.pointer, out: h, rows: n, dim: d, eps: config.rmsNormEps)
        return h
    }

    /// logits[r, :] = hidden[r, :] · lm_headᵀ         hidden: [rows, d] → logits: [rows, vocab]
    public func logits(hidden: UnsafePointer<Float>, rows: Int, into logits: UnsafeMutablePointer<Float>) {
        MatMul.linear(hidden, weights.lmHead.pointer, logits, m: rows, n: config.vocabSize, k: config.hiddenSize)
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

    /// One layer's scratch: nothing is kept for a backward, and silu(g) ⊙ u overwrites the
    /// gate half of gateUp. Valid until the next `reserve` that grows.
    var layerBuffers: LayerBuffers {
        LayerBuffers(normed: normed.pointer, qkv: qkv.pointer, attention: attention.pointer, gateUp: gateUp.pointer,
                     scores: scores.pointer, scoresStride: scoresStride, scoresRows: threads)
    }

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
