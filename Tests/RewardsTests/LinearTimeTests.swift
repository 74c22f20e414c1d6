import Rewards
import XCTest

/// Every reward's time grows linearly with the text on the adversarial workloads: an eight
/// times longer text must cost well under 24 times as much (linear: about 8, with cache
/// effects; a backtracking matcher's quadratic blow-up: 64). Debug builds are slow, so the test
/// compares ratios; the absolute figures (release) come from `grpo rewards --benchmark`.
final class LinearTimeTests: XCTestCase {
    private func bestTime(_ reward: any RewardFunction, _ text: String) -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<3 {
            let elapsed = clock.measure { _ = reward.reward(completion: text, answer: "18") }
            best = min(best, Double(elapsed.components.attoseconds) * 1e-18 + Double(elapsed.components.seconds))
        }
        return best
    }

    func testAdversarialTextsCostLinearTime() throws {
        let small = RewardWorkloads.adversarialCompletions(bytes: 32 << 10)
        let large = RewardWorkloads.adversarialCompletions(bytes: 256 << 10)
        XCTAssertEqual(small.map(\.name), large.map(\.name))
        for compatibility in RewardCompatibility.allCases {
            let scorer = try RewardScorer(configuration: RewardConfiguration(compat: compatibility))
            for (smallCase, largeCase) in zip(small, large) {
                for reward in scorer.functions {
                    let smallTime = max(bestTime(reward, smallCase.completion), 20e-6)
                    let largeTime = bestTime(reward, largeCase.completion)
                    XCTAssertLessThan(largeTime / smallTime, 24,
                                      "\(compatibility) \(reward.name) on \(largeCase.name): \(smallTime) s → \(largeTime) s")
                }
            }
        }
    }

    func testWorkloadsAreDeterministic() {
        let first = RewardWorkloads.typicalCompletions(count: 50, seed: 7)
        let again = RewardWorkloads.typicalCompletions(count: 50, seed: 7)
        XCTAssertEqual(first.map(\.completion), again.map(\.completion))
        XCTAssertNotEqual(first.map(\.completion), RewardWorkloads.typicalCompletions(count: 50, seed: 8).map(\.completion))
        let meanBytes = first.reduce(0) { $0 + $1.completion.utf8.count } / first.count
        XCTAssertTrue((700...900).contains(meanBytes), "mean completion is \(meanBytes) bytes")
    }
}
