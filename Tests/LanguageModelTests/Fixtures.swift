import Foundation

/// Paths to committed fixtures and the optional downloaded models.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = packageRoot.appendingPathComponent("Tests/Fixtures/models")

    /// reference.json written by Scripts/make-model-fixtures.py from transformers.
    static let reference: [String: Any] = {
        let data = try! Data(contentsOf: models.appendingPathComponent("reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// Directory of fetched models: $GRPO_MODELS_DIR or ./models (Scripts/fetch-model.sh).
    static var downloadedModels: URL {
        if let dir = ProcessInfo.processInfo.environment["GRPO_MODELS_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.appendingPathComponent("models")
    }
}

extension Array where Element == Any {
    var floats: [Float] { map { Float(($0 as! NSNumber).doubleValue) } }
    var int32s: [Int32] { map { Int32(($0 as! NSNumber).intValue) } }
}
