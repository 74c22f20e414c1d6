/// Conversions between float32 and the two 16-bit float formats found in checkpoints.
///
/// float16 (IEEE binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits.
/// bfloat16: the top 16 bits of a float32 (1 sign, 8 exponent, 7 mantissa bits).
///
/// Widening is exact in both cases. The float16 conversion is done with integer bit operations
/// rather than `Float(Float16(...))`, which on x86_64 without F16C becomes a library call per
/// element; bulk conversion of an F16 embedding matrix is then limited by memory bandwidth.
/// The functions are inlinable so that the loops compile with the calling module's CPU flags.
///
/// The one implementation for the package: checkpoint readers and writers and the adapter
/// weights broadcast all convert through it.
public enum HalfPrecision {
    /// float16 bits to the float32 with exactly the same value (NaN payloads are kept).
    @inlinable @inline(__always)
    public static func float16ToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x03FF)
        if exponent == 0x1F {                       // infinity or NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {                          // zero or subnormal: mantissa * 2^-24
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 bits to float32 (exact: bfloat16 is a truncated float32).
    @inlinable @inline(__always)
    public static func bfloat16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// float32 to bfloat16 with round-to-nearest-even, NaN to the canonical quiet NaN 0x7FC0,
    /// the same rule PyTorch uses when it casts to bfloat16.
    @inlinable @inline(__always)
    public static func floatToBFloat16(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let roundingBias = ((bits >> 16) & 1) &+ 0x7FFF
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// float32 to float16 with round-to-nearest-even (IEEE conversion).
    @inlinable @inline(__always)
    public static func floatToFloat16(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// Widens `count` little-endian float16 values at `source` (any alignment) into `destination`.
    @inlinable
    public static func widenFloat16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            destination[i] = float16ToFloat(bits)
        }
    }

    /// Widens `count` little-endian bfloat16 values at `source` (any alignment) into `destination`.
    @inlinable
    public static func widenBFloat16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            destination[i] = bfloat16ToFloat(bits)
        }
    }

    /// Copies `count` little-endian float32 values at `source` (any alignment) into `destination`.
    @inlinable
    public static func copyFloat32(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        #if _endian(little)
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * count)
        #else
        for i in 0..<count {
            let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            destination[i] = Float(bitPattern: bits)
        }
        #endif
    }
}
