import Foundation

/// The weights of a Hugging Face model directory: either one `model.safetensors`, or shards
/// listed by `model.safetensors.index.json`, whose `"weight_map"` maps each tensor name to
/// the shard file (relative to the directory) that holds it.
public final class SafetensorsCheckpoint: WeightSource, @unchecked Sendable {
    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"

    /// The directory (or single file) this was opened from.
    public let url: URL
    public var path: String { url.path }
    public let tensorNames: [String]
    /// The open shard files, in the order their names sort.
    public let shards: [SafetensorsFile]

    private let shardOfTensor: [String: SafetensorsFile]

    /// Opens a model directory, a `.safetensors` file, or a `model.safetensors.index.json`.
    public init(url: URL) throws {
        self.url = url
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelFileError.fileNotFound(path: url.path)
        }
        let indexURL: URL?
        let singleURL: URL
        if isDirectory.boolValue {
            let index = url.appendingPathComponent(Self.indexFileName)
            indexURL = FileManager.default.fileExists(atPath: index.path) ? index : nil
            singleURL = url.appendingPathComponent(Self.singleFileName)
        } else if url.lastPathComponent.hasSuffix(".index.json") {
            indexURL = url
            singleURL = url
        } else {
            indexURL = nil
            singleURL = url
        }

        if let indexURL {
            let (shards, map) = try Self.openShards(indexURL: indexURL)
            self.shards = shards
            shardOfTensor = map
        } else {
            let file = try SafetensorsFile(url: singleURL)
            shards = [file]
            shardOfTensor = Dictionary(uniqueKeysWithValues: file.tensorNames.map { ($0, file) })
        }
        tensorNames = shardOfTensor.keys.sorted()
    }

    public convenience init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    /// The `__metadata__` of the first shard (where HF puts `"format": "pt"`).
    public var metadata: [String: String] { shards.first?.metadata ?? [:] }

    public func file(containing name: String) -> String {
        shardOfTensor[name]?.path ?? path
    }

    public func info(_ name: String) throws -> TensorInfo {
        guard let shard = shardOfTensor[name] else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        return try shard.info(name)
    }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let shard = shardOfTensor[name] else { throw ModelFileError.tensorNotFound(path: path, tensor: name) }
        try shard.read(name, into: destination)
    }

    /// Parses the index, opens every shard it names, and checks each shard holds its tensors.
    private static func openShards(indexURL: URL) throws -> ([SafetensorsFile], [String: SafetensorsFile]) {
        let indexPath = indexURL.path
        let data: Data
        do {
            data = try Data(contentsOf: indexURL)
        } catch {
            throw ModelFileError.cannotOpen(path: indexPath, reason: error.localizedDescription)
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ModelFileError.invalidHeader(path: indexPath, detail: "not valid JSON (\(error.localizedDescription))")
        }
        guard let weightMapJSON = (json as? [String: Any])?["weight_map"] as? [String: Any] else {
            throw ModelFileError.invalidHeader(path: indexPath, detail: "no \"weight_map\" object")
        }
        var weightMap: [String: String] = [:]
        for (tensor, shard) in weightMapJSON {
            guard let shard = shard as? String else {
                throw ModelFileError.invalidHeader(path: indexPath, detail: "weight_map entry '\(tensor)' is not a file name")
            }
            weightMap[tensor] = shard
        }

        let directory = indexURL.deletingLastPathComponent()
        var shardFiles: [String: SafetensorsFile] = [:]
        for shardName in Set(weightMap.values).sorted() {
            let shardURL = directory.appendingPathComponent(shardName)
            guard FileManager.default.fileExists(atPath: shardURL.path) else {
                throw ModelFileError.missingShard(indexPath: indexPath, shard: shardName)
            }
            shardFiles[shardName] = try SafetensorsFile(url: shardURL)
        }
        var map: [String: SafetensorsFile] = [:]
        for (tensor, shardName) in weightMap {
            let shard = shardFiles[shardName]!
            guard shard.contains(tensor) else {
                throw ModelFileError.tensorNotFound(path: shard.path, tensor: tensor)
            }
            map[tensor] = shard
        }
        let shards = shardFiles.keys.sorted().map { shardFiles[$0]! }
        return (shards, map)
    }
}
