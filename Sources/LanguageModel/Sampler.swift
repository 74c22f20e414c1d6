import SeededRandom
import Tensors

/// How the next token is chosen. `temperature == 0` is greedy decoding.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float
    public var topP: Float       // 1 disables nucleus filtering
    public var topK: Int         // 0 disables top-k filtering
    public var maxTokens: Int
    public var seed: UInt64

    public init(temperature: Float = 1, topP: Float = 1, topK: Int = 0, maxTokens: Int = 200, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

/// Picks a token from one row of logits and reports its log-probability under the model at
/// temperature 1 (what the learner's importance ratio is computed against), whatever the
/// sampling temperature. Filters follow transformers' order: temperature, top-k, top-p.
///
/// Top-k / top-p never sort the whole vocabulary: candidates are the tokens whose weight is
/// above a threshold, and the threshold is lowered until the candidates hold the nucleus
/// (every non-candidate weighs less than every candidate, so the nucleus, a prefix of the
/// sorted order, lies within them once their mass reaches p).
public struct Sampler {
    public let parameters: SamplingParameters
    private let weights: FloatBuffer   // [vocab] unnormalised sampling weights, reused
    private var candidates: [Int32] = []

    public init(parameters: SamplingParameters, vocabSize: Int) {
        self.parameters = parameters
        weights = FloatBuffer(count: vocabSize)
        candidates.reserveCapacity(1024)
    }

    /// Chooses a token from `logits` ([vocab]) with `rng`; returns it with log p₁(token).
    public mutating func sample(_ logits: UnsafePointer<Float>, rng: inout RandomSource) -> (token: Int32, logprob: Float) {
        let vocab = weights.count
        let maxLogit = FastMath.max(logits, vocab)
        let logZ = maxLogit + Float(log(FastMath.sumExp(logits, vocab, shift: maxLogit)))
        let p = parameters
        if p.temperature <= 0 || p.topK == 1 {
            let best = argmax(logits, vocab)
            return (Int32(best), logits[best] - logZ)
        }
        let total = temperatureWeights(logits, maxLogit: maxLogit)
        let token = p.topK <= 0 && p.topP >= 1
            ? drawFromAll(weights.buffer, total: total, rng: &rng)
            : drawFiltered(weights.buffer, total: total, rng: &rng)
        return (Int32(token), logits[token] - logZ)
    }

    /// Fills `weights` with w_i = e^((l_i − max) / T), the unnormalised sampling
    /// distribution at the sampling temperature; returns Σ w_i.
    private func temperatureWeights(_ logits: UnsafePointer<Float>, maxLogit: Float) -> Double {
        let vocab = weights.count, w = weights.pointer
        let invT = 1 / parameters.temperature
        let invTv = Vec(repeating: invT), m = Vec(repeating: maxLogit)
        var i = 0
        var acc = Vec()
        while i + 16 <= vocab {
            let e = FastMath.exp((Kernels.load(logits + i) - m) * invTv)
            Kernels.store(e, w + i)
            acc += e
            i += 16
        }
        var total = Double(acc.sum())
        while i < vocab { w[i] = FastMath.exp((logits[i] - maxLogit) * invT); total += Double(w[i]); i += 1 }
        return total
    }

    private func argmax(_ x: UnsafePointer<Float>, _ n: Int) -> Int {
        var best = 0
        for i in 1..<n where x[i] > x[best] { best = i }
        return best
    }

    private func drawFromAll(_ w: UnsafeMutableBufferPointer<Float>, total: Double, rng: inout RandomSource) -> Int {
        let target = rng.unit() * total
        var cumulative = 0.0
        for i in 0..<w.count {
            cumulative += Double(w[i])
            if cumulative > target { return i }
        }
        return w.lastIndex(where: { $0 > 0 }) ?? 0
    }

    private mutating func drawFiltered(_ w: UnsafeMutableBufferPointer<Float>, total: Double, rng: inout RandomSource) -> Int {
        let p = parameters
        let k = p.topK > 0 ? min(p.topK, w.count) : w.count
        var threshold = Float(total) * 1e-4
        while true {
            candidates.removeAll(keepingCapacity: true)
            var mass = 0.0
            for i in 0..<w.count where w[i] >= threshold {
                candidates.append(Int32(i)); mass += Double(w[i])
            }
            // Enough when the candidates hold the top-k set and the top-p nucleus, or all tokens.
            let holdsTopK = p.topK <= 0 || candidates.count >= k
            let holdsNucleus = p.topP >= 1 || mass >= Double(p.topP) * total || candidates.count >= k
            if (holdsTopK && holdsNucleus) || threshold == 0 { break }
            threshold = threshold > 1e-30 ? threshold * 1e-3 : 0
        }
        // Heaviest first; ties by lower id, as a stable descending sort would order them.
        candidates.sort { w[Int($0)] != w[Int($1)] ? w[Int($0)] > w[Int($1)] : $0 < $1 }
        if candidates.count > k { candidates.removeLast(candidates.count - k) }
        var kept = candidates.count
        if p.topP < 1 {
            let keptMass = candidates.reduce(0.0) { $0 + Double(w[Int($1)]) }
            // Smallest prefix whose share of the (top-k) mass reaches top_p; at least one token.
            var cumulative = 0.0
            for (j, c) in candidates.enumerated() {
                cumulative += Double(w[Int(c)])
                if cumulative >= Double(p.topP) * keptMass { kept = j + 1; break }
            }
        }
        var keptMass = 0.0
        for j in 0..<kept { keptMass += Double(w[Int(candidates[j])]) }
        let target = rng.unit() * keptMass
        var cumulative = 0.0
        for j in 0..<kept {
            cumulative += Double(w[Int(candidates[j])])
            if cumulative > target { return Int(candidates[j]) }
        }
        return Int(candidates[kept - 1])
    }
}

#if canImport(Glibc)
import Glibc
#endif
