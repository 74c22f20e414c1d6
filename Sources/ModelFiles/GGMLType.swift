/// A ggml tensor storage type, numbered as in ggml.h's `enum ggml_type` (and gguf-py's
/// `GGMLQuantizationType`). Gaps in the numbering are types ggml has since removed.
///
/// Block-quantized types store `blockSize` consecutive elements of a row in `bytesPerBlock`
/// bytes; plain types have a block size of 1.
public enum GGMLType: UInt32, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case f32 = 0, f16 = 1
    case q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20
    case iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28
    case iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39, nvfp4 = 40

    /// Elements per block of a row (256 for the K-quants, 32 for the older block formats).
    public var blockSize: Int { layout.blockSize }
    /// Bytes per block.
    public var bytesPerBlock: Int { layout.bytesPerBlock }

    /// The name ggml prints ("Q4_K", "F32", ...).
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q8_1: return "Q8_1"
        case .q2_K: return "Q2_K"
        case .q3_K: return "Q3_K"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .q8_K: return "Q8_K"
        case .iq2_xxs: return "IQ2_XXS"
        case .iq2_xs: return "IQ2_XS"
        case .iq3_xxs: return "IQ3_XXS"
        case .iq1_s: return "IQ1_S"
        case .iq4_nl: return "IQ4_NL"
        case .iq3_s: return "IQ3_S"
        case .iq2_s: return "IQ2_S"
        case .iq4_xs: return "IQ4_XS"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        case .f64: return "F64"
        case .iq1_m: return "IQ1_M"
        case .bf16: return "BF16"
        case .tq1_0: return "TQ1_0"
        case .tq2_0: return "TQ2_0"
        case .mxfp4: return "MXFP4"
        case .nvfp4: return "NVFP4"
        }
    }

    public var description: String { name }

    /// Whether this module can convert the type to float32.
    public var isDequantizable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K: return true
        default: return false
        }
    }

    /// Bytes needed for a row of `elements` elements, or nil when `elements` is not a
    /// whole number of blocks.
    public func rowByteCount(elements: Int) -> Int? {
        guard elements % blockSize == 0 else { return nil }
        return elements / blockSize * bytesPerBlock
    }

    /// Block sizes from ggml-common.h (QK_K = 256).
    private var layout: (blockSize: Int, bytesPerBlock: Int) {
        switch self {
        case .f32: return (1, 4)
        case .f16, .bf16: return (1, 2)
        case .q4_0: return (32, 18)             // f16 d, 16 bytes of nibbles
        case .q4_1: return (32, 20)             // f16 d, f16 m, 16 bytes of nibbles
        case .q5_0: return (32, 22)             // f16 d, u32 high bits, 16 bytes of nibbles
        case .q5_1: return (32, 24)             // f16 d, f16 m, u32 high bits, nibbles
        case .q8_0: return (32, 34)             // f16 d, 32 int8
        case .q8_1: return (32, 36)             // f16 d, f16 s, 32 int8
        case .q2_K: return (256, 84)
        case .q3_K: return (256, 110)
        case .q4_K: return (256, 144)
        case .q5_K: return (256, 176)
        case .q6_K: return (256, 210)
        case .q8_K: return (256, 292)
        case .iq2_xxs: return (256, 66)
        case .iq2_xs: return (256, 74)
        case .iq3_xxs: return (256, 98)
        case .iq1_s: return (256, 50)
        case .iq4_nl: return (32, 18)
        case .iq3_s: return (256, 110)
        case .iq2_s: return (256, 82)
        case .iq4_xs: return (256, 136)
        case .i8: return (1, 1)
        case .i16: return (1, 2)
        case .i32: return (1, 4)
        case .i64, .f64: return (1, 8)
        case .iq1_m: return (256, 56)
        case .tq1_0: return (256, 54)
        case .tq2_0: return (256, 66)
        case .mxfp4: return (32, 17)
        case .nvfp4: return (64, 36)
        }
    }
}
