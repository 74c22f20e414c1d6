import CBLAS
import Dispatch

/// Matrix products on cblas_sgemm, every matrix row-major, the same bits whatever the
/// thread count.
///
/// OpenBLAS's own threading blocks the K dimension differently with one thread and with
/// several, so a product's rounding, and through it a run's gradients, would depend on how
/// many cores computed it. Here OpenBLAS always runs single-threaded (`Compute.apply`), and
/// `gemm` spreads a product over `Compute.threads` threads itself: the output is cut into
/// tiles of a fixed size that depends only on the shape, each tile a whole single-threaded
/// sgemm over the full K, so no sum is ever split and the tiling is the same at any count.
public enum BLAS {
    /// Output tiles are this many columns (or rows, for narrow outputs) wide: wide enough
    /// that re-packing the shared operand per tile costs a few percent.
    static let tile = 512

    /// y[M, N] = x[M, K] · Wᵀ (+ y when `accumulate`), W stored [N, K] as a Linear weight.
    /// This is the forward of `nn.Linear` without bias.
    @inline(__always)
    public static func linear(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
                              accumulate: Bool = false) {
        gemm(transB: true, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k, beta: accumulate ? 1 : 0, c: y, ldc: n)
    }

    /// General C = alpha · op(A) · op(B) + beta · C with explicit leading dimensions, for
    /// strided views (a head's slice of a [T, heads·dim] activation).
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Tiles along N when the output is wide, else along M; the choice depends on the
        // shape alone.
        let alongN = n >= m || n >= 2 * tile
        let tiles = ((alongN ? n : m) + tile - 1) / tile
        let parts = min(Compute.threads, tiles)
        func run(_ t: Int) {
            let lo = t * tile
            if alongN {
                let width = min(tile, n - lo)
                single(transA: transA, transB: transB, m: m, n: width, k: k, alpha: alpha, a: a, lda: lda,
                       b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            } else {
                let height = min(tile, m - lo)
                single(transA: transA, transB: transB, m: height, n: n, k: k, alpha: alpha,
                       a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            }
        }
        if parts <= 1 {
            for t in 0..<tiles { run(t) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            for t in stride(from: p, to: tiles, by: parts) { run(t) }
        }
    }

    @inline(__always)
    private static func single(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                               c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Number of threads OpenBLAS itself uses for one call (1 once `Compute.apply` has run).
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
