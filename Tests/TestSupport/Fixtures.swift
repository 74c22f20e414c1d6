import Foundation

/// Paths to committed fixtures and the optional downloaded models.
public enum Fixtures {
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let models = packageRoot.appendingPathComponent("Tests/Fixtures/models")
    public static let training = packageRoot.appendingPathComponent("Tests/Fixtures/training")

    /// reference.json written by Scripts/make-model-fixtures.py from transformers.
    public static let reference: [String: Any] = {
        let data = try! Data(contentsOf: models.appendingPathComponent("reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// A fixture model as a loadable path. Fixture files carry a `.fixture` suffix (weights
    /// named like a real checkpoint's are never committed); a directory is copied to a
    /// temporary one with the suffixes dropped, as a Hugging Face directory names them.
    public static func model(_ name: String) throws -> URL {
        try usable(models.appendingPathComponent(name))
    }

    /// `source` itself if it is a file, else a temporary copy of the directory with the
    /// `.fixture` suffixes dropped.
    public static func usable(_ source: URL) throws -> URL {
        let name = source.lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return source
        }
        let fm = FileManager.default
        let target = fm.temporaryDirectory.appendingPathComponent("grpo-\(name)-\(UUID().uuidString)")
        try fm.createDirectory(at: target, withIntermediateDirectories: true)
        for file in try fm.contentsOfDirectory(atPath: source.path) {
            let plain = file.hasSuffix(".fixture") ? String(file.dropLast(".fixture".count)) : file
            try fm.copyItem(at: source.appendingPathComponent(file), to: target.appendingPathComponent(plain))
        }
        return target
    }

    /// Directory of fetched models: $GRPO_MODELS_DIR or ./models (Scripts/fetch-model.sh).
    public static var downloadedModels: URL {
        if let dir = ProcessInfo.processInfo.environment["GRPO_MODELS_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.appendingPathComponent("models")
    }
}

extension Array where Element == Any {
    public var floats: [Float] { map { Float(($0 as! NSNumber).doubleValue) } }
    public var int32s: [Int32] { map { Int32(($0 as! NSNumber).intValue) } }
}
