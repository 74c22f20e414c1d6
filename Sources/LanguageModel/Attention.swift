#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// Grouped-query scaled dot-product attention, forward and backward.
///
/// Each query row attends to the rows its `TokenSlot` names. At the sequence lengths of
/// GRPO (a ~100-token prompt, ≤ 200 new tokens) attention is under 2% of the FLOPs of the
/// projections, so it is computed row by row with vectorised dot products rather than GEMMs.
///
/// Keys and values are read at `kvStride` floats per row: the inference KV cache stores them
/// packed (`kvDim`); a training forward reads them in place from its [q | k | v] rows.
public enum Attention {
    /// out[r, h·hd ..< (h+1)·hd] = Σ_k softmax_k(q_h · K_k / √hd) · V_k for every row r and
    /// query head h, where K, V are the kv head h / headsPerKVHead.
    ///   q:   [n, heads·hd], rows qStride apart     keys, values: [rows, kvHeads·hd], kvStride apart
    ///   out: [n, heads·hd]       scores: scratch of at least max keyCount floats
    ///   logSumExp: [n, heads] when given, log Σ_k e^(score_k), for `backward` to recompute softmax
    public static func forward(q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                               kvStride: Int, out: UnsafeMutablePointer<Float>, slots: ArraySlice<TokenSlot>,
                               config: ModelConfig, scores: UnsafeMutablePointer<Float>,
                               logSumExp: UnsafeMutablePointer<Float>? = nil) {
        let hd = config.headDim, heads = config.numAttentionHeads
        let qDim = config.qDim, group = config.headsPerKVHead
        let scale = 1 / Float(hd).squareRoot()
        for (r, slot) in slots.enumerated() {
            let n = slot.keyCount
            for h in 0..<heads {
                let qh = q + r * qStride + h * hd
                let kvOffset = (h / group) * hd
                slot.forEachKey { j, row in
                    scores[j] = Kernels.dot(qh, keys + row * kvStride + kvOffset, count: hd) * scale
                }
                let lse = Kernels.softmax(scores, count: n)
                logSumExp?[r * heads + h] = lse
                let oh = out + r * qDim + h * hd
                oh.update(repeating: 0, count: hd)
                slot.forEachKey { j, row in
                    Kernels.axpy(scores[j], values + row * kvStride + kvOffset, oh, count: hd)
                }
            }
        }
    }

    /// Backward of `forward` for the kv heads in `kvHeads` (and the query heads that share
    /// them). Gradients of one kv head's keys and values come only from its own query heads,
    /// so callers split kv heads across threads with no two writing the same floats.
    ///
    /// With p = softmax(s), s_j = q·k_j / √hd, o = Σ p_j v_j and D = dO · o:
    ///   dv_j += p_j · dO      ds_j = p_j · (dO · v_j − D)
    ///   dq   += Σ_j ds_j · k_j / √hd          dk_j += ds_j · q / √hd
    ///   q, keys, values, dQ, dKeys, dValues: rows qStride / kvStride apart (the [q | k | v]
    ///   layout); out, dOut: [n, qDim]; logSumExp: [n, heads] from the forward. dQ, dKeys and
    ///   dValues are accumulated into and must start zeroed.
    public static func backward(q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>,
                                values: UnsafePointer<Float>, kvStride: Int,
                                out: UnsafePointer<Float>, dOut: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>,
                                dQ: UnsafeMutablePointer<Float>, dKeys: UnsafeMutablePointer<Float>,
                                dValues: UnsafeMutablePointer<Float>,
                                slots: [TokenSlot], kvHeads: Range<Int>, config: ModelConfig,
                                scores: UnsafeMutablePointer<Float>) {
        let hd = config.headDim, heads = config.numAttentionHeads
        let qDim = config.qDim, group = config.headsPerKVHead
        let scale = 1 / Float(hd).squareRoot()
        for kvHead in kvHeads {
            let kvOffset = kvHead * hd
            for h in (kvHead * group)..<((kvHead + 1) * group) {
                for (r, slot) in slots.enumerated() {
                    let qh = q + r * qStride + h * hd
                    let oh = out + r * qDim + h * hd, dOh = dOut + r * qDim + h * hd
                    let dQh = dQ + r * qStride + h * hd
                    let lse = logSumExp[r * heads + h]
                    let d = Kernels.dot(dOh, oh, count: hd)
                    // p_j = e^(s_j − lse), the forward's probabilities, recomputed.
                    slot.forEachKey { j, row in
                        scores[j] = Kernels.dot(qh, keys + row * kvStride + kvOffset, count: hd) * scale
                    }
                    Kernels.expShifted(scores, count: slot.keyCount, shift: lse)
                    // dv_j += p_j · dO, then scores[j] ← ds_j / √hd.
                    slot.forEachKey { j, row in
                        let p = scores[j]
                        let v = values + row * kvStride + kvOffset
                        Kernels.axpy(p, dOh, dValues + row * kvStride + kvOffset, count: hd)
                        scores[j] = p * (Kernels.dot(dOh, v, count: hd) - d) * scale
                    }
                    slot.forEachKey { j, row in
                        Kernels.axpy(scores[j], keys + row * kvStride + kvOffset, dQh, count: hd)
                        Kernels.axpy(scores[j], qh, dKeys + row * kvStride + kvOffset, count: hd)
                    }
                }
            }
        }
    }
}

extension TokenSlot {
    /// Calls `body(j, row)` for the j-th key this token attends to: the shared prefix rows,
    /// then its own sequence's rows up to itself.
    @inline(__always)
    func forEachKey(_ body: (Int, Int) -> Void) {
        var j = 0
        for row in prefix { body(j, row); j += 1 }
        for row in ownStart...cacheRow { body(j, row); j += 1 }
    }
}
