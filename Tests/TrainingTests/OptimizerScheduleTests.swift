import Foundation
import Tensors
import TestSupport
import XCTest
@testable import Training

/// The learning-rate schedules give transformers' rates step by step; the importance
/// correction weighs tokens as configured.
final class OptimizerScheduleTests: XCTestCase {
    func testSchedulesMatchTransformers() throws {
        let url = Fixtures.training.appendingPathComponent("schedules.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        for c in json["cases"] as! [[String: Any]] {
            let kind = LearningRateSchedule.Kind(rawValue: c["kind"] as! String)!
            let expected = (c["rates"] as! [NSNumber]).map(\.doubleValue)
            let schedule = LearningRateSchedule(kind: kind, peak: (c["peak"] as! NSNumber).floatValue,
                                                warmupRatio: (c["warmup_ratio"] as! NSNumber).floatValue,
                                                totalSteps: c["total"] as! Int)
            for (step, rate) in expected.enumerated() {
                XCTAssertEqual(Double(schedule.rate(afterSteps: step)), rate, accuracy: 1e-12 + 1e-6 * rate,
                               "\(kind) warmup \(c["warmup_ratio"]!) of \(c["total"]!), step \(step)")
            }
        }
    }

    func testImportanceWeightsTruncateOrMaskAtTheCap() {
        var settings = GRPOSettings()
        settings.importanceCap = 2
        for (mode, expected) in [(ImportanceCorrection.none, [Float(1), 1, 1]), (.truncate, [0.5, 1.5, 2]), (.mask, [0.5, 1.5, 0])] {
            settings.importanceCorrection = mode
            let objective = TokenObjective(settings: settings)
            let got = [0.5, 1.5, 3].map { w in objective.importanceWeight(old: logf(Float(w)), sampling: 0) }
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-6, "\(mode)") }
        }
    }

    /// With a correction, logp_old is the learner's recomputation and each token's policy
    /// term is weighed by e^(logp_old − logp_sampler): sampler log-probs equal to the policy's
    /// give the uncorrected gradient, and shifted ones scale it.
    func testImportanceCorrectionWeighsThePolicyTerm() throws {
        let fixture = try TrainingFixture("tiny-qwen2")
        var settings = GRPOSettings()
        settings.beta = 0
        let adapter = try fixture.adapter()
        let policy = PolicyModel(base: fixture.decoder, adapter: adapter)
        // Sampler log-probs equal to the current policy's: ratio 1 and weight 1 everywhere.
        var groups = fixture.groups
        let packed = PackedSequences(groups: groups.map { ($0.promptIDs, $0.completions.map(\.ids)) })
        let logp = policy.logProbs(packed, useAdapter: true)
        var k = 0
        for g in groups.indices {
            for c in groups[g].completions.indices {
                groups[g].completions[c].logprobs = Array(logp[packed.completionTargets[k]])
                k += 1
            }
        }
        func gradient(_ correction: ImportanceCorrection, shift: Float) -> [Float] {
            var s = settings
            s.importanceCorrection = correction
            var shifted = groups
            for g in shifted.indices {
                for c in shifted[g].completions.indices {
                    shifted[g].completions[c].logprobs = shifted[g].completions[c].logprobs!.map { $0 - shift }
                }
            }
            let updater = GRPOUpdater(policy: policy, settings: s, microBatchSize: 64)
            let batch = TrainingBatch(groups: shifted, settings: s, microBatchSize: 64)
            _ = updater.computeGradients(batch, baselines: updater.baselines(for: batch))
            return updater.gradients.toArray()
        }
        let plain = gradient(.none, shift: 0)
        XCTAssertLessThan(relativeError(gradient(.truncate, shift: 0), plain), 1e-5)
        // Sampler log-probs lower by log 1.5: every weight is 1.5 (under the cap of 2).
        let scaled = gradient(.truncate, shift: logf(1.5))
        XCTAssertLessThan(relativeError(scaled, plain.map { $0 * 1.5 }), 1e-4)
        // Lower by log 3: masked above the cap, so no policy gradient at all.
        XCTAssertEqual(gradient(.mask, shift: logf(3)).map(abs).max()!, 0, accuracy: 1e-12)
    }
}
