import Foundation
import GRPOCore

/// Builds a `.safetensors` file from float32 arrays, stored as F32, BF16 or F16.
///
/// The output matches what the Python `safetensors` library writes for the same tensors:
/// tensors ordered by dtype (F32, then BF16, then F16) and then by name (bytewise), the
/// header JSON compact, `"__metadata__"` first (its keys sorted here, where the library's
/// order is arbitrary), and the header padded with spaces so the data starts at a multiple
/// of 8 bytes.
public struct SafetensorsWriter {
    public enum DType: String, Sendable {
        case float32 = "F32", bfloat16 = "BF16", float16 = "F16"

        var byteSize: Int { self == .float32 ? 4 : 2 }
        /// Rank in the reference library's dtype order; the file lists higher ranks first.
        var orderRank: Int {
            switch self {
            case .float32: return 2
            case .bfloat16: return 1
            case .float16: return 0
            }
        }
    }

    private struct PendingTensor {
        let name: String
        let shape: [Int]
        let values: [Float]
        let dtype: DType
    }

    /// String-to-string metadata stored under `"__metadata__"` (omitted when empty).
    public var metadata: [String: String]
    private var tensors: [PendingTensor] = []
    private var names: Set<String> = []

    /// Label used for errors raised before a destination path is known.
    static let label = "(safetensors writer)"

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor; `values` are row-major in `shape` and are converted to `dtype` on writing.
    public mutating func add(_ name: String, shape: [Int], values: [Float], as dtype: DType = .float32) throws {
        guard name != "__metadata__" else {
            throw ModelFileError.invalidHeader(path: Self.label, detail: "'__metadata__' is reserved")
        }
        guard !names.contains(name) else { throw ModelFileError.duplicateTensor(path: Self.label, tensor: name) }
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw ModelFileError.shapeMismatch(
                path: Self.label, tensor: name, detail: "shape \(shape) does not hold \(values.count) values")
        }
        names.insert(name)
        tensors.append(PendingTensor(name: name, shape: shape, values: values, dtype: dtype))
    }

    /// Tensors in file order.
    private var orderedTensors: [PendingTensor] {
        tensors.sorted { a, b in
            if a.dtype.orderRank != b.dtype.orderRank { return a.dtype.orderRank > b.dtype.orderRank }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The 8-byte length prefix and the padded JSON header.
    private func header(for ordered: [PendingTensor]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let pairs = keys.map { jsonString($0) + ":" + jsonString(metadata[$0]!) }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in ordered {
            let end = offset + tensor.values.count * tensor.dtype.byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(jsonString(tensor.name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\","
                + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        json += Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
    }

    /// The whole file in memory.
    public func serialized() -> [UInt8] {
        let ordered = orderedTensors
        var bytes = header(for: ordered)
        for tensor in ordered {
            Self.encode(tensor.values[...], as: tensor.dtype) { bytes += $0 }
        }
        return bytes
    }

    /// Writes the file, replacing `url` atomically (a temporary file in the same directory is
    /// renamed over it once complete), so a crash mid-write never leaves a torn checkpoint.
    public func write(to url: URL) throws {
        let path = url.path
        let temporaryPath = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporaryPath) else {
            throw ModelFileError.writeFailed(path: path, reason: "cannot create \(temporaryPath)")
        }
        do {
            let ordered = orderedTensors
            try handle.write(contentsOf: header(for: ordered))
            // Convert and write in bounded chunks so a large tensor is never duplicated whole.
            let chunk = 1 << 20
            for tensor in ordered {
                var start = 0
                while start < tensor.values.count {
                    let end = min(start + chunk, tensor.values.count)
                    var failure: Error?
                    Self.encode(tensor.values[start..<end], as: tensor.dtype) { bytes in
                        do { try handle.write(contentsOf: bytes) } catch { failure = error }
                    }
                    if let failure { throw failure }
                    start = end
                }
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw ModelFileError.writeFailed(path: path, reason: "\(error)")
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw ModelFileError.writeFailed(path: path, reason: "rename: \(reason)")
        }
    }

    /// Little-endian bytes of `values` in `dtype`, handed to `sink` as one buffer.
    private static func encode(_ values: ArraySlice<Float>, as dtype: DType, _ sink: ([UInt8]) -> Void) {
        var bytes = [UInt8](repeating: 0, count: values.count * dtype.byteSize)
        bytes.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                switch dtype {
                case .float32:
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                case .bfloat16:
                    raw.storeBytes(of: HalfPrecision.floatToBFloat16(value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                case .float16:
                    raw.storeBytes(of: HalfPrecision.floatToFloat16(value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            }
        }
        sink(bytes)
    }
}

/// A JSON string literal escaped as serde_json (which the safetensors library uses) escapes:
/// quote, backslash and control characters; everything else, non-ASCII included, verbatim.
func jsonString(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case let c where c.value < 0x20:
            out += "\\u00" + (c.value < 0x10 ? "0" : "") + String(c.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
