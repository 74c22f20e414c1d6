import Foundation
import LanguageModel
import SeededRandom
import Tensors
import TestSupport
import XCTest
@testable import Training

/// Every hand-written backward against finite differences of its forward.
///
/// The per-op checks differentiate a Double re-implementation of the forward (after checking
/// that the Float kernel computes the same function): a central difference with h = 1e-5 then
/// carries ~1e-10 error, so the Float backward is held to 1e-5 relative.
///
/// The whole-loss checks must differentiate the Float32 model itself, whose loss is summed
/// from Float32 per-token terms: with h = 1e-3 rounding leaves errors of order 1e-5 in the
/// difference quotient (≤ 8e-5 observed, ≤ 0.3% of the larger gradients) and the truncation
/// error O(h²·L''') stays below that. Each coordinate is allowed 1% relative plus an absolute
/// floor of 0.2% of the largest gradient checked; the quotient divides by the step as Float
/// rounds it.
final class FiniteDifferenceTests: XCTestCase {
    /// dx of `BackwardKernels.rmsNorm` is the gradient of Σ dy · rmsnorm(x), and `accumulate`
    /// adds it to what dx held. dim 40 runs both the 16-lane loop and the scalar tail.
    func testRMSNormBackwardMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 1)
        let rows = 3, dim = 40, eps: Float = 1e-6
        let x = randomFloats(rows * dim, &rng, scale: 2), w = randomFloats(dim, &rng), dy = randomFloats(rows * dim, &rng)
        func reference(_ x: [Double]) -> [Double] {
            (0..<rows * dim).map { i in
                let r = i / dim, row = x[(r * dim)..<((r + 1) * dim)]
                let rstd = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(dim) + Double(eps)).squareRoot()
                return x[i] * rstd * Double(w[i % dim])
            }
        }
        var out = [Float](repeating: 0, count: rows * dim), rstd = [Float](repeating: 0, count: rows)
        Kernels.rmsNorm(x, weight: w, out: &out, rows: rows, dim: dim, eps: eps, rstd: &rstd)
        XCTAssertLessThan(maxAbsDifference(out.map(Double.init), reference(x.map(Double.init))), 1e-5, "forward ≠ reference")
        let numeric = numericGradient(x.map(Double.init)) { dot(reference($0), dy.map(Double.init)) }

        var dx = [Float](repeating: 0, count: rows * dim)
        BackwardKernels.rmsNorm(x, weight: w, rstd: rstd, dy: dy, dx: &dx, rows: rows, dim: dim, accumulate: false)
        let error = relativeError(dx.map(Double.init), numeric)
        XCTAssertLessThan(error, 1e-5)
        let residual = randomFloats(rows * dim, &rng)
        var accumulated = residual
        BackwardKernels.rmsNorm(x, weight: w, rstd: rstd, dy: dy, dx: &accumulated, rows: rows, dim: dim, accumulate: true)
        XCTAssertLessThan(maxAbsDifference(accumulated.map(Double.init), zip(residual, dx).map { Double($0 + $1) }), 1e-6)
        print("rmsNorm backward: relative error \(error)")
    }

    /// dgate and dup of `BackwardKernels.siluMul` are the gradients of Σ dOut · silu(g) · u.
    func testSiLUMulBackwardMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 2)
        let count = 37
        let gate = randomFloats(count, &rng, scale: 5), up = randomFloats(count, &rng), dOut = randomFloats(count, &rng)
        func f(_ g: [Double], _ u: [Double]) -> Double {
            (0..<count).reduce(0) { $0 + Double(dOut[$1]) * g[$1] / (1 + exp(-g[$1])) * u[$1] }
        }
        let g = gate.map(Double.init), u = up.map(Double.init)
        var out = [Float](repeating: 0, count: count)
        Kernels.siluMul(gate: gate, up: up, out: &out, count: count)
        XCTAssertLessThan(abs(dot(out.map(Double.init), dOut.map(Double.init)) - f(g, u)), 1e-5, "forward ≠ reference")
        var dGate = [Float](repeating: 0, count: count), dUp = [Float](repeating: 0, count: count)
        BackwardKernels.siluMul(gate: gate, up: up, dOut: dOut, dGate: &dGate, dUp: &dUp, count: count)
        let gateError = relativeError(dGate.map(Double.init), numericGradient(g) { f($0, u) })
        let upError = relativeError(dUp.map(Double.init), numericGradient(u) { f(g, $0) })
        XCTAssertLessThan(gateError, 1e-5)
        XCTAssertLessThan(upError, 1e-5)
        print("siluMul backward: relative error dgate \(gateError), dup \(upError)")
    }

    /// `apply(inverse: true)` is the transpose of the rotation: ⟨R x, y⟩ = ⟨x, Rᵀ y⟩.
    /// (At positions > 0 R is not symmetric, so applying R again would fail this.)
    func testRoPEInverseIsTheTranspose() {
        var rng = SplitMix64(seed: 3)
        var worst = 0.0
        for (headDim, theta) in [(8, 1e6), (64, 10000.0)] {
            let rope = RotaryEmbedding(headDim: headDim, theta: theta, positions: 600)
            for position in [0, 1, 7, 100, 511] {
                let heads = 3, x = randomFloats(heads * headDim, &rng), y = randomFloats(heads * headDim, &rng)
                var rx = x, rty = y
                rope.apply(&rx, heads: heads, position: position)
                rope.apply(&rty, heads: heads, position: position, inverse: true)
                let lhs = dot(rx.map(Double.init), y.map(Double.init)), rhs = dot(x.map(Double.init), rty.map(Double.init))
                let error = abs(lhs - rhs) / (norm(x) * norm(y))
                worst = max(worst, error)
                XCTAssertLessThan(error, 1e-6, "headDim \(headDim) position \(position)")
            }
        }
        print("RoPE adjoint: worst |⟨Rx,y⟩ − ⟨x,Rᵀy⟩| / (|x||y|) \(worst)")
    }

    /// dQ, dK and dV of `Attention.backward` are the gradients of Σ dOut · attention(q, k, v),
    /// with the [q | k | v] rows of a training batch (shared prompt prefixes, own rows),
    /// grouped-query heads, and the kv heads split in two calls as the threads split them.
    /// headDim 8 is the tiny models'; 24 also runs the 16-lane loops.
    func testAttentionBackwardMatchesFiniteDifferences() throws {
        let json = try Data(contentsOf: Fixtures.models.appendingPathComponent("tiny-qwen2/config.json"))
        let tiny = try JSONDecoder().decode(ModelConfig.self, from: json)
        let wide = ModelConfig(modelType: "llama", vocabSize: 16, hiddenSize: 96, intermediateSize: 32, numHiddenLayers: 1,
                               numAttentionHeads: 4, numKeyValueHeads: 2, headDim: 24, rmsNormEps: 1e-6, ropeTheta: 1e4,
                               maxPositionEmbeddings: 64, tieWordEmbeddings: true, attentionBias: false)
        let slots = PackedSequences(groups: [([1, 2, 3], [[4, 5, 6], [7, 8]]), ([9, 10], [[11, 12, 13]])]).slots
        XCTAssertTrue(slots.contains { !$0.prefix.isEmpty })
        var rng = SplitMix64(seed: 4)
        for config in [tiny, wide] {
            let qDim = config.qDim, kvDim = config.kvDim, stride = qDim + 2 * kvDim, n = slots.count
            let qkv = randomFloats(n * stride, &rng, scale: 1.5), dOut = randomFloats(n * qDim, &rng)
            var out = [Float](repeating: 0, count: n * qDim), lse = [Float](repeating: 0, count: n * config.numAttentionHeads)
            var dqkv = [Float](repeating: 0, count: n * stride), scores = [Float](repeating: 0, count: n)
            qkv.withUnsafeBufferPointer { p in
                let q = p.baseAddress!, k = q + qDim, v = k + kvDim
                Attention.forward(q: q, qStride: stride, keys: k, values: v, kvStride: stride, out: &out, slots: slots[...],
                                  config: config, scores: &scores, logSumExp: &lse)
                dqkv.withUnsafeMutableBufferPointer { d in
                    let dq = d.baseAddress!
                    for heads in [0..<1, 1..<config.numKeyValueHeads] {
                        Attention.backward(q: q, qStride: stride, keys: k, values: v, kvStride: stride, out: out, dOut: dOut,
                                           logSumExp: lse, dQ: dq, dKeys: dq + qDim, dValues: dq + qDim + kvDim,
                                           slots: slots, kvHeads: heads, config: config, scores: &scores)
                    }
                }
            }
            let x = qkv.map(Double.init)
            XCTAssertLessThan(maxAbsDifference(out.map(Double.init), attentionReference(x, slots: slots, config: config)), 1e-5)
            let numeric = numericGradient(x) { dot(attentionReference($0, slots: slots, config: config), dOut.map(Double.init)) }
            for (name, columns) in [("dQ", 0..<qDim), ("dK", qDim..<(qDim + kvDim)), ("dV", (qDim + kvDim)..<stride)] {
                let pick = { (a: [Double]) in (0..<n).flatMap { r in columns.map { a[r * stride + $0] } } }
                let error = relativeError(pick(dqkv.map(Double.init)), pick(numeric))
                XCTAssertLessThan(error, 1e-5, "headDim \(config.headDim) \(name)")
                print("attention backward, headDim \(config.headDim): \(name) relative error \(error)")
            }
        }
    }

    /// The LoRA gradient of the whole GRPO loss (β = 0.04, sampler log-probs as logp_old for
    /// group 0, several micro-batches) matches finite differences of the loss itself.
    func testQwen2LossGradientMatchesFiniteDifferences() throws { try checkWholeLoss("tiny-qwen2", dropout: 0) }
    func testLlamaLossGradientMatchesFiniteDifferences() throws { try checkWholeLoss("tiny-llama", dropout: 0) }

    /// With LoRA dropout the gradient is that of the loss under fixed masks: one dropout seed
    /// gives the same masks in every evaluation, so finite differences still apply.
    func testGradientWithLoRADropoutMatchesFiniteDifferences() throws {
        try checkWholeLoss("tiny-qwen2", dropout: 0.1)
        try checkWholeLoss("tiny-llama", dropout: 0.1)
    }

    private func checkWholeLoss(_ model: String, dropout: Float) throws {
        let fixture = try TrainingFixture(model)
        let loaded = try fixture.adapter()
        let c = loaded.config
        let adapter = LoRAAdapter(config: LoRAConfig(rank: c.rank, alpha: c.alpha, dropout: dropout, targets: c.targets,
                                                     useRSLoRA: c.useRSLoRA), modelConfig: fixture.decoder.config)
        adapter.copyParameters(from: loaded)
        var settings = GRPOSettings()
        settings.beta = 0.04
        let updater = GRPOUpdater(policy: PolicyModel(base: fixture.decoder, adapter: adapter), settings: settings)
        let batch = TrainingBatch(groups: fixture.groups, settings: settings, microBatchSize: 4)
        XCTAssertTrue(batch.completions.contains { $0.sampling != nil } && batch.completions.contains { $0.sampling == nil })
        // logp_old of completions without sampler log-probs: the policy at θ₀, computed once,
        // so that L(θ) is one fixed function (left nil it would follow θ, detached).
        var baselines = updater.baselines(for: batch)
        for mb in batch.microBatches {
            let logp = updater.policy.logProbs(mb.packed, useAdapter: true)
            for (j, k) in mb.completions.enumerated() where baselines.old[k] == nil {
                baselines.old[k] = Array(logp[mb.packed.completionTargets[j]])
            }
        }
        let seed: UInt64 = 11
        func loss() -> Double { Double(updater.computeGradients(batch, baselines: baselines, dropoutSeed: seed).loss) }
        let l0 = loss()
        let gradient = updater.gradients.toArray()
        if dropout > 0 {   // the masks must matter, or this repeats the test without dropout
            _ = updater.computeGradients(batch, baselines: baselines, dropoutSeed: seed + 100)
            XCTAssertGreaterThan(relativeError(updater.gradients.toArray().map(Double.init), gradient.map(Double.init)), 1e-2)
        }
        // The largest-gradient coordinate of every A and B tensor, and some random ones.
        var rng = SplitMix64(seed: 5)
        var coordinates = adapter.tensors.map { t in
            (t.offset..<(t.offset + t.count)).max { abs(gradient[$0]) < abs(gradient[$1]) }!
        }
        coordinates += (0..<12).map { _ in Int.random(in: 0..<adapter.parameterCount, using: &rng) }
        let floor = 2e-3 * coordinates.map { abs(Double(gradient[$0])) }.max()!
        let h: Float = 1e-3, p = adapter.parameters.pointer
        var skipped = 0, worst = 0.0
        for i in coordinates {
            let saved = p[i], up = saved + h, down = saved - h   // the steps as Float rounds them
            p[i] = up; let plus = loss()
            p[i] = down; let minus = loss()
            p[i] = saved
            let g = Double(gradient[i])
            // A clip boundary crossed inside ±h shows as one-sided slopes that disagree.
            let forward = (plus - l0) / Double(up - saved), backward = (l0 - minus) / Double(saved - down)
            if abs(forward - backward) > 0.5 * abs(g) + 10 * floor { skipped += 1; continue }
            let numeric = (plus - minus) / Double(up - down)
            let tolerance = 1e-2 * abs(g) + floor
            worst = max(worst, abs(numeric - g) / tolerance)
            XCTAssertEqual(g, numeric, accuracy: tolerance, "\(model) parameter \(i)")
        }
        XCTAssertLessThanOrEqual(skipped, 2, "\(model): too many coordinates at a clip boundary")
        XCTAssertGreaterThan(floor, 0)
        print("\(model) dropout \(dropout): \(coordinates.count) coordinates, \(skipped) skipped, "
              + "worst |fd − g| at \(worst) of its tolerance, floor \(floor)")
    }
}

// MARK: Double references and helpers

private func randomFloats(_ count: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

/// ∂f/∂x by central differences in Double.
private func numericGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var x = x
    return x.indices.map { i in
        let saved = x[i]
        x[i] = saved + h; let plus = f(x)
        x[i] = saved - h; let minus = f(x)
        x[i] = saved
        return (plus - minus) / (2 * h)
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
private func norm(_ a: [Float]) -> Double { dot(a.map(Double.init), a.map(Double.init)).squareRoot() }
private func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
private func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    (zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / max(dot(b, b), 1e-300)).squareRoot()
}

/// Grouped-query attention over [q | k | v] rows, in Double, each row attending to its
/// slot's prefix rows and then its own rows up to itself.
private func attentionReference(_ qkv: [Double], slots: [TokenSlot], config: ModelConfig) -> [Double] {
    let hd = config.headDim, qDim = config.qDim, kvDim = config.kvDim, stride = qDim + 2 * kvDim
    var out = [Double](repeating: 0, count: slots.count * qDim)
    for (r, slot) in slots.enumerated() {
        let keys = Array(slot.prefix) + Array(slot.ownStart...slot.cacheRow)
        for h in 0..<config.numAttentionHeads {
            let q = r * stride + h * hd, kv = (h / config.headsPerKVHead) * hd
            let s = keys.map { row in
                (0..<hd).reduce(0.0) { $0 + qkv[q + $1] * qkv[row * stride + qDim + kv + $1] } / Double(hd).squareRoot()
            }
            let m = s.max()!, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
            for (j, row) in keys.enumerated() {
                for i in 0..<hd { out[r * qDim + h * hd + i] += e[j] / z * qkv[row * stride + qDim + kvDim + kv + i] }
            }
        }
    }
    return out
}
