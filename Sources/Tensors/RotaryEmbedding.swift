#if canImport(Glibc)
import Glibc
#endif

/// Rotary position embedding in the "half-split" layout of HF's `rotate_half`: within each
/// head of `headDim`, element i pairs with element i + headDim/2.
///
///   inv_freq[j] = theta^(−2j / headDim)        j < headDim/2
///   x'[i]       = x[i]·cos(p·inv_freq[i]) − x[i+h]·sin(p·inv_freq[i])
///   x'[i+h]     = x[i+h]·cos(p·inv_freq[i]) + x[i]·sin(p·inv_freq[i])
///
/// cos/sin are tabulated once per position as HF does, in float32 from a float32 angle.
public final class RotaryEmbedding: @unchecked Sendable {
    public let headDim: Int
    public let theta: Double
    public private(set) var positions: Int = 0
    private var cosTable: [Float] = []   // [positions, headDim/2]
    private var sinTable: [Float] = []

    public init(headDim: Int, theta: Double, positions: Int = 4096) {
        self.headDim = headDim
        self.theta = theta
        reserve(positions)
    }

    /// Extends the tables to cover positions 0..<n.
    public func reserve(_ n: Int) {
        guard n > positions else { return }
        let half = headDim / 2
        var invFreq = [Float](repeating: 0, count: half)
        for j in 0..<half {
            // HF: 1.0 / (base ** (arange(0, dim, 2, dtype=int64).float() / dim)), float32.
            invFreq[j] = 1 / Float(pow(theta, Double(Float(2 * j) / Float(headDim))))
        }
        cosTable = [Float](repeating: 0, count: n * half)
        sinTable = [Float](repeating: 0, count: n * half)
        for p in 0..<n {
            for j in 0..<half {
                let angle = Float(p) * invFreq[j]
                cosTable[p * half + j] = cosf(angle)
                sinTable[p * half + j] = sinf(angle)
            }
        }
        positions = n
    }

    /// Rotates `heads` heads of one token in place.   x: [heads, headDim]
    /// `inverse` applies the transpose rotation (the backward of this op).
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int, inverse: Bool = false) {
        precondition(position < positions, "position \(position) beyond the rotary table; call reserve")
        let half = headDim / 2
        cosTable.withUnsafeBufferPointer { cosBuf in
            sinTable.withUnsafeBufferPointer { sinBuf in
                let c = cosBuf.baseAddress! + position * half
                let s = sinBuf.baseAddress! + position * half
                let sign: Float = inverse ? -1 : 1
                for h in 0..<heads {
                    let a = x + h * headDim, b = a + half
                    for j in 0..<half {
                        let x0 = a[j], x1 = b[j], sj = sign * s[j]
                        a[j] = x0 * c[j] - x1 * sj
                        b[j] = x1 * c[j] + x0 * sj
                    }
                }
            }
        }
    }
}
