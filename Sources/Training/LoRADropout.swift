import Tensors

/// PEFT's `lora_dropout` on an adapter's input, with a mask that is a pure function of
/// (seed, layer, target, row, column).
///
/// Nothing is stored between forward and backward: the backward regenerates the same mask
/// by hashing the same coordinates, and a replayed step draws the same masks.
struct LoRADropout {
    let probability: Float
    var seed: UInt64

    var isActive: Bool { probability > 0 }

    /// out[r, c] = x[r, c] / (1 − p) where kept, 0 where dropped.     x, out: [rows, cols]
    func apply(_ x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
               layer: Int, target: LoRATarget) {
        let keepScale = 1 / (1 - probability)
        let threshold = UInt64(Double(probability) * Double(UInt64.max))
        let key = stream(layer: layer, target: target)
        for i in 0..<(rows * cols) {
            out[i] = Self.mix(key &+ UInt64(i)) < threshold ? 0 : x[i] * keepScale
        }
    }

    /// dx[r, c] += dy[r, c] / (1 − p) where kept (the backward of `apply`).
    func accumulateBackward(_ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                            layer: Int, target: LoRATarget) {
        let keepScale = 1 / (1 - probability)
        let threshold = UInt64(Double(probability) * Double(UInt64.max))
        let key = stream(layer: layer, target: target)
        for i in 0..<(rows * cols) where Self.mix(key &+ UInt64(i)) >= threshold {
            dx[i] += dy[i] * keepScale
        }
    }

    private func stream(layer: Int, target: LoRATarget) -> UInt64 {
        let t = UInt64(LoRATarget.allCases.firstIndex(of: target)!)
        return Self.mix(seed ^ (UInt64(layer) << 40) ^ (t << 56))
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
