import Foundation
import GRPOCore

/// One `.safetensors` file, memory-mapped.
///
/// Layout: u64 little-endian header length N | N bytes of JSON | tensor data. The JSON maps
/// each tensor name to `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`, offsets
/// relative to the first byte after the header; an optional `"__metadata__"` entry maps
/// strings to strings. F32, F16 and BF16 tensors can be read as float32; tensors of other
/// dtypes are listed but reading them throws `unsupportedDType`.
public final class SafetensorsFile: WeightSource, @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }
    /// The `__metadata__` entries that are strings.
    public let metadata: [String: String]
    public let tensorNames: [String]

    private let file: MappedFile
    private let entries: [String: Entry]

    /// One tensor's header entry, validated against the file.
    private struct Entry {
        let info: TensorInfo
        /// Absolute byte range in the file.
        let start: Int
        let byteCount: Int
    }

    /// The reference implementation refuses headers over 100 MB; so does this one, which also
    /// keeps a corrupt length from making it parse gigabytes.
    static let maxHeaderLength = 100_000_000

    /// Bytes per element of each safetensors dtype with a whole-byte size.
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4,
        "I64": 8, "U64": 8, "F64": 8,
    ]

    public convenience init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    public init(url: URL) throws {
        self.url = url
        let path = url.path
        file = try MappedFile(path: path)
        guard file.size >= 8 else {
            throw ModelFileError.truncatedHeader(path: path, detail: "file has \(file.size) bytes, the header length alone takes 8")
        }
        let length = UInt64(littleEndian: file.bytes.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(Self.maxHeaderLength) else {
            throw ModelFileError.invalidHeader(path: path, detail: "header length \(length) exceeds \(Self.maxHeaderLength) bytes")
        }
        let headerLength = Int(length)
        guard let headerBytes = file.slice(offset: 8, count: headerLength) else {
            throw ModelFileError.truncatedHeader(
                path: path, detail: "header length is \(headerLength) bytes but only \(file.size - 8) follow")
        }
        let dataStart = 8 + headerLength

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw ModelFileError.invalidHeader(path: path, detail: "header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else {
            throw ModelFileError.invalidHeader(path: path, detail: "header JSON is not an object")
        }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (key, item) in value as? [String: Any] ?? [:] {
                    if let string = item as? String { metadata[key] = string }
                }
                continue
            }
            entries[name] = try Self.entry(name: name, json: value, dataStart: dataStart, file: file)
        }
        self.metadata = metadata
        self.entries = entries
        tensorNames = entries.keys.sorted()
    }

    /// The tensor's stored bytes, pointing into the mapping: valid only while this object lives.
    public func rawData(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let entry = entries[name] else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        return file.slice(offset: entry.start, count: entry.byteCount)!   // checked at open
    }

    // MARK: WeightSource

    public func info(_ name: String) throws -> TensorInfo {
        guard let entry = entries[name] else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        return entry.info
    }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let info = try self.info(name)
        guard info.dtype.isConvertibleToFloat else {
            throw ModelFileError.unsupportedDType(path: path, tensor: name, dtype: info.dtype.description)
        }
        try checkDestination(destination, for: info)
        let data = try rawData(name)
        guard let source = data.baseAddress, let target = destination.baseAddress else { return }
        switch info.dtype {
        case .float32: HalfPrecision.copyFloat32(source, count: info.elementCount, into: target)
        case .float16: HalfPrecision.widenFloat16(source, count: info.elementCount, into: target)
        case .bfloat16: HalfPrecision.widenBFloat16(source, count: info.elementCount, into: target)
        case .ggml, .other: break   // excluded by isConvertibleToFloat
        }
    }

    // MARK: Header validation

    private static func entry(name: String, json: Any, dataStart: Int, file: MappedFile) throws -> Entry {
        func invalid(_ detail: String) -> ModelFileError {
            .invalidHeader(path: file.path, detail: "tensor '\(name)': \(detail)")
        }
        guard let fields = json as? [String: Any] else { throw invalid("entry is not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw invalid("missing or non-string dtype") }
        let shapeJSON = fields["shape"] as? [Any]
        let shape = shapeJSON?.compactMap(jsonInt) ?? []
        guard let shapeJSON, shape.count == shapeJSON.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw invalid("shape is not an array of non-negative integers")
        }
        guard let offsetsJSON = fields["data_offsets"] as? [Any], offsetsJSON.count == 2,
              let begin = jsonInt(offsetsJSON[0]), let end = jsonInt(offsetsJSON[1]),
              begin >= 0, end >= begin else {
            throw invalid("data_offsets is not [begin, end] with 0 <= begin <= end")
        }
        let dtype: TensorDType
        switch dtypeName {
        case "F32": dtype = .float32
        case "F16": dtype = .float16
        case "BF16": dtype = .bfloat16
        default: dtype = .other(dtypeName)
        }
        let info = TensorInfo(name: name, shape: shape, dtype: dtype)
        let byteCount = end - begin
        if let elementSize = elementSizes[dtypeName] {
            let (elements, overflow1) = shape.reduce((1, false)) { acc, n in
                let (p, o) = acc.0.multipliedReportingOverflow(by: n)
                return (p, acc.1 || o)
            }
            let (expected, overflow2) = elements.multipliedReportingOverflow(by: elementSize)
            guard !overflow1, !overflow2, expected == byteCount else {
                throw ModelFileError.shapeMismatch(
                    path: file.path, tensor: name,
                    detail: "shape \(shape) of \(dtypeName) needs \(overflow1 || overflow2 ? "too many" : String(expected)) "
                        + "bytes but data_offsets span \(byteCount)")
            }
        }
        let (start, overflow) = dataStart.addingReportingOverflow(begin)
        guard !overflow, file.slice(offset: start, count: byteCount) != nil else {
            throw ModelFileError.tensorOutOfBounds(
                path: file.path, tensor: name, offset: overflow ? Int.max : start,
                byteCount: byteCount, fileSize: file.size)
        }
        return Entry(info: info, start: start, byteCount: byteCount)
    }
}

/// An integral JSON number as Int (JSONSerialization yields Int or NSNumber).
func jsonInt(_ value: Any) -> Int? {
    if let int = value as? Int { return int }
    if let number = value as? NSNumber {
        let double = number.doubleValue
        guard double.rounded() == double, let int = Int(exactly: double) else { return nil }
        return int
    }
    return nil
}
