import GRPORun
import GRPOProtocol

/// Which prompt each draw is, and which draws still need sampling.
///
/// Draw k is the k-th prompt of the learner's data order (`DataOrder`: a seeded shuffle per
/// epoch), so a draw number alone names its prompt, and resuming needs only the next draw
/// number and the draws that were out. Draws a lost worker held, or whose group came back
/// too stale, go back to the front of the queue.
final class DrawSchedule {
    let dataCount: Int
    let seed: UInt64
    private(set) var nextDraw: Int
    private var requeued: [Int] = []
    private var permutations: [Int: [Int]] = [:]

    init(dataCount: Int, seed: UInt64, nextDraw: Int = 0, requeued: [Int] = []) {
        self.dataCount = dataCount
        self.seed = seed
        self.nextDraw = nextDraw
        self.requeued = requeued.sorted()
    }

    /// The data index of draw `k`.
    func problemIndex(ofDraw k: Int) -> Int {
        let epoch = k / dataCount
        if permutations[epoch] == nil {
            permutations = [epoch: DataOrder.permutation(count: dataCount, seed: seed, epoch: epoch)]
        }
        return permutations[epoch]![k % dataCount]
    }

    /// The next draw to hand out: a returned one first, else a fresh one.
    func take() -> Int {
        if !requeued.isEmpty { return requeued.removeFirst() }
        defer { nextDraw += 1 }
        return nextDraw
    }

    /// A draw answered after it was given back: it no longer needs sampling.
    func forget(_ draw: Int) {
        requeued.removeAll { $0 == draw }
    }

    func giveBack(_ draws: [Int]) {
        requeued = (requeued + draws).sorted()
    }

    var pendingRequeued: [Int] { requeued }
}
