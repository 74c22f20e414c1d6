import Tensors

/// Teacher-forced log-probabilities: for each sequence, logprobs[i] = log p(ids[i+1] | ids[...i]).
///
/// Sequences are packed into forwards of at most `maxRowsPerForward` tokens, and the
/// vocabulary-sized logits are materialised `logitRows` rows at a time, reduced to one
/// log-softmax-and-gather value per row as they go.
public final class SequenceScorer {
    public let decoder: DecoderModel
    public var maxRowsPerForward = 1024
    public var logitRows = 64
    private let workspace: DecoderWorkspace

    public init(decoder: DecoderModel, threads: Int = Compute.threads) {
        self.decoder = decoder
        self.workspace = DecoderWorkspace(threads: threads)
    }

    public func score(_ sequences: [[Int32]]) -> [[Float]] {
        var results = [[Float]](repeating: [], count: sequences.count)
        var batch: [Int] = []
        var rows = 0
        func flush() {
            guard !batch.isEmpty else { return }
            let scored = scorePacked(batch.map { sequences[$0] })
            for (i, s) in batch.enumerated() { results[s] = scored[i] }
            batch.removeAll()
            rows = 0
        }
        for (i, seq) in sequences.enumerated() {
            if rows + seq.count > maxRowsPerForward { flush() }
            batch.append(i)
            rows += seq.count
        }
        flush()
        return results
    }

    private func scorePacked(_ sequences: [[Int32]]) -> [[Float]] {
        let config = decoder.config
        let vocab = config.vocabSize, d = config.hiddenSize
        let total = sequences.reduce(0) { $0 + $1.count }
        let cache = KVCache(config: config, capacity: total)
        let rows = sequences.map { cache.allocate($0.count) }
        let hidden = decoder.forward(TokenSlot.causal(sequences, rows: rows), cache: cache, workspace: workspace)

        // target[r] is the id that follows row r within its sequence (−1: last row, no target).
        var target = [Int32](repeating: -1, count: total)
        for (seq, range) in zip(sequences, rows) {
            for i in 0..<(seq.count - 1) { target[range.lowerBound + i] = seq[i + 1] }
        }
        var logprob = [Float](repeating: 0, count: total)
        let logits = FloatBuffer(count: logitRows * vocab)
        var start = 0
        while start < total {
            let n = min(logitRows, total - start)
            decoder.logits(hidden: hidden + start * d, rows: n, into: logits.pointer)
            for r in 0..<n where target[start + r] >= 0 {
                let row = logits.pointer + r * vocab
                logprob[start + r] = row[Int(target[start + r])] - FastMath.logSumExp(row, vocab)
            }
            start += n
        }
        return zip(sequences, rows).map { seq, range in
            Array(logprob[range.lowerBound..<(range.lowerBound + seq.count - 1)])
        }
    }
}
