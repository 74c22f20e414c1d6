import GRPOCore

/// Encodes an adapter version for broadcast and applies one on the worker.
///
/// The payload is the flat LoRA parameter vector (`LoRAAdapter.parameters`, the same layout
/// on both sides because both build it from the same configuration), either whole or as the
/// change since the previous version, in float32 or bfloat16 (`HalfPrecision`: round to
/// nearest even, NaN to the canonical quiet NaN), with a CRC32C of the bytes in the header
/// so a damaged or mismatched payload is refused.
/// A delta is applied only on top of exactly its base version; anything else needs a snapshot.
public enum AdapterWeightsCodec {
    public static func encode(version: Int, parameters: UnsafeBufferPointer<Float>, previous: UnsafeBufferPointer<Float>?,
                              previousVersion: Int?, dtype: WeightsHeader.DType) -> (WeightsHeader, [UInt8]) {
        let delta = previous != nil && previousVersion != nil
        var values = Array(parameters)
        if delta, let previous {
            for i in values.indices { values[i] -= previous[i] }
        }
        let payload = bytes(values, dtype: dtype)
        let header = WeightsHeader(version: version, encoding: delta ? .delta : .full, baseVersion: delta ? previousVersion : nil,
                                   dtype: dtype, count: values.count, checksum: CRC32C.checksum(payload))
        return (header, payload)
    }

    /// Applies a message to `parameters` (currently at `currentVersion`); returns false when it
    /// is a delta on another base (the caller asks for a snapshot). Throws on a damaged message.
    public static func apply(_ header: WeightsHeader, payload: [UInt8], to parameters: UnsafeMutableBufferPointer<Float>,
                             currentVersion: Int) throws -> Bool {
        guard header.count == parameters.count else {
            throw WireError("WEIGHTS v\(header.version): \(header.count) parameters, this adapter has \(parameters.count)")
        }
        let width = header.dtype == .float32 ? 4 : 2
        guard payload.count == header.count * width else {
            throw WireError("WEIGHTS v\(header.version): \(payload.count) bytes for \(header.count) \(header.dtype.rawValue) values")
        }
        guard CRC32C.checksum(payload) == header.checksum else {
            throw WireError("WEIGHTS v\(header.version): checksum mismatch")
        }
        if header.encoding == .delta && header.baseVersion != currentVersion { return false }
        payload.withUnsafeBytes { raw in
            for i in 0..<header.count {
                let value: Float
                if width == 4 {
                    value = Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
                } else {
                    value = HalfPrecision.bfloat16ToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
                parameters[i] = header.encoding == .delta ? parameters[i] + value : value
            }
        }
        return true
    }

    static func bytes(_ values: [Float], dtype: WeightsHeader.DType) -> [UInt8] {
        var out = [UInt8]()
        switch dtype {
        case .float32:
            out.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .bfloat16:
            out.reserveCapacity(values.count * 2)
            for v in values {
                withUnsafeBytes(of: HalfPrecision.floatToBFloat16(v).littleEndian) { out.append(contentsOf: $0) }
            }
        }
        return out
    }
}
