import CBLAS

/// Matrix products, all delegated to cblas_sgemm. Every matrix is row-major.
public enum BLAS {
    /// y[M, N] = x[M, K] · Wᵀ (+ y when `accumulate`), W stored [N, K] as a Linear weight.
    /// This is the forward of `nn.Linear` without bias.
    @inline(__always)
    public static func linear(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
                              accumulate: Bool = false) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1, x, Int32(k), w, Int32(k), accumulate ? 1 : 0, y, Int32(n))
    }

    /// General C = alpha · op(A) · op(B) + beta · C with explicit leading dimensions, for
    /// strided views (a head's slice of a [T, heads·dim] activation).
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Number of threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// The kernel family OpenBLAS picked for this CPU (e.g. "SkylakeX", "Haswell").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
