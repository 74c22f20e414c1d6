/// The Linear-layer product used by the model, routed by shape: a handful of rows (a decode
/// step) goes to `SmallBatchLinear`, which streams the weights once; everything else to
/// cblas_sgemm.
public enum MatMul {
    /// y[m, n] (+)= x[m, k] · w[n, k]ᵀ; x rows `lda` apart, y rows `ldy` apart.
    @inline(__always)
    public static func linear(_ x: UnsafePointer<Float>, lda: Int? = nil, _ w: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, ldy: Int? = nil, m: Int, n: Int, k: Int,
                              accumulate: Bool = false) {
        if m <= SmallBatchLinear.maxRows {
            SmallBatchLinear.apply(x, lda: lda ?? k, w, y, ldy: ldy ?? n, m: m, n: n, k: k,
                                   accumulate: accumulate, threads: Compute.threads)
        } else {
            BLAS.gemm(transB: true, m: m, n: n, k: k, a: x, lda: lda ?? k, b: w, ldb: k,
                      beta: accumulate ? 1 : 0, c: y, ldc: ldy ?? n)
        }
    }
}
