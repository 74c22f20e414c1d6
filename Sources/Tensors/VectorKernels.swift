#if canImport(Glibc)
import Glibc
#endif

/// The element-wise and row-wise forward ops of the decoder, on raw row-major buffers.
/// Each loop is vectorised over 16 lanes and allocates nothing.
public enum Kernels {
    /// out[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) ⊙ weight          x, out: [rows, dim]
    /// `rstd[r]` receives 1/sqrt(mean + eps) when given (the backward pass needs it).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float,
                               rstd: UnsafeMutablePointer<Float>? = nil) {
        for r in 0..<rows {
            let xr = x + r * dim, outr = out + r * dim
            var acc = Vec()
            var i = 0
            while i + 16 <= dim { let v = load(xr + i); acc += v * v; i += 16 }
            var ss = acc.sum()
            while i < dim { ss += xr[i] * xr[i]; i += 1 }
            // HF computes the mean in float32 and multiplies by rsqrt(mean + eps).
            let inv = 1 / (ss / Float(dim) + eps).squareRoot()
            rstd?[r] = inv
            let s = Vec(repeating: inv)
            i = 0
            while i + 16 <= dim { store(load(xr + i) * s * load(weight + i), outr + i); i += 16 }
            while i < dim { outr[i] = xr[i] * inv * weight[i]; i += 1 }
        }
    }

    /// y[i] += x[i]                                                       (the residual add)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count { store(load(y + i) + load(x + i), y + i); i += 16 }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// y[r, :] += bias[:]                                                  y: [rows, dim]
    public static func addBias(_ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, dim: Int) {
        for r in 0..<rows { add(bias, into: y + r * dim, count: dim) }
    }

    /// out[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + e^(−g))             (SwiGLU)
    public static func siluMul(gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let g = load(gate + i)
            store(g / (1 + FastMath.exp(-g)) * load(up + i), out + i)
            i += 16
        }
        while i < count {
            let g = gate[i]
            out[i] = g / (1 + FastMath.exp(-g)) * up[i]
            i += 1
        }
    }

    /// In-place softmax of one row, scores[i] ← e^(s_i − max) / Σ. Returns log Σ e^(s_i), which
    /// lets a backward pass recompute the probabilities from the scores alone.
    @discardableResult
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let m = FastMath.max(x, count)
        let mv = Vec(repeating: m)
        var acc = Vec()
        var i = 0
        while i + 16 <= count {
            let e = FastMath.exp(load(x + i) - mv)
            store(e, x + i); acc += e; i += 16
        }
        var sum = acc.sum()
        while i < count { let e = FastMath.exp(x[i] - m); x[i] = e; sum += e; i += 1 }
        scale(x, count: count, by: 1 / sum)
        return m + Float(FastMath.log(Double(sum)))
    }

    /// x[i] ← e^(x[i] − shift)
    public static func expShifted(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) {
        let sv = Vec(repeating: shift)
        var i = 0
        while i + 16 <= count { store(FastMath.exp(load(x + i) - sv), x + i); i += 16 }
        while i < count { x[i] = FastMath.exp(x[i] - shift); i += 1 }
    }

    /// x[i] *= s
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by s: Float) {
        let sv = Vec(repeating: s)
        var i = 0
        while i + 16 <= count { store(load(x + i) * sv, x + i); i += 16 }
        while i < count { x[i] *= s; i += 1 }
    }

    /// Σ a[i]·b[i]
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = Vec()
        var i = 0
        while i + 16 <= count { acc += load(a + i) * load(b + i); i += 16 }
        var s = acc.sum()
        while i < count { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// y[i] += a · x[i]
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let av = Vec(repeating: a)
        var i = 0
        while i + 16 <= count { store(load(y + i) + av * load(x + i), y + i); i += 16 }
        while i < count { y[i] += a * x[i]; i += 1 }
    }

    @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }
    @inline(__always) public static func load(_ p: UnsafeMutablePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }
    @inline(__always) public static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }
}
