/// Dequantization of ggml's 256-element "K-quant" super-blocks (Q4_K, Q5_K, Q6_K), following
/// ggml-quants.c's reference `dequantize_row_q4_K` / `_q5_K` / `_q6_K` operation for operation,
/// so results are bit-identical to ggml's (and to gguf-py's numpy port).
///
/// A caller passes whole super-blocks: `blocks` of them at `source`, 256 floats each into
/// `destination`. All float16 fields are little-endian.
enum GGMLKQuants {
    /// Decodes the eight 6-bit (scale, min) pairs of a Q4_K/Q5_K super-block (ggml's
    /// `get_scale_min_k4`). The 12 bytes pack them as:
    ///
    ///     bytes 0-3:  scale j (j < 4) in the low 6 bits; top 2 bits of scale j+4
    ///     bytes 4-7:  min j   (j < 4) in the low 6 bits; top 2 bits of min j+4
    ///     bytes 8-11: low 4 bits of scale j+4 | low 4 bits of min j+4 << 4
    @inline(__always)
    static func scaleAndMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (q[j] & 63, q[j + 4] & 63)
        }
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4),
                (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    /// Q4_K, 144 bytes: d (f16) | dmin (f16) | scales[12] | qs[128].
    /// Eight sub-blocks of 32; sub-block pairs (2i, 2i+1) share qs[32i ..< 32i+32], the first
    /// using the low nibbles and the second the high ones. value = d*scale * q - dmin*min.
    static func q4_K(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 144
            let d = GGMLLegacyQuants.half(block, 0)
            let dmin = GGMLLegacyQuants.half(block, 2)
            let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
            var q = (block + 16).assumingMemoryBound(to: UInt8.self)
            var y = destination + b * 256
            for pair in 0..<4 {
                let (sc1, m1) = scaleAndMin(2 * pair, scales)
                let (sc2, m2) = scaleAndMin(2 * pair + 1, scales)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                for l in 0..<32 { y[l] = d1 * Float(q[l] & 0x0F) - min1 }
                for l in 0..<32 { y[l + 32] = d2 * Float(q[l] >> 4) - min2 }
                q += 32
                y += 64
            }
        }
    }

    /// Q5_K, 176 bytes: d (f16) | dmin (f16) | scales[12] | qh[32] | qs[128].
    /// Like Q4_K plus a fifth bit per element: for sub-block s, bit s of qh[l] is the high bit
    /// of element l. value = d*scale * (nibble + 16*bit) - dmin*min.
    static func q5_K(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 176
            let d = GGMLLegacyQuants.half(block, 0)
            let dmin = GGMLLegacyQuants.half(block, 2)
            let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
            let qh = (block + 16).assumingMemoryBound(to: UInt8.self)
            var ql = (block + 48).assumingMemoryBound(to: UInt8.self)
            var y = destination + b * 256
            var mask1: UInt8 = 1, mask2: UInt8 = 2
            for pair in 0..<4 {
                let (sc1, m1) = scaleAndMin(2 * pair, scales)
                let (sc2, m2) = scaleAndMin(2 * pair + 1, scales)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                for l in 0..<32 {
                    let high: UInt8 = qh[l] & mask1 != 0 ? 16 : 0
                    y[l] = d1 * Float((ql[l] & 0x0F) + high) - min1
                }
                for l in 0..<32 {
                    let high: UInt8 = qh[l] & mask2 != 0 ? 16 : 0
                    y[l + 32] = d2 * Float((ql[l] >> 4) + high) - min2
                }
                ql += 32
                y += 64
                mask1 <<= 2
                mask2 <<= 2
            }
        }
    }

    /// Q6_K, 210 bytes: ql[128] | qh[64] | scales[16] (int8) | d (f16).
    /// Two halves of 128 elements, each using 64 bytes of ql, 32 of qh and 8 scales. Within a
    /// half, element l + 32k (l < 32, k < 4) takes its low four bits from ql[l + 32(k&1)]
    /// (low nibble for k < 2, high for k >= 2) and its top two bits from bits 2k..2k+1 of qh[l];
    /// it uses scale l/16 + 2k. value = (d * scale) * (q - 32).
    static func q6_K(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 210
            let d = GGMLLegacyQuants.half(block, 208)
            var ql = block.assumingMemoryBound(to: UInt8.self)
            var qh = (block + 128).assumingMemoryBound(to: UInt8.self)
            var sc = (block + 192).assumingMemoryBound(to: Int8.self)
            var y = destination + b * 256
            for _ in 0..<2 {
                for l in 0..<32 {
                    let s = l / 16
                    let q1 = Int32((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32
                    let q2 = Int32((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32
                    let q3 = Int32((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                    let q4 = Int32((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                    y[l] = d * Float(sc[s]) * Float(q1)
                    y[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                    y[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                    y[l + 96] = d * Float(sc[s + 6]) * Float(q4)
                }
                y += 128
                ql += 64
                qh += 32
                sc += 8
            }
        }
    }
}
