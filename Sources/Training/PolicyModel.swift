import Dispatch
import LanguageModel
import Tensors

/// The decoder with a LoRA adapter, for training: a forward that keeps what the backward
/// needs, and a backward that produces the gradient of every adapter parameter.
///
/// The base weights are the inference model's, shared and frozen. Per layer, as in
/// `DecoderModel.forward`, with LoRA added to each adapted projection (ΔW = s · B · A):
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
        base.rope.reserve((batch.slots.map(\.position).max() ?? 0) + 1)
        let x = ws.x.pointer
        for (r, slot) in batch.slots.enumerated() {
            precondition(slot.token >= 0 && Int(slot.token) < config.vocabSize, "token id \(slot.token) outside the vocabulary")
            (x + r * d).update(from: base.weights.embedTokens.row(Int(slot.token)), count: d)
        }
        for l in 0..<config.numHiddenLayers {
            if keep && ws.recompute { ws.layerInputs[l].pointer.update(from: x, count: n * d) }
            forwardLayer(l, batch: batch, acts: ws.activations(layer: l), useAdapter: useAdapter)
        }
        ws.xFinal.pointer.update(from: x, count: n * d)
        Kernels.rmsNorm(x, weight: base.weights.finalNorm.pointer, out: ws.hidden.pointer, rows: n, dim: d,
                        eps: config.rmsNormEps, rstd: ws.rstdFinal.pointer)
        return ws.hidden.pointer
    }

    /// One layer on the residual stream `workspace.x`, in place, saving into `acts`.
    func forwardLayer(_ l: Int, batch: PackedSequences, acts: LayerActivations, useAdapter: Bool) {
        let ws = workspace, layer = base.weights.layers[l]
        let n = batch.rowCount, d = config.hiddenSize, ff = config.intermediateSize
        let qDim = config.qDim, kvDim = config.kvDim, qkvDim = qDim + 2 * kvDim
        let x = ws.x.pointer, h = ws.h.pointer, qkv = acts.qkv.pointer
        let eps = config.rmsNormEps

        acts.xIn.pointer.update(from: x, count: n * d)
        Kernels.rmsNorm(x, weight: layer.inputNorm.pointer, out: h, rows: n, dim: d, eps: eps, rstd: acts.rstd1.pointer)
        MatMul.linear(h, layer.qkv.pointer, qkv, m: n, n: qkvDim, k: d)
        if let b = layer.qkvBias { Kernels.addBias(b.pointer, to: qkv, rows: n, dim: qkvDim) }
        if useAdapter {
            for t in [LoRATarget.q, .k, .v] { loraForward(l, t, input: h, rows: n, out: qkv, outStride: qkvDim, acts: acts) }
        }
        for (r, slot) in batch.slots.enumerated() {
            base.rope.apply(qkv + r * qkvDim, heads: config.numAttentionHeads, position: slot.position)
            base.rope.apply(qkv + r * qkvDim + qDim, heads: config.numKeyValueHeads, position: slot.position)
        }
        attentionForward(batch: batch, acts: acts)
        MatMul.linear(acts.attention.pointer, layer.o.pointer, x, m: n, n: d, k: qDim, accumulate: true)
        if useAdapter { loraForward(l, .o, input: acts.attention.pointer, rows: n, out: x, outStride: d, acts: acts) }

        acts.xMid.pointer.update(from: x, count: n * d)
        Kernels.rmsNorm(x, weight: layer.postAttentionNorm.pointer, out: h, rows: n, dim: d, eps: eps, rstd: acts.rstd2.pointer)
        let gu = acts.gateUp.pointer
        MatMul.linear(h, layer.gateUp.pointer, gu, m: n, n: 2 * ff, k: d)
        if useAdapter {
            for t in [LoRATarget.gate, .up] { loraForward(l, t, input: h, rows: n, out: gu, outStride: 2 * ff, acts: acts) }
        }
        let a = ws.act.pointer
        for r in 0..<n { Kernels.siluMul(gate: gu + r * 2 * ff, up: gu + r * 2 * ff + ff, out: a + r * ff, count: ff) }
        MatMul.linear(a, layer.down.pointer, x, m: n, n: d, k: ff, accumulate: true)
        if useAdapter { loraForward(l, .down, input: a, rows: n, out: x, outStride: d, acts: acts) }
    }

    /// Attention over the batch, rows split across threads (no two write the same output).
    private func attentionForward(batch: PackedSequences, acts: LayerActivations) {
        let ws = workspace
        let qDim = config.qDim, kvDim = config.kvDim, qkvDim = qDim + 2 * kvDim, heads = config.numAttentionHeads
        let qkv = acts.qkv.pointer
        let slots = batch.slots
        let parts = slots.count >= 64 ? ws.threads : 1
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = slots.count * p / parts, hi = slots.count * (p + 1) / parts
            Attention.forward(q: qkv + lo * qkvDim, qStride: qkvDim, keys: qkv + qDim, values: qkv + qDim + kvDim,
                              kvStride: qkvDim, out: acts.attention.pointer + lo * qDim, slots: slots[lo..<hi],
                              config: config, scores: ws.scores.pointer + p * ws.maxKeys,
                              logSumExp: acts.logSumExp.pointer + lo * heads)
        }
    }

    /// out[:, columns of target] += s · (drop(x) · Aᵀ) · Bᵀ, keeping z = drop(x) · Aᵀ.
    ///   x: [n, in]   z: [n, r]   out: [n, outStride]
    private func loraForward(_ l: Int, _ target: LoRATarget, input: UnsafePointer<Float>, rows n: Int,
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

    /// The adjoint of `forwardLayer`: on entry `workspace.dx` holds ∂L/∂x_out; on return ∂L/∂x_in.
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
