/// The backward of each element-wise and row-wise op in `Kernels`, for training.
///
/// Each takes what its forward saved (or can cheaply recompute) and the gradient of the
/// op's output, and returns the gradient of its input. The norm weights are frozen, so no
/// weight gradients are formed.
public enum BackwardKernels {
    /// Backward of `Kernels.rmsNorm`: y = x · rstd · w with rstd = (mean(x²) + eps)^(−1/2).
    ///   dx = rstd · (dy ⊙ w) − x · rstd³ / dim · Σ(dy ⊙ w ⊙ x)
    /// x, dy, dx: [rows, dim]; rstd: [rows] from the forward. `accumulate` adds into dx
    /// (the residual stream's gradient already flowing past the norm).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                               dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int, dim: Int,
                               accumulate: Bool) {
        for r in 0..<rows {
            let xr = x + r * dim, dyr = dy + r * dim, dxr = dx + r * dim
            let inv = rstd[r]
            var acc = Vec()
            var i = 0
            while i + 16 <= dim {
                acc += Kernels.load(dyr + i) * Kernels.load(weight + i) * Kernels.load(xr + i)
                i += 16
            }
            var dot = acc.sum()
            while i < dim { dot += dyr[i] * weight[i] * xr[i]; i += 1 }
            let c = dot * inv * inv * inv / Float(dim)
            let invV = Vec(repeating: inv), cV = Vec(repeating: c)
            i = 0
            while i + 16 <= dim {
                var g = invV * Kernels.load(dyr + i) * Kernels.load(weight + i) - cV * Kernels.load(xr + i)
                if accumulate { g += Kernels.load(dxr + i) }
                Kernels.store(g, dxr + i)
                i += 16
            }
            while i < dim {
                let g = inv * dyr[i] * weight[i] - c * xr[i]
                dxr[i] = accumulate ? dxr[i] + g : g
                i += 1
            }
        }
    }

    /// Backward of `Kernels.siluMul`: a = silu(g) · u, σ = 1 / (1 + e^(−g)).
    ///   du = da · silu(g)        dg = da · u · σ · (1 + g · (1 − σ))
    /// gate, up: the forward's inputs; dGate, dUp may alias gate, up (they are read first).
    public static func siluMul(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                               dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let one = Vec(repeating: 1)
        while i + 16 <= count {
            let g = Kernels.load(gate + i), u = Kernels.load(up + i), da = Kernels.load(dOut + i)
            let s = one / (one + FastMath.exp(-g))
            Kernels.store(da * u * s * (one + g * (one - s)), dGate + i)
            Kernels.store(da * g * s, dUp + i)
            i += 16
        }
        while i < count {
            let g = gate[i], u = up[i], da = dOut[i]
            let s = 1 / (1 + FastMath.exp(-g))
            dGate[i] = da * u * s * (1 + g * (1 - s))
            dUp[i] = da * g * s
            i += 1
        }
    }
}
