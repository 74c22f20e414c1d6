import CZMQ
import Foundation
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#else
import Darwin
private let posixWrite = Darwin.write
#endif

/// A CurveZMQ key pair in Z85 text, and the key files the learner and workers share.
///
/// Files, for a key named NAME:
///
///     NAME.key   mode 0600, the secret: stays on the machine it was made for
///         # comment lines
///         public = "<40 Z85 characters>"
///         secret = "<40 Z85 characters>"
///
///     NAME.pub   the public key only: copied to peers, and into the learner's
///                allow-list directory to admit a worker
///         public = "<40 Z85 characters>"
///
/// Blank lines and lines starting with `#` are ignored; the quotes are optional. Any other
/// line is an error naming the file and line.
public struct CurveKeyPair: Equatable, Sendable {
    public let publicKey: String
    public let secretKey: String

    /// A key pair from Z85 keys, checked to be valid and to belong together.
    public init(publicKey: String, secretKey: String) throws {
        try Z85.checkKey(publicKey, role: "public")
        try Z85.checkKey(secretKey, role: "secret")
        guard try Self.publicKey(forSecret: secretKey) == publicKey else {
            throw CurveKeyError.invalidKey(path: nil, field: "public", detail: "does not belong to the secret key")
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private init(unchecked publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new random key pair.
    public static func generate() throws -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: Z85.keyLength + 1)
        var secretText = [CChar](repeating: 0, count: Z85.keyLength + 1)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else {
            throw CurveKeyError.generationFailed(reason: String(cString: zmq_strerror(zmq_errno())))
        }
        return CurveKeyPair(unchecked: String(cString: publicText), secretKey: String(cString: secretText))
    }

    /// The public key that belongs to a Z85 secret key.
    public static func publicKey(forSecret secretKey: String) throws -> String {
        try Z85.checkKey(secretKey, role: "secret")
        var publicText = [CChar](repeating: 0, count: Z85.keyLength + 1)
        guard zmq_curve_public(&publicText, secretKey) == 0 else {
            throw CurveKeyError.generationFailed(reason: String(cString: zmq_strerror(zmq_errno())))
        }
        return String(cString: publicText)
    }

    // MARK: Writing

    /// Writes `directory/NAME.key` (mode 0600) and `directory/NAME.pub`, creating the
    /// directory if needed. Unless `overwrite`, refuses (before writing either) if one exists.
    @discardableResult
    public func write(to directory: URL, name: String, overwrite: Bool = false) throws
        -> (secretFile: URL, publicFile: URL) {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.contains("\0") else {
            throw CurveKeyError.invalidName(name)
        }
        let secretFile = directory.appendingPathComponent(name + ".key")
        let publicFile = directory.appendingPathComponent(name + ".pub")
        if !overwrite {
            for file in [secretFile, publicFile] where FileManager.default.fileExists(atPath: file.path) {
                throw CurveKeyError.alreadyExists(path: file.path)
            }
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CurveKeyError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        try Self.writeFile(secretFile.path, mode: 0o600, text: """
            # CurveZMQ key pair '\(name)'. Keep this file private (mode 0600); give peers \(name).pub.
            public = "\(publicKey)"
            secret = "\(secretKey)"

            """)
        try Self.writeFile(publicFile.path, mode: 0o644, text: """
            # CurveZMQ public key '\(name)'. Copy into the learner's allow-list directory to admit it.
            public = "\(publicKey)"

            """)
        return (secretFile, publicFile)
    }

    /// Creates or truncates `path` with permissions exactly `mode` (also when it existed
    /// with others, and whatever the umask) before any byte of the key is written.
    private static func writeFile(_ path: String, mode: mode_t, text: String) throws {
        func failure() -> CurveKeyError { .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure() }
        defer { _ = close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw failure() }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { posixWrite(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure() }
            written += count
        }
    }

    // MARK: Reading

    /// The key pair in a `.key` file. Its `public` line may be left out; when present it must
    /// match the secret.
    public static func load(secretFile: URL) throws -> CurveKeyPair {
        let path = secretFile.path
        let fields = try readFields(path)
        guard let secret = fields["secret"] else { throw CurveKeyError.missingKey(path: path, field: "secret") }
        let derived = try publicKey(forSecret: secret)
        if let stated = fields["public"], stated != derived { throw CurveKeyError.mismatchedKeyPair(path: path) }
        return CurveKeyPair(unchecked: derived, secretKey: secret)
    }

    /// The public key in a `.pub` file (one that also holds a secret is refused).
    public static func loadPublic(file: URL) throws -> String {
        let path = file.path
        let fields = try readFields(path)
        guard fields["secret"] == nil else { throw CurveKeyError.secretInPublicFile(path: path) }
        guard let key = fields["public"] else { throw CurveKeyError.missingKey(path: path, field: "public") }
        return key
    }

    /// Every `*.pub` file in `directory`, as public key → name (the file name without
    /// `.pub`), for `ZAPHandler`'s allow-list. Any unreadable or malformed file is an error
    /// naming it, so a typo cannot silently lock a worker out. Where two files hold the same
    /// key, the name is the alphabetically first.
    public static func allowList(directory: URL) throws -> [String: String] {
        let path = directory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CurveKeyError.fileNotFound(path: path)
        }
        guard isDirectory.boolValue else { throw CurveKeyError.cannotRead(path: path, reason: "not a directory") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw CurveKeyError.cannotRead(path: path, reason: error.localizedDescription)
        }
        var keys: [String: String] = [:]
        for file in names.filter({ $0.hasSuffix(".pub") }).sorted() {
            let key = try loadPublic(file: directory.appendingPathComponent(file))
            if keys[key] == nil { keys[key] = String(file.dropLast(4)) }
        }
        return keys
    }

    /// The `name = "key"` lines of a key file, each key checked as Z85.
    private static func readFields(_ path: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { throw CurveKeyError.fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CurveKeyError.cannotRead(path: path, reason: "permission denied or not a regular file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CurveKeyError.malformed(path: path, line: 1, detail: "not UTF-8 text")
        }
        var fields: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func malformed(_ detail: String) -> CurveKeyError { .malformed(path: path, line: index + 1, detail: detail) }
            // Z85 has '=' in its alphabet but names do not: the first '=' separates.
            guard let equals = line.firstIndex(of: "=") else { throw malformed("expected name = \"key\"") }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard name == "public" || name == "secret" else {
                throw malformed("unknown name '\(name)' (expected public or secret)")
            }
            guard fields[name] == nil else { throw malformed("\(name) appears more than once") }
            if let problem = Z85.problem(with: value) {
                throw CurveKeyError.invalidKey(path: path, field: name, detail: problem + " (line \(index + 1))")
            }
            fields[name] = value
        }
        return fields
    }
}
