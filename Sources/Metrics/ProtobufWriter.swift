/// The protobuf wire format, as much of it as TensorBoard's event messages need.
///
/// Written by hand so the module depends on nothing but `RolloutLog` (for CRC-32C): the event
/// files need seven small message types and four wire types, far less than a protobuf runtime.
/// Fields must be written in field-number order, as the protobuf library serializes them, so
/// that the output is byte-identical to Python's `SerializeToString()` (the tests compare the
/// two); parsers accept any order, so this matters only for that comparison.
///
/// Proto3 omits a field whose value is the default (0, 0.0, "") unless it belongs to a
/// `oneof`. That choice is the caller's: the `...IfNonDefault` methods omit, the others write.
struct ProtobufWriter {
    /// The wire types used here (protobuf's encoding guide, "Message Structure").
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    private(set) var bytes: [UInt8] = []

    /// Base-128 varint, least significant group first, high bit set on all bytes but the last.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// An `int64` or enum field. Negative values are their 64-bit two's complement, ten bytes
    /// (protobuf's rule for `int64`, unlike `sint64`'s zigzag).
    mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func int64IfNonDefault(_ field: Int, _ value: Int64) {
        if value != 0 { int64(field, value) }
    }

    /// A `double`: its IEEE bits, little-endian.
    mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// Omits exactly +0.0 (all bits zero), as the protobuf library does; -0.0 is written.
    mutating func doubleIfNonDefault(_ field: Int, _ value: Double) {
        if value.bitPattern != 0 { double(field, value) }
    }

    /// A `float`: its IEEE bits, little-endian.
    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    mutating func bytesField(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field, UTF-8 encoded (Swift strings always are valid Unicode).
    mutating func string(_ field: Int, _ value: String) {
        bytesField(field, Array(value.utf8))
    }

    mutating func stringIfNonDefault(_ field: Int, _ value: String) {
        if !value.isEmpty { string(field, value) }
    }

    /// An embedded message, written even when empty: a set message field is present in
    /// proto3 regardless of its contents (TensorFlow writes `tensor_shape {}` for a scalar).
    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytesField(field, inner.bytes)
    }

    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
