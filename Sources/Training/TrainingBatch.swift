import GRPOCore

/// A batch of rollout groups made ready for the update: completions cut to the length
/// limit, advantages computed over whole groups, each completion's loss weight fixed by the
/// loss type over the whole batch, and the completions split into micro-batches.
///
/// Every weight is fixed before any micro-batch runs, so accumulating micro-batches gives the
/// gradient of one batch however it is split (except `bnpo`, which TRL defines per micro-batch).
public struct TrainingBatch: Sendable {
    public struct Completion: Sendable {
        public var group: Int
        public var ids: [Int32]
        /// The sampler's log-probs, cut like `ids`.
        public var sampling: [Float]?
        public var advantage: Float
        /// Loss weight of each of its tokens: the loss type's normaliser, 0 when masked.
        public var weight: Float
        public var truncated: Bool
    }

    public struct MicroBatch: Sendable {
        /// Indices into `completions`, in the order of `packed.completionTargets`.
        public var completions: [Int]
        public var packed: PackedSequences
    }

    public let groups: [RolloutGroup]
    public private(set) var completions: [Completion] = []
    public private(set) var microBatches: [MicroBatch] = []
    /// Completion tokens that count in the loss (not masked).
    public private(set) var lossTokens = 0

    /// - microBatchSize: completions per micro-batch (a group's prompt is run once per
    ///   micro-batch holding any of its completions).
    public init(groups: [RolloutGroup], settings: GRPOSettings, microBatchSize: Int) {
        self.groups = groups
        let advantages = Advantages.compute(groups.map { $0.completions.map(\.reward) }, scaling: settings.scaleRewards)
        let limit = settings.maxCompletionLength
        for (g, group) in groups.enumerated() {
            for (i, c) in group.completions.enumerated() {
                let cut = c.ids.count > limit
                completions.append(Completion(
                    group: g, ids: Array(c.ids.prefix(limit)), sampling: c.logprobs.map { Array($0.prefix(limit)) },
                    advantage: advantages[g][i], weight: 0, truncated: cut || c.finishReason == .length))
            }
        }
        let size = max(1, microBatchSize)
        for start in stride(from: 0, to: completions.count, by: size) {
            let members = Array(start..<min(start + size, completions.count))
            var packedGroups: [(prompt: [Int32], completions: [[Int32]])] = []
            var lastGroup = -1
            for k in members {
                let c = completions[k]
                if c.group != lastGroup {
                    packedGroups.append((groups[c.group].promptIDs, []))
                    lastGroup = c.group
                }
                packedGroups[packedGroups.count - 1].completions.append(c.ids)
            }
            microBatches.append(MicroBatch(completions: members, packed: PackedSequences(groups: packedGroups)))
        }
        assignWeights(settings)
    }

    private mutating func assignWeights(_ settings: GRPOSettings) {
        func counts(_ k: Int) -> Bool { !(settings.maskTruncatedCompletions && completions[k].truncated) }
        let n = Float(completions.count)
        lossTokens = completions.indices.filter(counts).reduce(0) { $0 + completions[$1].ids.count }
        for mb in microBatches {
            let mbTokens = mb.completions.filter(counts).reduce(0) { $0 + completions[$1].ids.count }
            for k in mb.completions where counts(k) {
                let length = Float(completions[k].ids.count)
                switch settings.lossType {
                case .grpo: completions[k].weight = 1 / (n * max(1, length))
                case .dapo: completions[k].weight = 1 / Float(max(1, lossTokens))
                case .drGRPO: completions[k].weight = 1 / (n * Float(settings.maxCompletionLength))
                case .bnpo: completions[k].weight = 1 / (Float(max(1, mbTokens)) * Float(microBatches.count))
                }
            }
        }
    }
}
