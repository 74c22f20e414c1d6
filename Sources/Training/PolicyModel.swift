import Dispatch
import LanguageModel
import Tensors

/// The decoder with a LoRA adapter, for training: a forward that keeps what the backward
/// needs, and a backward that produces the gradient of every adapter parameter.
///
/// The base weights are the inference model's, shared and frozen. Per layer, the forward is
/// `DecoderModel.forwardLayer` with LoRA as its projection delta (ΔW = s · B · A), attention
/// over the batch's own rows, and the activations of `LayerActivations` kept:
///
///   h1    = rmsnorm(x) ⊙ w_in                                   [n, d]
///   qkv   = h1 · Wqkvᵀ + b + s · (h1 · Aᵀ) · Bᵀ per target       [n, qDim + 2·kvDim]
///   q, k  = rope(q, k);  att = attention(q, k, v)               [n, qDim]
///   x    += att · Woᵀ + LoRA_o(att)
///   h2    = rmsnorm(x) ⊙ w_post
///   gu    = h2 · Wguᵀ + LoRA_gate/up(h2)                        [n, 2·ff]
///   a     = silu(g) ⊙ u                                         [n, ff]
///   x    += a · Wdᵀ + LoRA_down(a)
///
/// The backward runs the same steps in reverse; each line of `backwardLayer` is the adjoint
/// of one line above.
public final class PolicyModel: @unchecked Sendable {
    public let base: DecoderModel
    public let adapter: LoRAAdapter
    let workspace: TrainingWorkspace
    let head: LogProbHead
    /// Seed of the LoRA dropout masks; the updater sets it per micro-batch.
    var dropout: LoRADropout
    /// Dropout applies in the training forward and its backward only; log-probs for the
    /// reference, logp_old and scoring are the deterministic adapted model's.
    private var dropoutEnabled = false

    public init(base: DecoderModel, adapter: LoRAAdapter, recompute: Bool = false, threads: Int = Compute.threads) {
        self.base = base
        self.adapter = adapter
        self.workspace = TrainingWorkspace(config: base.config, lora: adapter.config, recompute: recompute, threads: threads)
        self.head = LogProbHead(weight: base.weights.lmHead, threads: threads)
        self.dropout = LoRADropout(probability: adapter.config.dropout, seed: 0)
    }

    public var config: ModelConfig { base.config }

    /// Log-probability of every target of `batch` (flat order), without keeping activations:
    /// the reference policy (`useAdapter: false`) or the current one, detached.
    public func logProbs(_ batch: PackedSequences, useAdapter: Bool) -> [Float] {
        let hidden = forward(batch, useAdapter: useAdapter, keep: false)
        return head.logProbs(hidden: hidden, batch: batch)
    }

    /// Runs forward and backward over `batch`. The loss is Σ over targets of some f(logp);
    /// `tokenGradient(target, logp)` returns ∂loss/∂logp for one target. Adds ∂loss/∂θ of
    /// every adapter parameter into `gradients` (laid out as `adapter.parameters`) and
    /// returns the targets' log-probabilities.
    public func accumulateGradients(_ batch: PackedSequences, into gradients: FloatBuffer,
                                    tokenGradient: (_ target: Int, _ logp: Float) -> Float) -> [Float] {
        precondition(gradients.count == adapter.parameterCount, "gradient buffer does not match the adapter")
        let ws = workspace
        let n = batch.rowCount, d = config.hiddenSize
        dropoutEnabled = true
        defer { dropoutEnabled = false }
        let hidden = forward(batch, useAdapter: true, keep: true)
        let logp = head.backward(hidden: hidden, batch: batch, dHidden: ws.dh.pointer, tokenGradient: tokenGradient)
        BackwardKernels.rmsNorm(ws.xFinal.pointer, weight: base.weights.finalNorm.pointer, rstd: ws.rstdFinal.pointer,
                                dy: ws.dh.pointer, dx: ws.dx.pointer, rows: n, dim: d, accumulate: false)
        for l in (0..<config.numHiddenLayers).reversed() {
            let acts = ws.activations(layer: l)
            if ws.recompute {
                ws.x.pointer.update(from: ws.layerInputs[l].pointer, count: n * d)
                forwardLayer(l, batch: batch, acts: acts, useAdapter: true)
            }
            backwardLayer(l, batch: batch, acts: acts, gradients: gradients)
        }
        return logp
    }

    /// Bytes of activations the last forward kept.
    public var activationBytes: Int { workspace.activationBytes }

    // MARK: Forward

    /// Embeds the batch and runs every layer; returns the final-normed hidden states [n, d].
    func forward(_ batch: PackedSequences, useAdapter: Bool, keep: Bool) -> UnsafeMutablePointer<Float> {
        let ws = workspace
        let n = batch.rowCount, d = config.hiddenSize
        ws.reserve(rows: n, keys: batch.slots.reduce(0) { max($0, $1.keyCount) })
        base.rope.reserve(batch.slots.reduce(0) { max($0, $1.position) } + 1)
        let x = ws.x.pointer
        base.embed(batch.slots, into: x)
        for l in 0..<config.numHiddenLayers {
            if keep && ws.recompute { ws.layerInputs[l].pointer.update(from: x, count: n * d) }
            forwardLayer(l, batch: batch, acts: ws.activations(layer: l), useAdapter: useAdapter)
        }
        ws.xFinal.pointer.update(from: x, count: n * d)
        Kernels.rmsNorm(x, weight: base.weights.finalNorm.pointer, out: ws.hidden.pointer, rows: n, dim: d,
                        eps: config.rmsNormEps, rstd: ws.rstdFinal.pointer)
        return ws.hidden.pointer
    }

    /// One layer (`DecoderModel.forwardLayer`) on the residual stream `workspace.x`, in place,
    /// saving into `acts`; attention reads keys and values from the batch's own qkv rows.
    func forwardLayer(_ l: Int, batch: PackedSequences, acts: LayerActivations, useAdapter: Bool) {
        let ws = workspace
        let buffers = ws.layerBuffers(keeping: acts)
        if useAdapter {
            base.forwardLayer(l, x: ws.x.pointer, slots: batch.slots, keyValues: BatchKeyValues(), buffers: buffers,
                              delta: LoRADelta(policy: self, acts: acts), threads: ws.threads)
        } else {
            base.forwardLayer(l, x: ws.x.pointer, slots: batch.slots, keyValues: BatchKeyValues(), buffers: buffers,
                              delta: NoProjectionDelta(), threads: ws.threads)
        }
    }

    /// out[:, columns of target] += s · (drop(x) · Aᵀ) · Bᵀ, keeping z = drop(x) · Aᵀ.
    ///   x: [n, in]   z: [n, r]   out: [n, outStride]
    fileprivate func loraForward(_ l: Int, _ target: LoRATarget, input: UnsafePointer<Float>, rows n: Int,
                                 out: UnsafeMutablePointer<Float>, outStride: Int, acts: LayerActivations) {
        guard let (a, b) = adapter.pair(layer: l, target: target) else { return }
        let r = adapter.config.rank, p = adapter.parameters.pointer
        let z = acts.z(adapter.config.targets.firstIndex(of: target)!, rank: r)
        var x = input
        if dropoutEnabled && dropout.isActive {
            dropout.apply(input, out: workspace.dropped.pointer, rows: n, cols: a.cols, layer: l, target: target)
            x = UnsafePointer(workspace.dropped.pointer)
        }
        BLAS.gemm(transB: true, m: n, n: r, k: a.cols, a: x, lda: a.cols, b: p + a.offset, ldb: a.cols, c: z, ldc: r)
        BLAS.gemm(transB: true, m: n, n: b.rows, k: r, alpha: adapter.config.scale, a: z, lda: r, b: p + b.offset, ldb: r,
                  beta: 1, c: out + target.stackedColumns(config).lowerBound, ldc: outStride)
    }

    // MARK: Backward

    /// The adjoint of `forwardLayer` (`DecoderModel.forwardLayer` with `LoRADelta`): on entry
    /// `workspace.dx` holds ∂L/∂x_out; on return ∂L/∂x_in.
    private func backwardLayer(_ l: Int, batch: PackedSequences, acts: LayerActivations, gradients: FloatBuffer) {
        let ws = workspace, layer = base.weights.layers[l]
        let n = batch.rowCount, d = config.hiddenSize, ff = config.intermediateSize
        let qDim = config.qDim, kvDim = config.kvDim, qkvDim = qDim + 2 * kvDim
        let dx = ws.dx.pointer, h = ws.h.pointer, dh = ws.dh.pointer
        let eps = config.rmsNormEps

        // MLP: x_out = x_mid + a · Wdᵀ + LoRA_down(a)
        let gu = acts.gateUp.pointer, a = ws.act.pointer, dA = ws.dAct.pointer, dGU = ws.dGateUp.pointer
        for r in 0..<n { Kernels.siluMul(gate: gu + r * 2 * ff, up: gu + r * 2 * ff + ff, out: a + r * ff, count: ff) }
        BLAS.gemm(m: n, n: ff, k: d, a: dx, lda: d, b: layer.down.pointer, ldb: ff, c: dA, ldc: ff)   // da = dx · Wd
        loraBackward(l, .down, input: a, rows: n, dOut: dx, dOutStride: d, dInput: dA, acts: acts, gradients: gradients)
        for r in 0..<n {
            let g = gu + r * 2 * ff, dg = dGU + r * 2 * ff
            BackwardKernels.siluMul(gate: g, up: g + ff, dOut: dA + r * ff, dGate: dg, dUp: dg + ff, count: ff)
        }
        Kernels.rmsNorm(acts.xMid.pointer, weight: layer.postAttentionNorm.pointer, out: h, rows: n, dim: d, eps: eps)
        BLAS.gemm(m: n, n: d, k: 2 * ff, a: dGU, lda: 2 * ff, b: layer.gateUp.pointer, ldb: d, c: dh, ldc: d)
        for t in [LoRATarget.gate, .up] {
            loraBackward(l, t, input: h, rows: n, dOut: dGU, dOutStride: 2 * ff, dInput: dh, acts: acts, gradients: gradients)
        }
        BackwardKernels.rmsNorm(acts.xMid.pointer, weight: layer.postAttentionNorm.pointer, rstd: acts.rstd2.pointer,
                                dy: dh, dx: dx, rows: n, dim: d, accumulate: true)

        // Attention: x_mid = x_in + att · Woᵀ + LoRA_o(att)
        let dAtt = ws.dAttention.pointer, dqkv = ws.dqkv.pointer
        BLAS.gemm(m: n, n: qDim, k: d, a: dx, lda: d, b: layer.o.pointer, ldb: qDim, c: dAtt, ldc: qDim)
        loraBackward(l, .o, input: acts.attention.pointer, rows: n, dOut: dx, dOutStride: d, dInput: dAtt,
                     acts: acts, gradients: gradients)
        dqkv.update(repeating: 0, count: n * qkvDim)
        attentionBackward(batch: batch, acts: acts)
        for (r, slot) in batch.slots.enumerated() {
            base.rope.apply(dqkv + r * qkvDim, heads: config.numAttentionHeads, position: slot.position, inverse: true)
            base.rope.apply(dqkv + r * qkvDim + qDim, heads: config.numKeyValueHeads, position: slot.position, inverse: true)
        }
        Kernels.rmsNorm(acts.xIn.pointer, weight: layer.inputNorm.pointer, out: h, rows: n, dim: d, eps: eps)
        BLAS.gemm(m: n, n: d, k: qkvDim, a: dqkv, lda: qkvDim, b: layer.qkv.pointer, ldb: d, c: dh, ldc: d)
        for t in [LoRATarget.q, .k, .v] {
            loraBackward(l, t, input: h, rows: n, dOut: dqkv, dOutStride: qkvDim, dInput: dh, acts: acts, gradients: gradients)
        }
        BackwardKernels.rmsNorm(acts.xIn.pointer, weight: layer.inputNorm.pointer, rstd: acts.rstd1.pointer,
                                dy: dh, dx: dx, rows: n, dim: d, accumulate: true)
    }

    /// Attention backward, kv heads split across threads: each thread owns its kv heads'
    /// key and value gradients and its query heads' query gradients.
    private func attentionBackward(batch: PackedSequences, acts: LayerActivations) {
        let ws = workspace
        let qDim = config.qDim, kvDim = config.kvDim, qkvDim = qDim + 2 * kvDim
        let qkv = acts.qkv.pointer, dqkv = ws.dqkv.pointer
        let kvHeads = config.numKeyValueHeads
        let parts = min(ws.threads, kvHeads)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            Attention.backward(q: qkv, qStride: qkvDim, keys: qkv + qDim, values: qkv + qDim + kvDim, kvStride: qkvDim,
                               out: acts.attention.pointer, dOut: ws.dAttention.pointer, logSumExp: acts.logSumExp.pointer,
                               dQ: dqkv, dKeys: dqkv + qDim, dValues: dqkv + qDim + kvDim,
                               slots: batch.slots, kvHeads: (kvHeads * p / parts)..<(kvHeads * (p + 1) / parts),
                               config: config, scores: ws.scores.pointer + p * ws.maxKeys)
        }
    }

    /// The adjoint of `loraForward`, with dy = ∂L/∂out[:, columns of target]:
    ///   dB += s · dyᵀ · z        dz = s · dy · B        dA += dzᵀ · drop(x)        dx += drop'(dz · A)
    private func loraBackward(_ l: Int, _ target: LoRATarget, input: UnsafePointer<Float>, rows n: Int,
                              dOut: UnsafePointer<Float>, dOutStride: Int, dInput: UnsafeMutablePointer<Float>,
                              acts: LayerActivations, gradients: FloatBuffer) {
        guard let (a, b) = adapter.pair(layer: l, target: target) else { return }
        let r = adapter.config.rank, s = adapter.config.scale
        let p = adapter.parameters.pointer, g = gradients.pointer, dz = workspace.dz.pointer
        let z = acts.z(adapter.config.targets.firstIndex(of: target)!, rank: r)
        let dy = dOut + target.stackedColumns(config).lowerBound
        BLAS.gemm(transA: true, m: b.rows, n: r, k: n, alpha: s, a: dy, lda: dOutStride, b: z, ldb: r,
                  beta: 1, c: g + b.offset, ldc: r)
        BLAS.gemm(m: n, n: r, k: b.rows, alpha: s, a: dy, lda: dOutStride, b: p + b.offset, ldb: r, c: dz, ldc: r)
        if dropoutEnabled && dropout.isActive {
            let dropped = workspace.dropped.pointer
            dropout.apply(input, out: dropped, rows: n, cols: a.cols, layer: l, target: target)
            BLAS.gemm(transA: true, m: r, n: a.cols, k: n, a: dz, lda: r, b: dropped, ldb: a.cols,
                      beta: 1, c: g + a.offset, ldc: a.cols)
            BLAS.gemm(m: n, n: a.cols, k: r, a: dz, lda: r, b: p + a.offset, ldb: a.cols, c: dropped, ldc: a.cols)
            dropout.accumulateBackward(dropped, into: dInput, rows: n, cols: a.cols, layer: l, target: target)
        } else {
            BLAS.gemm(transA: true, m: r, n: a.cols, k: n, a: dz, lda: r, b: input, ldb: a.cols,
                      beta: 1, c: g + a.offset, ldc: a.cols)
            BLAS.gemm(m: n, n: a.cols, k: r, a: dz, lda: r, b: p + a.offset, ldb: a.cols, beta: 1, c: dInput, ldc: a.cols)
        }
    }
}

/// LoRA as the decoder layer's projection delta: each adapted target of the projection adds
/// s · (drop(x) · Aᵀ) · Bᵀ to its columns, keeping z in `acts` for the backward.
private struct LoRADelta: ProjectionDelta {
    let policy: PolicyModel
    let acts: LayerActivations

    func add(_ projection: LayerProjection, layer l: Int, input: UnsafePointer<Float>, inputStride: Int, rows: Int,
             out: UnsafeMutablePointer<Float>, outStride: Int) {
        func lora(_ target: LoRATarget) {
            precondition(inputStride == target.shape(policy.config).input, "LoRA reads packed input rows")
            policy.loraForward(l, target, input: input, rows: rows, out: out, outStride: outStride, acts: acts)
        }
        switch projection {
        case .qkv: lora(.q); lora(.k); lora(.v)
        case .o: lora(.o)
        case .gateUp: lora(.gate); lora(.up)
        case .down: lora(.down)
        }
    }
}
