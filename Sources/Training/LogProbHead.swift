import Dispatch
import Tensors

/// The output layer fused with log-softmax-and-gather, forward and backward.
///
/// Vocabulary-sized logits exist for `chunkRows` rows at a time: a chunk of predicting rows
/// is gathered, multiplied by the head, reduced to one log-probability per target, and (in
/// the backward) turned into ∂L/∂logits in place and multiplied back, before the next chunk.
///
///   logits = h · Wᵀ                         [c, V]
///   logp_t = logits[target_t] − logsumexp(logits)
///   ∂L/∂logits = Σ_t g_t · (onehot(target_t) − softmax(logits))     g_t = ∂L/∂logp_t
///   ∂L/∂h      = ∂L/∂logits · W             [c, d]
final class LogProbHead {
    let weight: Matrix         // [vocab, d], the lm_head (the embedding when tied)
    let threads: Int
    let chunkRows = 64
    private let gathered: FloatBuffer, logits: FloatBuffer, dGathered: FloatBuffer
    private let logSumExp: FloatBuffer    // [chunkRows]

    init(weight: Matrix, threads: Int) {
        self.weight = weight
        self.threads = max(1, threads)
        gathered = FloatBuffer(count: chunkRows * weight.cols)
        dGathered = FloatBuffer(count: chunkRows * weight.cols)
        logits = FloatBuffer(count: chunkRows * weight.rows)
        logSumExp = FloatBuffer(count: chunkRows)
    }

    /// logp of every target of `batch`, flat order.      hidden: [rows, d]
    func logProbs(hidden: UnsafePointer<Float>, batch: PackedSequences) -> [Float] {
        var logp = [Float](repeating: 0, count: batch.targetCount)
        forEachChunk(hidden: hidden, batch: batch) { chunk, _ in
            gather(chunk, batch: batch, into: &logp)
        }
        return logp
    }

    /// Writes ∂L/∂hidden into `dHidden` ([rows, d]; rows predicting nothing get zero) and
    /// returns every target's logp.
    func backward(hidden: UnsafePointer<Float>, batch: PackedSequences, dHidden: UnsafeMutablePointer<Float>,
                  tokenGradient: (Int, Float) -> Float) -> [Float] {
        let vocab = weight.rows, d = weight.cols
        dHidden.update(repeating: 0, count: batch.rowCount * d)
        var logp = [Float](repeating: 0, count: batch.targetCount)
        var coefficient = [Float](repeating: 0, count: batch.targetCount)
        forEachChunk(hidden: hidden, batch: batch) { chunk, rows in
            gather(chunk, batch: batch, into: &logp)
            var rowTotal = [Float](repeating: 0, count: chunk.count)
            for (c, i) in chunk.enumerated() {
                for k in batch.headStart[i]..<batch.headStart[i + 1] {
                    let t = batch.headTargets[k]
                    coefficient[t] = tokenGradient(t, logp[t])
                    rowTotal[c] += coefficient[t]
                }
            }
            // logits row ← Σ g_t · onehot_t − (Σ g_t) · softmax
            parallelRows(chunk.count) { c in
                let row = self.logits.pointer + c * vocab
                let lse = self.logSumExp[c]
                let total = rowTotal[c]
                var j = 0
                let lseV = Vec(repeating: lse), scaleV = Vec(repeating: -total)
                while j + 16 <= vocab {
                    Kernels.store(FastMath.exp(Kernels.load(row + j) - lseV) * scaleV, row + j)
                    j += 16
                }
                while j < vocab { row[j] = FastMath.exp(row[j] - lse) * -total; j += 1 }
                let i = chunk.lowerBound + c
                for k in batch.headStart[i]..<batch.headStart[i + 1] {
                    let t = batch.headTargets[k]
                    row[Int(batch.targetTokens[t])] += coefficient[t]
                }
            }
            BLAS.gemm(m: chunk.count, n: d, k: vocab, a: logits.pointer, lda: vocab, b: weight.pointer, ldb: d,
                      c: dGathered.pointer, ldc: d)
            for (c, row) in rows.enumerated() {
                (dHidden + row * d).update(from: dGathered.pointer + c * d, count: d)
            }
        }
        return logp
    }

    /// Gathers each chunk of head rows and computes its logits and log-sum-exps, then calls
    /// `body(range of headRows indices, their row numbers)`.
    private func forEachChunk(hidden: UnsafePointer<Float>, batch: PackedSequences,
                              _ body: (Range<Int>, ArraySlice<Int>) -> Void) {
        let vocab = weight.rows, d = weight.cols
        var start = 0
        while start < batch.headRows.count {
            let chunk = start..<min(start + chunkRows, batch.headRows.count)
            let rows = batch.headRows[chunk]
            for (c, row) in rows.enumerated() {
                (gathered.pointer + c * d).update(from: hidden + row * d, count: d)
            }
            MatMul.linear(gathered.pointer, weight.pointer, logits.pointer, m: chunk.count, n: vocab, k: d)
            parallelRows(chunk.count) { c in
                self.logSumExp[c] = FastMath.logSumExp(self.logits.pointer + c * vocab, vocab)
            }
            body(chunk, rows)
            start = chunk.upperBound
        }
    }

    /// logp[t] for the targets of the current chunk.
    private func gather(_ chunk: Range<Int>, batch: PackedSequences, into logp: inout [Float]) {
        let vocab = weight.rows
        for (c, i) in chunk.enumerated() {
            let row = logits.pointer + c * vocab
            for k in batch.headStart[i]..<batch.headStart[i + 1] {
                let t = batch.headTargets[k]
                logp[t] = row[Int(batch.targetTokens[t])] - logSumExp[c]
            }
        }
    }

    private func parallelRows(_ count: Int, _ body: (Int) -> Void) {
        let parts = min(threads, count)
        if parts <= 1 { for c in 0..<count { body(c) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            for c in (count * p / parts)..<(count * (p + 1) / parts) { body(c) }
        }
    }
}
