import Datasets
import XCTest

/// The built-in data set: deterministic, and every answer right by an evaluation that shares no
/// code with the generator (numbers read back from the text, operations from its wording).
final class ArithmeticGeneratorTests: XCTestCase {
    /// The integers in `text`, in order.
    private func numbers(in text: String) -> [Int] {
        text.split { !$0.isASCII || !$0.isNumber }.compactMap { Int($0) }
    }

    /// The operation a sentence describes, from its wording alone.
    private func operation(of sentence: String) -> ((Int, Int) -> Int)? {
        let rules: [(words: [String], apply: (Int, Int) -> Int)] = [
            (["又买了", "又给了", "得到了", "buys", "A friend gives", "finds"], { $0 + $1 }),
            (["送给同学", "用掉了", "弄丢了", "to a classmate", "uses up", "loses"], { $0 - $1 }),
            (["倍", "times as"], { $0 * $1 }),
            (["平均", "equal groups", "equally into"], { $0 / $1 }),
        ]
        for rule in rules where rule.words.contains(where: { sentence.range(of: $0, options: .regularExpression) != nil }) {
            return rule.apply
        }
        return nil
    }

    /// Re-solves a problem from its text: the first sentence gives the start, each following
    /// sentence one operation on its number; the last sentence is the question.
    private func solve(_ text: String) -> Int? {
        let sentences = text.split { "。？.?".contains($0) }.map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !numbers(in: $0).isEmpty }
        guard let first = sentences.first, var value = numbers(in: first).first else { return nil }
        for sentence in sentences.dropFirst() {
            guard let apply = operation(of: sentence), let operand = numbers(in: sentence).first else { return nil }
            value = apply(value, operand)
        }
        return value
    }

    func testAnswersAreRightByAnIndependentReading() throws {
        var configuration = ArithmeticGeneratorConfiguration()
        configuration.count = 600
        configuration.maxOperations = 5
        var checked = 0
        for problem in try ArithmeticGenerator(configuration).problems() {
            XCTAssertEqual(numbers(in: problem.question), [problem.start] + problem.steps.map(\.operand), problem.question)
            XCTAssertGreaterThanOrEqual(problem.answer, 0)
            XCTAssertEqual(problem.problem.answer, String(problem.answer))
            // "Mr. Lee" and "Ms. Chen" end a sentence early at their ".": those are checked by structure above.
            if problem.question.contains("Mr. ") || problem.question.contains("Ms. ") { continue }
            XCTAssertEqual(solve(problem.question), problem.answer, problem.question)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 400)
    }

    func testGenerationIsDeterministicAndPrefixStable() throws {
        var configuration = ArithmeticGeneratorConfiguration()
        configuration.count = 50
        let first = try ArithmeticGenerator(configuration).problems()
        XCTAssertEqual(first, try ArithmeticGenerator(configuration).problems())
        configuration.count = 80
        XCTAssertEqual(Array(try ArithmeticGenerator(configuration).problems().prefix(50)), first)
        configuration.seed = 1
        XCTAssertNotEqual(Array(try ArithmeticGenerator(configuration).problems().prefix(50)), first)
    }

    /// Pinned text: the generator's own random numbers make this the same on every platform.
    func testPinnedProblems() throws {
        let generator = try ArithmeticGenerator()
        let problems = (0..<40).map(generator.problem(at:))
        let chinese = try XCTUnwrap(problems.first { $0.language == .chinese && $0.steps.count == 3 })
        let english = try XCTUnwrap(problems.first { $0.language == .english && $0.steps.count == 3 })
        XCTAssertEqual(chinese.question, "张爷爷有42张贴纸。张爷爷又买了13张贴纸。张爷爷把所有贴纸平均装进5个盒子，只留下一盒。"
                                       + "张爷爷的贴纸数量变成了原来的4倍。张爷爷现在有多少张贴纸？")
        XCTAssertEqual(chinese.answer, 44)
        XCTAssertEqual(english.question, "Lily has 10 stickers. Lily uses up 10 stickers. Lily buys 2 more stickers. "
                                       + "Lily splits the stickers into 2 equal groups and keeps only one group. "
                                       + "How many stickers does Lily have now?")
        XCTAssertEqual(english.answer, 1)
    }

    func testKnobs() throws {
        var configuration = ArithmeticGeneratorConfiguration()
        configuration.count = 300
        configuration.minOperations = 4
        configuration.maxOperations = 4
        configuration.minOperand = 100
        configuration.maxOperand = 200
        configuration.operations = [.add, .divide]
        configuration.languages = [.english]
        let problems = try ArithmeticGenerator(configuration).problems()
        XCTAssertTrue(problems.allSatisfy { $0.steps.count == 4 && $0.language == .english })
        XCTAssertTrue(problems.allSatisfy { (100...200).contains($0.start) })
        XCTAssertTrue(problems.allSatisfy { $0.steps.allSatisfy { $0.operation == .add || $0.operation == .divide } })
        XCTAssertTrue(problems.contains { $0.steps.contains { $0.operation == .divide } })
        XCTAssertTrue(problems.flatMap(\.steps).filter { $0.operation == .add }.allSatisfy { (100...200).contains($0.operand) })

        let json = #"{"count": 3, "max_operations": 2, "languages": ["zh"], "operations": ["multiply"]}"#
        let decoded = try JSONDecoder().decode(ArithmeticGeneratorConfiguration.self, from: Data(json.utf8))
        let chinese = try ArithmeticGenerator(decoded).problems()
        XCTAssertEqual(chinese.count, 3)
        XCTAssertTrue(chinese.allSatisfy { $0.language == .chinese && $0.question.contains("倍") })

        configuration.operations = []
        XCTAssertThrowsError(try ArithmeticGenerator(configuration))
        XCTAssertThrowsError(try ArithmeticGenerator(JSONDecoder().decode(ArithmeticGeneratorConfiguration.self,
                                                                          from: Data(#"{"min_operand": 0}"#.utf8))))
    }

    func testTheDefaultDataSetIsTheGenerator() throws {
        let dataset = try DatasetConfiguration().load()
        XCTAssertEqual(dataset.problems.count, 1000)
        XCTAssertTrue(dataset.source.hasPrefix("built-in arithmetic"))
        XCTAssertEqual(dataset.problems.first, try ArithmeticGenerator().problem(at: 0).problem)
        XCTAssertEqual(try DatasetConfiguration(limit: 10).load().problems.count, 10)
    }
}
