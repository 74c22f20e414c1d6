import Foundation

/// Where one tensor of a GGUF file lives and how it is stored.
public struct GGUFTensorInfo: Hashable, Sendable {
    public let name: String
    /// ggml's `ne`: innermost (contiguous) dimension first. A Linear weight [out, in] is [in, out].
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset of the data from the start of the file's data section.
    public let offset: Int
    /// Bytes of data (whole blocks for quantized types).
    public let byteCount: Int

    /// PyTorch order, outermost dimension first (`dimensions` reversed).
    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
}

/// A GGUF file (llama.cpp's format, versions 2 and 3), memory-mapped.
///
/// Layout (all integers little-endian):
///
///     "GGUF" | u32 version | u64 tensor count | u64 metadata count
///     metadata:     string key | u32 value type | value           (repeated)
///     tensor infos: string name | u32 n_dims | u64 ne[n_dims] | u32 ggml type | u64 offset
///     padding to `general.alignment` (default 32)
///     data section: each tensor at its offset from here
///
/// where a string is a u64 byte length followed by UTF-8 bytes. Opening parses and validates
/// the whole header and checks that every tensor's data lies inside the file; tensor data is
/// only read (and dequantized) when asked for. Tensor names here are the file's own
/// (`blk.0.attn_q.weight`); `GGUFCheckpoint` exposes them under Hugging Face names.
public final class GGUFFile: WeightSource, @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }
    public let version: UInt32
    /// Alignment of the data section and of each tensor's offset within it.
    public let alignment: Int
    /// Every metadata key-value pair.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// Absolute file offset of the data section.
    public let dataOffset: Int
    /// The file's length in bytes.
    public var fileSize: Int { file.size }

    private let file: MappedFile
    private let tensorIndex: [String: Int]
    private let sortedNames: [String]

    public static let defaultAlignment = 32
    static let magic: [UInt8] = Array("GGUF".utf8)
    /// ggml's GGML_MAX_DIMS.
    static let maxDimensions = 4

    public convenience init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    public init(url: URL) throws {
        self.url = url
        let path = url.path
        file = try MappedFile(path: path)
        var reader = GGUFHeaderReader(bytes: file.bytes, path: path)

        let magic = [try reader.load(UInt8.self, "magic"), try reader.load(UInt8.self, "magic"),
                     try reader.load(UInt8.self, "magic"), try reader.load(UInt8.self, "magic")]
        guard magic == Self.magic else {
            throw ModelFileError.badMagic(path: path, expected: "GGUF", found: Self.describe(magic))
        }
        version = try reader.u32("version")
        guard version == 2 || version == 3 else {
            let swapped = version.byteSwapped
            let note = (swapped == 2 || swapped == 3) ? " (a big-endian file)" : ""
            throw ModelFileError.unsupportedVersion(
                path: path, version: UInt64(version), supported: "2 and 3, little-endian" + note)
        }
        let tensorCount = try reader.count("tensor count")
        let metadataCount = try reader.count("metadata count")
        // Each metadata pair takes at least 12 bytes, each tensor info at least 24.
        guard metadataCount <= reader.remaining / 12, tensorCount <= reader.remaining / 24 else {
            throw ModelFileError.truncatedHeader(
                path: path, detail: "header claims \(metadataCount) metadata pairs and \(tensorCount) "
                    + "tensors, more than the \(reader.remaining) remaining bytes can hold")
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(metadataCount)
        for i in 0..<metadataCount {
            let key = try reader.string("key of metadata pair \(i)")
            let type = try reader.u32("value type of metadata key '\(key)'")
            let value = try reader.value(type: type, key: key)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw ModelFileError.invalidHeader(path: path, detail: "metadata key '\(key)' appears twice")
            }
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        alignment = try Self.alignment(from: metadata, path: path)

        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        infos.reserveCapacity(tensorCount)
        for i in 0..<tensorCount {
            let info = try Self.readTensorInfo(&reader, number: i, path: path)
            guard index.updateValue(infos.count, forKey: info.name) == nil else {
                throw ModelFileError.duplicateTensor(path: path, tensor: info.name)
            }
            infos.append(info)
        }
        reader.align(to: alignment)
        dataOffset = reader.offset

        for info in infos {
            let (start, overflow) = dataOffset.addingReportingOverflow(info.offset)
            guard !overflow, let _ = file.slice(offset: start, count: info.byteCount) else {
                throw ModelFileError.tensorOutOfBounds(
                    path: path, tensor: info.name, offset: overflow ? Int.max : start,
                    byteCount: info.byteCount, fileSize: file.size)
            }
        }
        tensors = infos
        tensorIndex = index
        sortedNames = index.keys.sorted()
    }

    /// `general.architecture`, e.g. "qwen2" or "llama".
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// The tensor info for a file-level name, or nil.
    public func tensor(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's stored bytes, pointing into the mapping: valid only while this object lives.
    public func rawData(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let info = tensor(name) else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        // In bounds: checked when the file was opened.
        return file.slice(offset: dataOffset + info.offset, count: info.byteCount)!
    }

    // MARK: WeightSource

    public var tensorNames: [String] { sortedNames }

    public func info(_ name: String) throws -> TensorInfo {
        guard let info = tensor(name) else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        return TensorInfo(name: name, shape: info.shape, dtype: Self.dtype(of: info.type))
    }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = tensor(name) else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        guard info.type.isDequantizable else {
            throw ModelFileError.unsupportedDType(path: path, tensor: name, dtype: info.type.name)
        }
        try checkDestination(destination, for: try self.info(name))
        try GGMLDequantizer.dequantize(info.type, from: try rawData(name), into: destination, tensor: name, path: path)
    }

    // MARK: Parsing helpers

    static func dtype(of type: GGMLType) -> TensorDType {
        switch type {
        case .f32: return .float32
        case .f16: return .float16
        case .bf16: return .bfloat16
        default: return .ggml(type)
        }
    }

    private static func alignment(from metadata: [String: GGUFValue], path: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard let alignment = value.int, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw ModelFileError.invalidHeader(
                path: path, detail: "general.alignment is \(value), not a positive power of two")
        }
        return alignment
    }

    private static func readTensorInfo(_ reader: inout GGUFHeaderReader, number: Int, path: String) throws -> GGUFTensorInfo {
        let name = try reader.string("name of tensor \(number)")
        let dimensionCount = try reader.u32("dimension count of tensor '\(name)'")
        guard dimensionCount <= maxDimensions else {
            throw ModelFileError.invalidHeader(
                path: path, detail: "tensor '\(name)' has \(dimensionCount) dimensions (at most \(maxDimensions))")
        }
        var dimensions: [Int] = []
        var elements = 1
        for d in 0..<Int(dimensionCount) {
            let n = try reader.count("dimension \(d) of tensor '\(name)'")
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw ModelFileError.invalidHeader(path: path, detail: "tensor '\(name)' has an absurd element count")
            }
            elements = product
            dimensions.append(n)
        }
        let typeID = try reader.u32("type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: typeID) else {
            throw ModelFileError.unsupportedDType(path: path, tensor: name, dtype: "unknown ggml type id \(typeID)")
        }
        let offset = try reader.count("data offset of tensor '\(name)'")

        let rowLength = dimensions.first ?? 1
        guard let rowBytes = type.rowByteCount(elements: rowLength) else {
            throw ModelFileError.shapeMismatch(
                path: path, tensor: name,
                detail: "row length \(rowLength) is not a multiple of the \(type.name) block size \(type.blockSize)")
        }
        let rows = rowLength == 0 ? 0 : elements / rowLength
        let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow else {
            throw ModelFileError.invalidHeader(path: path, detail: "tensor '\(name)' has an absurd byte count")
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset, byteCount: byteCount)
    }

    /// Magic bytes as text when printable, else as hex.
    private static func describe(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ (0x20..<0x7F).contains($0) }) {
            return "'" + String(decoding: bytes, as: UTF8.self) + "'"
        }
        return bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}
