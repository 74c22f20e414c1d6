import Rewards
import XCTest

/// Each reward, in each mode, on every fixture case, against the values Python computed: the
/// seed's own functions for `seed`, the independent Python implementation for `fixed`.
final class RewardFixtureTests: XCTestCase {
    private func check(_ compatibility: RewardCompatibility) throws {
        let (names, cases) = try RewardFixtures.cases()
        XCTAssertEqual(names, RewardConfiguration.seedRewardNames)
        XCTAssertGreaterThan(cases.count, 100)
        let scorer = try RewardScorer(configuration: RewardConfiguration(compat: compatibility))
        var nonZero = Dictionary(uniqueKeysWithValues: names.map { ($0, 0) })
        for testCase in cases {
            let expected = try XCTUnwrap(testCase.expected[compatibility.rawValue])
            let scores = scorer.score(completion: testCase.completion, answer: testCase.answer)
            for (name, function) in zip(scorer.names, scorer.functions) {
                let value = function.reward(completion: testCase.completion, answer: testCase.answer)
                XCTAssertEqual(value, expected[name], "\(compatibility) \(name) on \(testCase.id)")
                XCTAssertEqual(scores[name], value)
                if value != 0 { nonZero[name, default: 0] += 1 }
            }
            let total = names.reduce(Float(0)) { $0 + (expected[$1] ?? .nan) }
            XCTAssertEqual(scores.total, total, "\(compatibility) total on \(testCase.id)")
        }
        // The corpus exercises both outcomes of every reward.
        for (name, count) in nonZero {
            XCTAssertGreaterThan(count, 0, "\(name) never fires in \(compatibility) mode")
            XCTAssertLessThan(count, cases.count, "\(name) always fires in \(compatibility) mode")
        }
    }

    func testSeedModeMatchesTheSeedsPython() throws {
        try check(.seed)
    }

    func testFixedModeMatchesThePythonReference() throws {
        try check(.fixed)
    }

    /// The quirks the README lists, spelled out so that a regenerated fixture cannot drift.
    func testSeedQuirks() {
        func value(_ reward: any RewardFunction, _ completion: String, _ answer: String = "18") -> Float {
            reward.reward(completion: completion, answer: answer)
        }
        let wellFormed = "<think>\n5 + 13 = 18\n</think>\n<answer>\n18\n</answer>\n"
        XCTAssertEqual(value(SoftFormatReward(compatibility: .seed), wellFormed), 0)
        XCTAssertEqual(value(SoftFormatReward(compatibility: .fixed), wellFormed), 0.5)
        XCTAssertEqual(value(HardFormatReward(compatibility: .seed), wellFormed), 0)
        XCTAssertEqual(value(HardFormatReward(compatibility: .fixed), wellFormed), 0.5)
        XCTAssertEqual(value(HardFormatReward(compatibility: .seed), "<think>\nso then</think>\n<answer>\n18\n</answer>\n\n"), 0.5)
        XCTAssertEqual(value(HardFormatReward(compatibility: .fixed), String(wellFormed.dropLast())), 0.5)
        XCTAssertEqual(value(DigitReward(compatibility: .seed), "<answer>３</answer>"), 0.5)
        XCTAssertEqual(value(DigitReward(compatibility: .seed), "<answer>-5</answer>"), 0)
        XCTAssertEqual(value(DigitReward(compatibility: .fixed), "<answer>-1,000.5</answer>"), 0.5)
        XCTAssertEqual(value(CorrectnessReward(compatibility: .seed), "<answer>18.0</answer>"), 0)
        XCTAssertEqual(value(CorrectnessReward(compatibility: .fixed), "<answer>18.0</answer>"), 2)
        XCTAssertEqual(value(CorrectnessReward(compatibility: .fixed), "<answer>18 个</answer>"), 2)
        XCTAssertEqual(value(CorrectnessReward(compatibility: .fixed), "<answer>19 个</answer>"), 0)
        XCTAssertEqual(value(CorrectnessReward(compatibility: .seed), "<answer>\u{3000}18\u{A0}</answer>"), 2)
    }

    func testAnswerExtraction() {
        XCTAssertEqual(AnswerExtraction.answer(in: "<answer>\n 17 </answer><answer>\u{3000}18\n</answer>x"), "18")
        XCTAssertEqual(AnswerExtraction.answer(in: "  no tags\n"), "no tags")
        XCTAssertEqual(AnswerExtraction.answer(in: "<answer>18"), "18")
        XCTAssertEqual(AnswerExtraction.answer(in: "18</answer>19</answer>"), "18")
        XCTAssertEqual(AnswerExtraction.answer(in: "\u{200B}18"), "\u{200B}18")
    }
}
