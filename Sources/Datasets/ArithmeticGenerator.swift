import SeededRandom

/// The built-in data set: arithmetic word problems in Chinese and English with exact integer
/// answers, generated deterministically from a seed. It is the data the system uses when no
/// data set is configured, so that everything runs without downloading anything.
///
/// Problem `i` depends only on the seed and `i`, never on how many are generated, so a
/// larger `count` extends a data set without changing its beginning.
public struct ArithmeticGenerator: Sendable {
    /// Intermediate quantities stay at or below this, so no step can overflow.
    public static let largestQuantity = 1_000_000_000

    public let configuration: ArithmeticGeneratorConfiguration

    public init(_ configuration: ArithmeticGeneratorConfiguration = ArithmeticGeneratorConfiguration()) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    public func problems() -> [ArithmeticProblem] {
        (0..<configuration.count).map(problem(at:))
    }

    /// The generated problems as a data set.
    public func dataset() -> LoadedDataset {
        LoadedDataset(source: configuration.sourceDescription, problems: problems().map(\.problem))
    }

    public func problem(at index: Int) -> ArithmeticProblem {
        let c = configuration
        var random = SplitMix64(seed: c.seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        let language = c.languages[random.index(below: c.languages.count)]
        let templates = WordProblemTemplates(
            language: language,
            name: language == .chinese ? random.element(of: WordProblemTemplates.chineseNames)
                                       : random.element(of: WordProblemTemplates.englishNames),
            item: random.element(of: WordProblemTemplates.items))

        let start = random.integer(in: c.minOperand...c.maxOperand)
        var value = start
        var steps: [ArithmeticProblem.Step] = []
        var variants: [Int] = []
        for _ in 0..<random.integer(in: c.minOperations...c.maxOperations) {
            let step = nextStep(after: value, random: &random)
            steps.append(step)
            variants.append(random.index(below: 6))
            value = step.applied(to: value)
        }
        return ArithmeticProblem(language: language, start: start, steps: steps,
                                 question: templates.text(start: start, steps: steps, variants: variants))
    }

    /// A step that keeps the quantity a non-negative integer no larger than `largestQuantity`:
    /// one of the configured operations that fits `value`, or an addition when none does
    /// (say, only division configured and a prime quantity).
    private func nextStep(after value: Int, random: inout SplitMix64) -> ArithmeticProblem.Step {
        let c = configuration
        let room = Self.largestQuantity - value
        let divisors = (2...c.maxFactor).filter { value >= $0 && value % $0 == 0 }
        let feasible = c.operations.filter { operation in
            switch operation {
            case .add: return room >= c.minOperand
            case .subtract: return value >= c.minOperand
            case .multiply: return value <= Self.largestQuantity / 2
            case .divide: return !divisors.isEmpty
            }
        }
        switch feasible.isEmpty ? .add : random.element(of: feasible) {
        case .add:
            return .init(.add, random.integer(in: c.minOperand...max(c.minOperand, min(c.maxOperand, room))))
        case .subtract:
            return .init(.subtract, random.integer(in: c.minOperand...min(c.maxOperand, value)))
        case .multiply:
            return .init(.multiply, random.integer(in: 2...min(c.maxFactor, Self.largestQuantity / max(value, 1))))
        case .divide:
            return .init(.divide, random.element(of: divisors))
        }
    }
}

/// Range helpers written out here rather than taken from the standard library, whose
/// `random(in:using:)` algorithm may change between toolchains: generated data sets must be
/// the same everywhere.
extension SplitMix64 {
    /// Uniform in `0..<bound` up to a bias below 2^-40 for the small bounds used here.
    mutating func index(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + index(below: range.upperBound - range.lowerBound + 1)
    }

    mutating func element<T>(of array: [T]) -> T {
        array[index(below: array.count)]
    }
}
