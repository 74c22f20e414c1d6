#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// Grouped-query scaled dot-product attention over cached keys and values.
///
/// Each query row attends to the rows its `TokenSlot` names. At the sequence lengths of
/// GRPO (a ~100-token prompt, ≤ 200 new tokens) attention is under 2% of the FLOPs of the
/// projections, so it is computed row by row with vectorised dot products rather than GEMMs.
enum Attention {
    /// out[r, h·hd ..< (h+1)·hd] = Σ_k softmax_k(q_h · K_k / √hd) · V_k for every row r and
    /// query head h, where K, V are the kv head h / headsPerKVHead.
    ///   q:   [n, heads·hd], rows qStride apart     keys, values: [capacity, kvHeads·hd]
    ///   out: [n, heads·hd]       scores: scratch of at least max keyCount floats
    static func forward(q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, slots: ArraySlice<TokenSlot>, config: ModelConfig,
                        scores: UnsafeMutablePointer<Float>) {
        let hd = config.headDim, heads = config.numAttentionHeads
        let qDim = config.qDim, kvDim = config.kvDim, group = config.headsPerKVHead
        let scale = 1 / Float(hd).squareRoot()
        for (r, slot) in slots.enumerated() {
            let n = slot.keyCount
            let prefixCount = slot.prefix.count
            for h in 0..<heads {
                let qh = q + r * qStride + h * hd
                let kvOffset = (h / group) * hd
                // Scores over the shared prefix, then over the sequence's own rows.
                for (j, row) in slot.prefix.enumerated() {
                    scores[j] = Kernels.dot(qh, keys + row * kvDim + kvOffset, count: hd) * scale
                }
                for j in 0..<(n - prefixCount) {
                    scores[prefixCount + j] = Kernels.dot(qh, keys + (slot.ownStart + j) * kvDim + kvOffset, count: hd) * scale
                }
                Kernels.softmax(scores, count: n)
                let oh = out + r * qDim + h * hd
                oh.update(repeating: 0, count: hd)
                for (j, row) in slot.prefix.enumerated() {
                    Kernels.axpy(scores[j], values + row * kvDim + kvOffset, oh, count: hd)
                }
                for j in 0..<(n - prefixCount) {
                    Kernels.axpy(scores[prefixCount + j], values + (slot.ownStart + j) * kvDim + kvOffset, oh, count: hd)
                }
            }
        }
    }
}
