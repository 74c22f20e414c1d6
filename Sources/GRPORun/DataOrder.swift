import SeededRandom

/// The order prompts are drawn in: a seeded shuffle of the data set per epoch, walked
/// in order. The position is two integers, so a checkpoint can resume it exactly.
public struct DataOrder: Sendable, Equatable {
    public let count: Int
    public let seed: UInt64
    public private(set) var epoch = 0
    public private(set) var offset = 0
    private var permutation: [Int]

    public init(count: Int, seed: UInt64, epoch: Int = 0, offset: Int = 0) {
        precondition(count > 0, "no data to draw from")
        self.count = count
        self.seed = seed
        self.epoch = epoch
        self.offset = offset
        self.permutation = Self.permutation(count: count, seed: seed, epoch: epoch)
    }

    /// Starts at `position` draws into the order (epoch `position / count`).
    public init(count: Int, seed: UInt64, position: Int) {
        self.init(count: count, seed: seed, epoch: position / max(count, 1), offset: position % max(count, 1))
    }

    /// Draws taken so far over all epochs: draw k is the k-th index this order yields.
    public var position: Int { epoch * count + offset }

    /// The next `n` data indices, crossing into the next epoch (a fresh shuffle) as needed.
    public mutating func next(_ n: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(n)
        while out.count < n {
            if offset == count {
                epoch += 1
                offset = 0
                permutation = Self.permutation(count: count, seed: seed, epoch: epoch)
            }
            out.append(permutation[offset])
            offset += 1
        }
        return out
    }

    /// Fisher–Yates with a SplitMix64 stream per epoch.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var rng = SplitMix64(seed: seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
        var p = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            p.swapAt(i, j)
        }
        return p
    }
}
