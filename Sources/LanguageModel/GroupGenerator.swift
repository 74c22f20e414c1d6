import Dispatch
import GRPOCore
import SeededRandom
import Tensors

/// One sampled continuation of a prompt.
public struct Completion: Sendable, Equatable {
    /// Sampled ids, including the end-of-sequence token when `finishReason == .stop`.
    public var ids: [Int32]
    /// log p(ids[i] | prompt, ids[..<i]) under the model at temperature 1.
    public var logprobs: [Float]
    public var finishReason: FinishReason
}

/// Batched sampling of groups of completions, the rollout workhorse.
///
/// Each group's prompt is prefilled once (all prompts packed into one forward), and its G
/// completions attend to those shared cache rows. Then every step decodes one token for all
/// unfinished sequences of all groups in one forward; finished sequences leave the batch, so
/// they stop costing compute.
public final class GroupGenerator {
    public let decoder: DecoderModel
    public let stopTokens: Set<Int32>
    private let workspace: DecoderWorkspace
    private let threads: Int

    public init(decoder: DecoderModel, stopTokens: Set<Int32>, threads: Int = Compute.threads) {
        self.decoder = decoder
        self.stopTokens = stopTokens
        self.workspace = DecoderWorkspace(threads: threads)
        self.threads = max(1, threads)
    }

    /// Samples `groupSize` completions for each prompt. Sequence j of group g draws from its
    /// own random stream (seed, g·groupSize + j), so results do not depend on batching.
    /// `onStep` is called after each decode step with the number of sequences still running.
    public func generate(prompts: [[Int32]], groupSize: Int, parameters: SamplingParameters,
                         onStep: ((Int) -> Void)? = nil) -> [[Completion]] {
        let config = decoder.config
        let vocab = config.vocabSize
        let maxNew = parameters.maxTokens
        precondition(prompts.allSatisfy { !$0.isEmpty }, "every prompt needs at least one token")
        let totalRows = prompts.reduce(0) { $0 + $1.count } + prompts.count * groupSize * maxNew
        let cache = KVCache(config: config, capacity: totalRows)

        // Prefill: all prompts in one packed forward; keep each prompt's last hidden row.
        let promptRows = prompts.map { cache.allocate($0.count) }
        let hidden = decoder.forward(TokenSlot.causal(prompts, rows: promptRows), cache: cache, workspace: workspace)
        let d = config.hiddenSize
        let lastRows = FloatBuffer(count: prompts.count * d)
        var offset = 0
        for (g, prompt) in prompts.enumerated() {
            offset += prompt.count
            (lastRows.pointer + g * d).update(from: hidden + (offset - 1) * d, count: d)
        }
        let logits = FloatBuffer(count: max(prompts.count, prompts.count * groupSize) * vocab)
        decoder.logits(hidden: lastRows.pointer, rows: prompts.count, into: logits.pointer)

        // One state per sequence.
        struct Running: RandomStreamOwner { var group: Int; var own: Range<Int>; var rng: RandomSource; var completion: Completion }
        // One sampler (scratch row) per thread; each sequence owns its random stream, so the
        // tokens do not depend on how rows are split across threads.
        var samplers = (0..<threads).map { _ in Sampler(parameters: parameters, vocabSize: vocab) }
        var sequences: [Running] = []
        for g in prompts.indices {
            for j in 0..<groupSize {
                sequences.append(Running(group: g, own: cache.allocate(maxNew),
                                         rng: RandomSource(seed: parameters.seed, stream: UInt64(g * groupSize + j)),
                                         completion: Completion(ids: [], logprobs: [], finishReason: .length)))
            }
        }
        // The first token of every sequence comes from its prompt's last logits row.
        var active: [Int] = []
        for s in sequences.indices {
            let row = logits.pointer + sequences[s].group * vocab
            if record(&sequences[s].completion, samplers[0].sample(row, rng: &sequences[s].rng), maxNew: maxNew) {
                active.append(s)
            }
        }
        onStep?(active.count)

        var slots: [TokenSlot] = []
        slots.reserveCapacity(sequences.count)
        var choices = [(token: Int32, logprob: Float)](repeating: (0, 0), count: sequences.count)
        while !active.isEmpty {
            slots.removeAll(keepingCapacity: true)
            for s in active {
                let seq = sequences[s]
                let j = seq.completion.ids.count - 1   // the newest token is fed back
                slots.append(TokenSlot(token: seq.completion.ids[j], position: prompts[seq.group].count + j,
                                       cacheRow: seq.own.lowerBound + j, prefix: promptRows[seq.group],
                                       ownStart: seq.own.lowerBound))
            }
            let h = decoder.forward(slots, cache: cache, workspace: workspace)
            decoder.logits(hidden: h, rows: active.count, into: logits.pointer)
            sampleRows(active, logits: logits.pointer, vocab: vocab, sequences: &sequences, samplers: &samplers,
                       into: &choices)
            var stillActive: [Int] = []
            for (r, s) in active.enumerated() where record(&sequences[s].completion, choices[r], maxNew: maxNew) {
                stillActive.append(s)
            }
            active = stillActive
            onStep?(active.count)
        }

        var out: [[Completion]] = Array(repeating: [], count: prompts.count)
        for seq in sequences { out[seq.group].append(seq.completion) }
        return out
    }

    /// Samples the next token of every active sequence from its logits row ([rows, vocab]),
    /// rows split across the threads.
    private func sampleRows<State>(_ active: [Int], logits: UnsafePointer<Float>, vocab: Int,
                                   sequences: inout [State], samplers: inout [Sampler],
                                   into choices: inout [(token: Int32, logprob: Float)]) where State: RandomStreamOwner {
        let parts = min(samplers.count, active.count)
        sequences.withUnsafeMutableBufferPointer { seqs in
            samplers.withUnsafeMutableBufferPointer { samplers in
                choices.withUnsafeMutableBufferPointer { out in
                    DispatchQueue.concurrentPerform(iterations: parts) { p in
                        for r in (active.count * p / parts)..<(active.count * (p + 1) / parts) {
                            out[r] = samplers[p].sample(logits + r * vocab, rng: &seqs[active[r]].rng)
                        }
                    }
                }
            }
        }
    }

    /// Appends a sampled token; returns whether the sequence continues.
    private func record(_ c: inout Completion, _ choice: (token: Int32, logprob: Float), maxNew: Int) -> Bool {
        c.ids.append(choice.token)
        c.logprobs.append(choice.logprob)
        if stopTokens.contains(choice.token) { c.finishReason = .stop; return false }
        if c.ids.count >= maxNew { c.finishReason = .length; return false }
        return true
    }
}

/// A sequence's state that carries its own random stream.
protocol RandomStreamOwner {
    var rng: RandomSource { get set }
}
