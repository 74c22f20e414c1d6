/// Applies BPE merges to one word, in the order Hugging Face's `Word::merge_all` does: always
/// the pair with the lowest merge rank next, the leftmost one among equal ranks. A min-heap of
/// candidate pairs keeps long words (a run of Chinese text is one word) at O(n log n).
enum BPEMerger {
    /// `symbols` are the ids of the word's bytes; the result is the merged ids.
    static func merge(_ symbols: [TokenID], merges: [UInt64: UInt64]) -> [TokenID] {
        let count = symbols.count
        if count < 2 { return symbols }
        if count == 2 {
            guard let merge = merges[BPEModel.pairKey(symbols[0], symbols[1])] else { return symbols }
            return [mergedID(merge)]
        }

        // Symbols form a linked list over positions; a merge keeps the left position and
        // retires the right one (its id becomes -1).
        var ids = symbols
        var next = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = i + 1 < count ? Int32(i + 1) : -1 }
            initialized = count
        }
        var previous = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(i - 1) }
            initialized = count
        }

        // Heap entries are `rank << 32 | position`, so ordering them orders by rank, then position.
        var queue = MinHeap()
        for position in 0..<(count - 1) {
            if let merge = merges[BPEModel.pairKey(ids[position], ids[position + 1])] {
                queue.push(rankBits(merge) | UInt64(position))
            }
        }

        while let entry = queue.pop() {
            let position = Int(entry & 0xFFFF_FFFF)
            let rank = entry >> 32
            guard ids[position] >= 0 else { continue }
            let right = Int(next[position])
            guard right >= 0,
                  let merge = merges[BPEModel.pairKey(ids[position], ids[right])],
                  merge >> 32 == rank else { continue }   // the pair changed since it was queued

            ids[position] = mergedID(merge)
            ids[right] = -1
            let afterRight = next[right]
            next[position] = afterRight
            if afterRight >= 0 { previous[Int(afterRight)] = Int32(position) }

            let left = Int(previous[position])
            if left >= 0, let merge = merges[BPEModel.pairKey(ids[left], ids[position])] {
                queue.push(rankBits(merge) | UInt64(left))
            }
            if afterRight >= 0, let merge = merges[BPEModel.pairKey(ids[position], ids[Int(afterRight)])] {
                queue.push(rankBits(merge) | UInt64(position))
            }
        }

        var result: [TokenID] = []
        var position = 0
        while position >= 0 {
            result.append(ids[position])
            position = Int(next[position])
        }
        return result
    }

    @inline(__always) private static func mergedID(_ merge: UInt64) -> TokenID {
        TokenID(bitPattern: UInt32(truncatingIfNeeded: merge))
    }

    @inline(__always) private static func rankBits(_ merge: UInt64) -> UInt64 {
        merge & 0xFFFF_FFFF_0000_0000
    }
}

/// A binary min-heap of packed `UInt64` keys.
struct MinHeap {
    private var storage: [UInt64] = []

    mutating func push(_ value: UInt64) {
        storage.append(value)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child] < storage[parent] else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = storage.first else { return nil }
        let last = storage.removeLast()
        if !storage.isEmpty {
            storage[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < storage.count else { break }
                let right = left + 1
                let smaller = right < storage.count && storage[right] < storage[left] ? right : left
                guard storage[smaller] < storage[parent] else { break }
                storage.swapAt(smaller, parent)
                parent = smaller
            }
        }
        return top
    }
}
