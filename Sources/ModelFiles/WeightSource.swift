import Foundation

/// How a tensor's elements are stored on disk.
public enum TensorDType: Hashable, Sendable, CustomStringConvertible {
    case float32
    case float16
    case bfloat16
    /// Any other GGUF storage type: block-quantized (Q4_K, Q8_0, ...) or integer.
    case ggml(GGMLType)
    /// A safetensors dtype this module does not convert (e.g. "I64", "F8_E4M3").
    case other(String)

    /// Whether `WeightSource.floats` can produce float32 values from this storage type.
    public var isConvertibleToFloat: Bool {
        switch self {
        case .float32, .float16, .bfloat16: return true
        case .ggml(let type): return type.isDequantizable
        case .other: return false
        }
    }

    /// The name the file format itself uses ("F32", "BF16", "Q4_K", ...).
    public var description: String {
        switch self {
        case .float32: return "F32"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .ggml(let type): return type.name
        case .other(let name): return name
        }
    }
}

/// Name, shape and storage type of one tensor.
public struct TensorInfo: Hashable, Sendable {
    public var name: String
    /// PyTorch order, outermost dimension first: a Linear weight is [out, in].
    public var shape: [Int]
    public var dtype: TensorDType

    public init(name: String, shape: [Int], dtype: TensorDType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }

    /// Product of the dimensions (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A read-only set of named tensors, every one readable as float32.
///
/// Values come out row-major in `info(name).shape`, dequantized or widened to float32.
/// Conforming types are immutable after opening and safe to read from several threads.
public protocol WeightSource: AnyObject, Sendable {
    /// The file or directory this was opened from, for messages.
    var path: String { get }
    /// Every tensor name, sorted.
    var tensorNames: [String] { get }
    /// Shape and storage type; throws `ModelFileError.tensorNotFound` for an unknown name.
    func info(_ name: String) throws -> TensorInfo
    /// Writes the tensor's float32 values into `destination`, whose count must equal the
    /// element count. Avoids the extra copy `floats` would make for large matrices.
    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws
    /// The tensor as float32, row-major in its shape.
    func floats(_ name: String) throws -> [Float]
    /// The file that holds `name` (a shard of a sharded checkpoint), for messages.
    func file(containing name: String) -> String
}

extension WeightSource {
    public func file(containing name: String) -> String { path }

    public func floats(_ name: String) throws -> [Float] {
        let count = try info(name).elementCount
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(name, into: buffer)
            initialized = count
        }
    }

    /// Whether a tensor of that name exists.
    public func contains(_ name: String) -> Bool {
        (try? info(name)) != nil
    }

    /// The tensor as float32 after checking that its shape is `expectedShape`;
    /// throws `ModelFileError.shapeMismatch` otherwise.
    public func floats(_ name: String, shape expectedShape: [Int]) throws -> [Float] {
        let actual = try info(name).shape
        guard actual == expectedShape else {
            throw ModelFileError.shapeMismatch(
                path: path, tensor: name, detail: "expected shape \(expectedShape), file has \(actual)")
        }
        return try floats(name)
    }

    /// Checks that `destination` holds exactly the tensor's element count; for `read(_:into:)`.
    func checkDestination(_ destination: UnsafeMutableBufferPointer<Float>, for info: TensorInfo) throws {
        guard destination.count == info.elementCount else {
            throw ModelFileError.shapeMismatch(
                path: path, tensor: info.name,
                detail: "destination holds \(destination.count) floats but shape \(info.shape) "
                    + "has \(info.elementCount) elements")
        }
    }
}

/// Whether the file at `url` starts with GGUF's magic bytes. Formats are told apart by
/// content, not by name, so a GGUF file is recognised whatever it is called.
public func isGGUFFile(_ url: URL) -> Bool {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
    defer { try? handle.close() }
    return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
}

/// Opens the weights at `url`: a GGUF file (exposed under Hugging Face names), or, for
/// anything else, a Hugging Face model directory, `.safetensors` file or
/// `model.safetensors.index.json` (see `SafetensorsCheckpoint`).
public func openWeightSource(_ url: URL) throws -> any WeightSource {
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw ModelFileError.fileNotFound(path: url.path)
    }
    if isGGUFFile(url) { return try GGUFCheckpoint(url: url) }
    return try SafetensorsCheckpoint(url: url)
}
