import Foundation
import Rewards
import XCTest

/// Configuration, registry and weighted totals.
final class RewardScorerTests: XCTestCase {
    private let perfect = "<think>\n5 + 13 = 18\n</think>\n<answer>\n18\n</answer>\n"

    func testDefaultsAreTheSeedsFiveInFixedModeWithUnitWeights() throws {
        let scorer = try RewardScorer()
        XCTAssertEqual(scorer.configuration.compat, .fixed)
        XCTAssertEqual(scorer.names, ["mark", "soft_format", "hard_format", "digit", "correctness"])
        XCTAssertEqual(scorer.weights, [1, 1, 1, 1, 1])
        let scores = scorer.score(completion: perfect, answer: "18")
        XCTAssertEqual(scores.values, [0.5, 0.5, 0.5, 0.5, 2.0])
        XCTAssertEqual(scores.total, 4.0)
    }

    func testWeightsAndOrderComeFromTheConfiguration() throws {
        let json = #"{"compat": "seed", "rewards": [{"name": "correctness", "weight": 0.5}, {"name": "mark"}]}"#
        let configuration = try JSONDecoder().decode(RewardConfiguration.self, from: Data(json.utf8))
        XCTAssertEqual(configuration.compat, .seed)
        let scorer = try RewardScorer(configuration: configuration)
        let scores = scorer.score(completion: perfect, answer: "18")
        XCTAssertEqual(scores.names, ["correctness", "mark"])
        XCTAssertEqual(scores.values, [2.0, 0.5])
        XCTAssertEqual(scores.total, 1.5)
        XCTAssertNil(scores["digit"])

        let empty = try JSONDecoder().decode(RewardConfiguration.self, from: Data("{}".utf8))
        XCTAssertEqual(empty, RewardConfiguration())
    }

    func testBadConfigurationsAreRefused() {
        XCTAssertThrowsError(try RewardScorer(configuration: RewardConfiguration(rewards: [.init(name: "length")]))) {
            XCTAssertEqual($0 as? RewardConfigurationError,
                           .unknownReward("length", known: RewardConfiguration.seedRewardNames))
        }
        XCTAssertThrowsError(try RewardScorer(configuration: RewardConfiguration(rewards: [.init(name: "mark"), .init(name: "mark")])))
        XCTAssertThrowsError(try RewardScorer(configuration: RewardConfiguration(rewards: [.init(name: "mark", weight: .nan)])))
        XCTAssertThrowsError(try RewardScorer(configuration: RewardConfiguration(rewards: [])))
    }

    func testANewRuleIsOneTypeAndOneRegistration() throws {
        struct LengthPenalty: RewardFunction {
            let name = "length_penalty"
            func reward(completion: String, answer: String) -> Float { -Float(completion.utf8.count) / 1000 }
        }
        var registry = RewardRegistry.standard
        registry.register("length_penalty") { _ in LengthPenalty() }
        XCTAssertEqual(registry.names.last, "length_penalty")
        let configuration = RewardConfiguration(rewards: [.init(name: "correctness"), .init(name: "length_penalty", weight: 2)])
        let scorer = try RewardScorer(configuration: configuration, registry: registry)
        let scores = scorer.score(completions: [perfect, "x"], answers: ["18", "18"])
        XCTAssertEqual(scores.map(\.total), [2.0 - 2 * Float(perfect.utf8.count) / 1000, -0.002])
    }
}
