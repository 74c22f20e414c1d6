import Rewards
import XCTest

/// Every reward's time grows linearly with the text on the adversarial workloads: a sixteen
/// times longer text must cost under 64 times as much (linear: about 16; a backtracking
/// matcher's quadratic blow-up: 256). The 4× margin on each side and the best of five
/// interleaved runs keep a busy machine from deciding the result. Debug builds are slow, so
/// the test compares ratios; the absolute figures (release) come from `grpo rewards --benchmark`.
final class LinearTimeTests: XCTestCase {
    /// Best of five runs of each text, the two texts alternating so that a burst of load
    /// elsewhere slows both rather than one.
    private func bestTimes(_ reward: any RewardFunction, _ small: String, _ large: String) -> (Double, Double) {
        let clock = ContinuousClock()
        func seconds(_ text: String) -> Double {
            let elapsed = clock.measure { _ = reward.reward(completion: text, answer: "18") }
            return Double(elapsed.components.attoseconds) * 1e-18 + Double(elapsed.components.seconds)
        }
        var best = (Double.infinity, Double.infinity)
        for _ in 0..<5 {
            best.0 = min(best.0, seconds(small))
            best.1 = min(best.1, seconds(large))
        }
        return best
    }

    func testAdversarialTextsCostLinearTime() throws {
        let small = RewardWorkloads.adversarialCompletions(bytes: 16 << 10)
        let large = RewardWorkloads.adversarialCompletions(bytes: 256 << 10)
        XCTAssertEqual(small.map(\.name), large.map(\.name))
        for compatibility in RewardCompatibility.allCases {
            let scorer = try RewardScorer(configuration: RewardConfiguration(compat: compatibility))
            for (smallCase, largeCase) in zip(small, large) {
                for reward in scorer.functions {
                    let (measuredSmall, largeTime) = bestTimes(reward, smallCase.completion, largeCase.completion)
                    let smallTime = max(measuredSmall, 20e-6)
                    XCTAssertLessThan(largeTime / smallTime, 64,
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
