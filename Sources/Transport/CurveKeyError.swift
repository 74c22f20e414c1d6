/// Every way reading, writing or using a CurveZMQ key can fail. Each case names the file
/// (where one is involved) and, for a bad key, which key and what is wrong with it, but never
/// the key itself.
public enum CurveKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file or directory at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read.
    case cannotRead(path: String, reason: String)
    /// A line that is not `name = "key"`, an unknown or repeated name, or non-UTF-8 text.
    case malformed(path: String, line: Int, detail: String)
    /// A key that is not 40 characters of Z85. `path` is nil for a key given in code.
    case invalidKey(path: String?, field: String, detail: String)
    /// The file lacks a key it must have (`secret` in a `.key` file, `public` in a `.pub`).
    case missingKey(path: String, field: String)
    /// A `.key` file whose public key is not the one its secret key yields.
    case mismatchedKeyPair(path: String)
    /// A `.pub` file that also holds a secret key: it should not be handed around as public.
    case secretInPublicFile(path: String)
    /// Writing would replace an existing file and overwriting was not asked for.
    case alreadyExists(path: String)
    /// Creating, writing or setting the permissions of a file failed.
    case writeFailed(path: String, reason: String)
    /// A key name that cannot be a file name (empty, a path, or starting with a dot).
    case invalidName(String)
    /// libzmq could not make a key pair (it was built without CURVE support).
    case generationFailed(reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory"
        case .cannotRead(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .malformed(let path, let line, let detail):
            return "\(path):\(line): \(detail)"
        case .invalidKey(let path, let field, let detail):
            return path.map { "\($0): \(field) key \(detail)" } ?? "\(field) \(detail)"
        case .missingKey(let path, let field):
            return "\(path): no \(field) key (expected a line \(field) = \"<40 Z85 characters>\")"
        case .mismatchedKeyPair(let path):
            return "\(path): the public key is not the one the secret key yields; the file is corrupt or was edited"
        case .secretInPublicFile(let path):
            return "\(path): holds a secret key; give peers the .pub file, never the .key file"
        case .alreadyExists(let path):
            return "\(path): already exists and was not replaced (`grpo keys generate --force` replaces it)"
        case .writeFailed(let path, let reason):
            return "\(path): write failed: \(reason)"
        case .invalidName(let name):
            return "key name '\(name)' is not usable as a file name (no '/', not empty, not starting with '.')"
        case .generationFailed(let reason):
            return "cannot generate a CURVE key pair: \(reason)"
        }
    }
}
