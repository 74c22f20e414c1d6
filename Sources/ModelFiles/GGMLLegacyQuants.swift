import GRPOCore

/// Dequantization of ggml's original 32-element block formats, following ggml-quants.c's
/// reference `dequantize_row_q4_0` ... `dequantize_row_q8_0` operation for operation, so the
/// float32 results are bit-identical to ggml's (and to gguf-py's numpy port).
///
/// In every format the scale `d` (and offset `m`) are little-endian float16. "Nibble j" of the
/// 16 packed bytes holds element j in its low four bits and element j + 16 in its high four.
/// A caller passes whole blocks: `blocks` blocks at `source`, 32 floats each into `destination`.
enum GGMLLegacyQuants {
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float16ToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Q4_0, 18 bytes: d (f16) | qs[16]. value = (nibble - 8) * d.
    static func q4_0(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 18
            let d = half(block, 0)
            let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
            let y = destination + b * 32
            for j in 0..<16 {
                y[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
                y[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
            }
        }
    }

    /// Q4_1, 20 bytes: d (f16) | m (f16) | qs[16]. value = nibble * d + m.
    static func q4_1(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 20
            let d = half(block, 0), m = half(block, 2)
            let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
            let y = destination + b * 32
            for j in 0..<16 {
                y[j] = Float(qs[j] & 0x0F) * d + m
                y[j + 16] = Float(qs[j] >> 4) * d + m
            }
        }
    }

    /// Q5_0, 22 bytes: d (f16) | qh (u32: bit j is the fifth bit of element j) | qs[16].
    /// value = ((nibble | fifth bit << 4) - 16) * d.
    static func q5_0(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 22
            let d = half(block, 0)
            let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let qs = (block + 6).assumingMemoryBound(to: UInt8.self)
            let y = destination + b * 32
            for j in 0..<16 {
                let high0 = UInt8(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 0x10
                let high1 = UInt8(truncatingIfNeeded: qh >> UInt32(j + 12)) & 0x10
                y[j] = Float(Int32((qs[j] & 0x0F) | high0) - 16) * d
                y[j + 16] = Float(Int32((qs[j] >> 4) | high1) - 16) * d
            }
        }
    }

    /// Q5_1, 24 bytes: d (f16) | m (f16) | qh (u32) | qs[16]. value = (nibble | fifth bit << 4) * d + m.
    static func q5_1(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 24
            let d = half(block, 0), m = half(block, 2)
            let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let qs = (block + 8).assumingMemoryBound(to: UInt8.self)
            let y = destination + b * 32
            for j in 0..<16 {
                let high0 = UInt8(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 0x10
                let high1 = UInt8(truncatingIfNeeded: qh >> UInt32(j + 12)) & 0x10
                y[j] = Float((qs[j] & 0x0F) | high0) * d + m
                y[j + 16] = Float((qs[j] >> 4) | high1) * d + m
            }
        }
    }

    /// Q8_0, 34 bytes: d (f16) | qs[32] (int8). value = q * d.
    static func q8_0(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * 34
            let d = half(block, 0)
            let qs = (block + 2).assumingMemoryBound(to: Int8.self)
            let y = destination + b * 32
            for j in 0..<32 {
                y[j] = Float(qs[j]) * d
            }
        }
    }
}
