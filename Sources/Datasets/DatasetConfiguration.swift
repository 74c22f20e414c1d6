/// Where the training problems come from. In a config (JSON keys in snake_case):
///
///     {"file": "data/train.jsonl", "preset": "gsm8k", "bad_rows": "skip", "limit": 500}
///     {"file": "mine.json", "fields": {"question": "q", "answer": "a", "answer_format": "plain"}}
///     {"generator": {"count": 2000, "max_operations": 4}}      (or no data section at all)
///
/// With no `file`, the built-in arithmetic generator supplies the problems. `fields`, when
/// given, overrides the preset's mapping.
public struct DatasetConfiguration: Sendable, Equatable, Codable {
    public var file: String?
    public var preset: DatasetPreset?
    public var fields: FieldMapping?
    public var badRows: BadRowPolicy
    public var limit: Int?
    public var generator: ArithmeticGeneratorConfiguration

    public init(file: String? = nil, preset: DatasetPreset? = nil, fields: FieldMapping? = nil,
                badRows: BadRowPolicy = .skip, limit: Int? = nil,
                generator: ArithmeticGeneratorConfiguration = ArithmeticGeneratorConfiguration()) {
        self.file = file
        self.preset = preset
        self.fields = fields
        self.badRows = badRows
        self.limit = limit
        self.generator = generator
    }

    enum CodingKeys: String, CodingKey {
        case file, preset, fields, limit, generator
        case badRows = "bad_rows"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decodeIfPresent(String.self, forKey: .file)
        preset = try container.decodeIfPresent(DatasetPreset.self, forKey: .preset)
        fields = try container.decodeIfPresent(FieldMapping.self, forKey: .fields)
        badRows = try container.decodeIfPresent(BadRowPolicy.self, forKey: .badRows) ?? .skip
        limit = try container.decodeIfPresent(Int.self, forKey: .limit)
        generator = try container.decodeIfPresent(ArithmeticGeneratorConfiguration.self, forKey: .generator)
            ?? ArithmeticGeneratorConfiguration()
    }

    /// The file's field mapping: `fields`, else the preset's.
    public func fieldMapping() throws -> FieldMapping {
        if let fields { return fields }
        if let preset { return preset.fields }
        throw DatasetError.invalidConfiguration(
            "data file \(file ?? "") needs a preset (\(DatasetPreset.allCases.map(\.rawValue).joined(separator: ", "))) or fields")
    }

    public func load() throws -> LoadedDataset {
        if let limit, limit < 1 { throw DatasetError.invalidConfiguration("limit must be at least 1") }
        guard let file else {
            var generator = self.generator
            if let limit { generator.count = min(generator.count, limit) }
            return try ArithmeticGenerator(generator).dataset()
        }
        return try DatasetLoader(fields: fieldMapping(), badRows: badRows, limit: limit).load(path: file)
    }
}
