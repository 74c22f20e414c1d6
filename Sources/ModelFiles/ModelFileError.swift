/// Every way reading or writing a model file can fail. Each case names the file (and the
/// tensor, where one is involved) so that a message alone says what to look at.
public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file (or directory) at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be opened, sized or mapped.
    case cannotOpen(path: String, reason: String)
    /// The first bytes are not the format's magic number.
    case badMagic(path: String, expected: String, found: String)
    /// A format version this reader does not implement.
    case unsupportedVersion(path: String, version: UInt64, supported: String)
    /// The file ends inside its header (`detail` says what was being read).
    case truncatedHeader(path: String, detail: String)
    /// The header is present but malformed: bad JSON, a wrong field type, an impossible count.
    case invalidHeader(path: String, detail: String)
    /// A tensor's bytes lie (partly) outside the file.
    case tensorOutOfBounds(path: String, tensor: String, offset: Int, byteCount: Int, fileSize: Int)
    /// A storage type this module cannot convert to float32.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A shape that does not agree with the element count, byte count or the caller's expectation.
    case shapeMismatch(path: String, tensor: String, detail: String)
    /// The file (or checkpoint) has no tensor of that name.
    case tensorNotFound(path: String, tensor: String)
    /// Two tensors with the same name in one file or one sharded checkpoint.
    case duplicateTensor(path: String, tensor: String)
    /// A sharded checkpoint's index names a shard file that is not there.
    case missingShard(indexPath: String, shard: String)
    /// A GGUF `general.architecture` the Hugging Face name adapter does not know.
    case unsupportedArchitecture(path: String, architecture: String)
    /// Writing a file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open: \(reason)"
        case .badMagic(let path, let expected, let found):
            return "\(path): not a \(expected) file (found magic bytes \(found))"
        case .unsupportedVersion(let path, let version, let supported):
            return "\(path): unsupported format version \(version) (supported: \(supported))"
        case .truncatedHeader(let path, let detail):
            return "\(path): file is truncated inside its header (\(detail))"
        case .invalidHeader(let path, let detail):
            return "\(path): invalid header: \(detail)"
        case .tensorOutOfBounds(let path, let tensor, let offset, let byteCount, let fileSize):
            return "\(path): tensor '\(tensor)' data (\(byteCount) bytes at offset \(offset)) "
                + "runs past the end of the \(fileSize)-byte file; the file is truncated or corrupt"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has storage type \(dtype), which cannot be converted to float32"
        case .shapeMismatch(let path, let tensor, let detail):
            return "\(path): tensor '\(tensor)': \(detail)"
        case .tensorNotFound(let path, let tensor):
            return "\(path): no tensor named '\(tensor)'"
        case .duplicateTensor(let path, let tensor):
            return "\(path): tensor '\(tensor)' appears more than once"
        case .missingShard(let indexPath, let shard):
            return "\(indexPath): names shard '\(shard)', which does not exist"
        case .unsupportedArchitecture(let path, let architecture):
            return "\(path): general.architecture '\(architecture)' is not supported "
                + "(supported: \(GGUFCheckpoint.supportedArchitectures.joined(separator: ", ")))"
        case .writeFailed(let path, let reason):
            return "\(path): write failed: \(reason)"
        }
    }
}
