import Foundation
import SeededRandom
import XCTest
@testable import LanguageModel
import TestSupport

/// The sampler draws from the distribution transformers' warpers define.
final class SamplerTests: XCTestCase {
    func testSampledFrequenciesMatchTransformersWarpers() {
        let warpers = Fixtures.reference["warpers"] as! [String: Any]
        let logits = (warpers["logits"] as! [Any]).floats
        for case let c as [String: Any] in warpers["cases"] as! [Any] {
            let probs = (c["probs"] as! [Any]).floats
            let parameters = SamplingParameters(temperature: Float((c["temperature"] as! NSNumber).doubleValue),
                                                topP: Float((c["top_p"] as! NSNumber).doubleValue),
                                                topK: (c["top_k"] as! NSNumber).intValue, seed: 7)
            var sampler = Sampler(parameters: parameters, vocabSize: logits.count)
            var rng = RandomSource(seed: 7)
            let draws = 40_000
            var counts = [Int](repeating: 0, count: logits.count)
            logits.withUnsafeBufferPointer { row in
                for _ in 0..<draws { counts[Int(sampler.sample(row.baseAddress!, rng: &rng).token)] += 1 }
            }
            for (i, p) in probs.enumerated() {
                let freq = Double(counts[i]) / Double(draws)
                if p == 0 {
                    XCTAssertEqual(counts[i], 0, "token \(i) is filtered out by transformers: \(c)")
                } else {
                    // 5 standard deviations of a binomial frequency.
                    let sd = (Double(p) * (1 - Double(p)) / Double(draws)).squareRoot()
                    XCTAssertEqual(freq, Double(p), accuracy: 5 * sd + 1e-4, "token \(i): \(c)")
                }
            }
        }
    }

    func testLogprobIsAtTemperatureOne() {
        let logits: [Float] = [2, 1, 0.5, -1]
        let logZ = log(logits.map { exp(Double($0)) }.reduce(0, +))
        var sampler = Sampler(parameters: SamplingParameters(temperature: 0.3), vocabSize: 4)
        var rng = RandomSource(seed: 1)
        for _ in 0..<50 {
            let (token, logprob) = logits.withUnsafeBufferPointer { sampler.sample($0.baseAddress!, rng: &rng) }
            XCTAssertEqual(Double(logprob), Double(logits[Int(token)]) - logZ, accuracy: 1e-5)
        }
    }

    func testSameSeedSameTokens() {
        let logits = (0..<1000).map { Float(sin(Double($0))) * 4 }
        func run(seed: UInt64) -> [Int32] {
            var sampler = Sampler(parameters: SamplingParameters(temperature: 0.9, topP: 0.95), vocabSize: logits.count)
            var rng = RandomSource(seed: seed)
            return (0..<64).map { _ in logits.withUnsafeBufferPointer { sampler.sample($0.baseAddress!, rng: &rng).token } }
        }
        XCTAssertEqual(run(seed: 42), run(seed: 42))
        XCTAssertNotEqual(run(seed: 42), run(seed: 43))
    }
}
