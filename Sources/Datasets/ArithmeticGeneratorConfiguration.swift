/// The built-in generator's knobs. In a config (JSON keys in snake_case, all optional):
/// `{"count": 1000, "seed": 0, "min_operations": 1, "max_operations": 3, "min_operand": 2,
///   "max_operand": 50, "max_factor": 5, "operations": ["add", …], "languages": ["zh", "en"]}`.
public struct ArithmeticGeneratorConfiguration: Sendable, Equatable, Codable {
    /// Problems in the data set.
    public var count = 1000
    public var seed: UInt64 = 0
    /// Operations per problem, drawn uniformly from `minOperations...maxOperations`.
    public var minOperations = 1
    public var maxOperations = 3
    /// The starting quantity and the amounts added or taken away.
    public var minOperand = 2
    public var maxOperand = 50
    /// Factors of multiplications and divisions are drawn from `2...maxFactor`.
    public var maxFactor = 5
    public var operations: [ArithmeticProblem.Operation] = ArithmeticProblem.Operation.allCases
    public var languages: [ArithmeticProblem.Language] = ArithmeticProblem.Language.allCases

    public init() {}

    enum CodingKeys: String, CodingKey {
        case count, seed, operations, languages
        case minOperations = "min_operations", maxOperations = "max_operations"
        case minOperand = "min_operand", maxOperand = "max_operand", maxFactor = "max_factor"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        let defaults = ArithmeticGeneratorConfiguration()
        count = try value(.count, defaults.count)
        seed = try value(.seed, defaults.seed)
        minOperations = try value(.minOperations, defaults.minOperations)
        maxOperations = try value(.maxOperations, defaults.maxOperations)
        minOperand = try value(.minOperand, defaults.minOperand)
        maxOperand = try value(.maxOperand, defaults.maxOperand)
        maxFactor = try value(.maxFactor, defaults.maxFactor)
        operations = try value(.operations, defaults.operations)
        languages = try value(.languages, defaults.languages)
    }

    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw DatasetError.invalidConfiguration("arithmetic generator: " + message) }
        }
        try check(count >= 1, "count must be at least 1")
        try check(minOperations >= 1 && minOperations <= maxOperations && maxOperations <= 20,
                  "operations per problem must satisfy 1 ≤ min_operations ≤ max_operations ≤ 20")
        try check(minOperand >= 1 && minOperand <= maxOperand && maxOperand <= 1_000_000,
                  "operands must satisfy 1 ≤ min_operand ≤ max_operand ≤ 1000000")
        try check((2...100).contains(maxFactor), "max_factor must be in 2...100")
        try check(!operations.isEmpty, "operations must not be empty")
        try check(!languages.isEmpty, "languages must not be empty")
    }

    /// "built-in arithmetic (seed 0, 1–3 operations, operands 2–50)".
    public var sourceDescription: String {
        "built-in arithmetic (seed \(seed), \(minOperations)–\(maxOperations) operations, operands \(minOperand)–\(maxOperand))"
    }
}
