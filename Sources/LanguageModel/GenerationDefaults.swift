import Foundation

/// What a checkpoint's `generation_config.json` says about decoding: its end-of-sequence ids
/// and default sampling settings. Absent fields stay nil.
public struct GenerationDefaults: Decodable, Sendable {
    public var eosTokenIds: [Int] = []
    public var temperature: Float?
    public var topP: Float?
    public var topK: Int?

    enum CodingKeys: String, CodingKey {
        case eosTokenId = "eos_token_id"
        case temperature
        case topP = "top_p"
        case topK = "top_k"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let one = try? c.decodeIfPresent(Int.self, forKey: .eosTokenId) {
            eosTokenIds = [one]
        } else {
            eosTokenIds = (try? c.decodeIfPresent([Int].self, forKey: .eosTokenId)) ?? []
        }
        temperature = try? c.decodeIfPresent(Float.self, forKey: .temperature)
        topP = try? c.decodeIfPresent(Float.self, forKey: .topP)
        topK = try? c.decodeIfPresent(Int.self, forKey: .topK)
    }

    /// Reads `generation_config.json` from an HF model directory; defaults when there is none.
    public static func load(directory: URL) throws -> GenerationDefaults {
        let url = directory.appendingPathComponent("generation_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return GenerationDefaults() }
        do {
            return try JSONDecoder().decode(GenerationDefaults.self, from: Data(contentsOf: url))
        } catch {
            throw ModelLoadError.invalidConfig("\(url.path): \(error)")
        }
    }
}
