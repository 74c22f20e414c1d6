import Foundation
import ModelFiles
import Tensors
import XCTest
@testable import Training

/// Every LoRA gradient equals PyTorch + PEFT's for the GRPO loss as TRL defines it, on tiny
/// Qwen2 (tied embeddings, QKV bias) and Llama (separate lm_head, rsLoRA) models, for every
/// loss type, reward scaling, β = 0 and β ≠ 0, truncation, and μ = 2 with AdamW between.
final class GradientParityTests: XCTestCase {
    static let tolerance = 1e-4

    func testQwen2GradientsMatchPyTorch() throws { try checkSingleIterationCases("tiny-qwen2") }
    func testLlamaGradientsMatchPyTorch() throws { try checkSingleIterationCases("tiny-llama") }
    func testQwen2TwoIterationsMatchPyTorch() throws { try checkTwoIterations("tiny-qwen2") }
    func testLlamaTwoIterationsMatchPyTorch() throws { try checkTwoIterations("tiny-llama") }

    private func checkSingleIterationCases(_ model: String) throws {
        let fixture = try TrainingFixture(model)
        for c in fixture.cases where (c["num_iterations"] as! Int) == 1 {
            let name = c["name"] as! String
            let adapter = try fixture.adapter()
            let updater = GRPOUpdater(policy: PolicyModel(base: fixture.decoder, adapter: adapter),
                                      settings: TrainingFixture.settings(c), microBatchSize: 64)
            let batch = TrainingBatch(groups: fixture.groups, settings: updater.settings, microBatchSize: 64)
            let metrics = updater.computeGradients(batch, baselines: updater.baselines(for: batch))
            try compare(metrics, c, context: "\(model) \(name)")
            try compareTensors(adapter, updater.gradients, with: fixture.tensors("grads-\(name).safetensors"),
                               context: "\(model) \(name) gradient")
        }
    }

    private func checkTwoIterations(_ model: String) throws {
        let fixture = try TrainingFixture(model)
        let c = fixture.cases.first { $0["name"] as! String == "mu2" }!
        let adapter = try fixture.adapter()
        let updater = GRPOUpdater(policy: PolicyModel(base: fixture.decoder, adapter: adapter),
                                  settings: TrainingFixture.settings(c), microBatchSize: 64)
        let batch = TrainingBatch(groups: fixture.groups, settings: updater.settings, microBatchSize: 64)
        let betas = c["betas"] as! [Double]
        let optimizer = AdamW(parameterCount: adapter.parameterCount, beta1: Float(betas[0]), beta2: Float(betas[1]),
                              epsilon: (c["eps"] as! NSNumber).floatValue, weightDecay: (c["weight_decay"] as! NSNumber).floatValue)
        let lr = (c["lr"] as! NSNumber).floatValue
        // Clipping scales the gradient in place; keep the unclipped second one to compare.
        var secondGradient: FloatBuffer?
        let steps = updater.step(batch, optimizer: optimizer, schedule: LearningRateSchedule(kind: .constant, peak: lr, totalSteps: 2),
                                 maxGradNorm: (c["max_grad_norm"] as! NSNumber).floatValue, stepsDone: 0) { iteration, gradients in
            if iteration == 1 { secondGradient = FloatBuffer(gradients.toArray()) }
        }
        XCTAssertEqual(steps.count, 2)
        XCTAssertEqual(Double(steps[0].gradNorm), (c["grad_norm_1"] as! NSNumber).doubleValue, accuracy: 1e-4 * 5)
        XCTAssertEqual(Double(steps[1].gradNorm), (c["grad_norm_2"] as! NSNumber).doubleValue, accuracy: 1e-4 * 5)
        try compare(steps[1].loss, c, context: "\(model) mu2 iteration 2")
        try compareTensors(adapter, secondGradient!, with: fixture.tensors("grads-mu2.safetensors"), context: "\(model) mu2 gradient 2")
        try compareTensors(adapter, adapter.parameters, with: fixture.tensors("params-mu2.safetensors"), context: "\(model) mu2 parameters")
    }

    private func compare(_ metrics: LossMetrics, _ c: [String: Any], context: String) throws {
        let expected = c["metrics"] as! [String: Any]
        func value(_ key: String) -> Double { (expected[key] as! NSNumber).doubleValue }
        XCTAssertEqual(Double(metrics.loss), (c["loss"] as! NSNumber).doubleValue, accuracy: 1e-5, "\(context) loss")
        if expected["kl"] != nil { XCTAssertEqual(Double(metrics.kl), value("kl"), accuracy: 1e-4 * max(1, value("kl")), "\(context) kl") }
        XCTAssertEqual(Double(metrics.clipRatioLow), value("clip_ratio/low_mean"), accuracy: 1e-6, "\(context) low clip")
        XCTAssertEqual(Double(metrics.clipRatioHigh), value("clip_ratio/high_mean"), accuracy: 1e-6, "\(context) high clip")
        XCTAssertEqual(Double(metrics.clipRatioRegion), value("clip_ratio/region_mean"), accuracy: 1e-6, "\(context) region clip")
    }

    private func compareTensors(_ adapter: LoRAAdapter, _ buffer: FloatBuffer, with reference: SafetensorsFile, context: String) throws {
        XCTAssertEqual(Set(reference.tensorNames), Set(adapter.tensors.map(\.peftName)), context)
        var worst = 0.0
        for t in adapter.tensors {
            var expected = [Float](repeating: 0, count: t.count)
            try expected.withUnsafeMutableBufferPointer { try reference.read(t.peftName, into: $0) }
            let error = relativeError(adapter.values(of: t, in: buffer), expected)
            worst = max(worst, error)
            XCTAssertLessThan(error, Self.tolerance, "\(context): \(t.peftName) relative error \(error)")
        }
        print("\(context): worst relative error \(worst)")
    }
}
