import Foundation

/// The BPE model stage with the byte-level mapping folded in: turns one pre-tokenized piece's
/// UTF-8 bytes into token ids. Each byte starts as the id of its byte-level character; merges
/// then join neighbours, lowest rank first.
///
/// Merges are keyed by the packed pair of ids (no strings on the hot path), and results for
/// recently seen words are cached.
struct BPEModel: Sendable {
    /// Vocabulary form (byte-level spelling) → id. Swift compares strings by canonical
    /// equivalence, harmless here: byte-level spellings contain no combining marks.
    let vocabulary: [String: TokenID]
    /// `(left << 32 | right)` → `(rank << 32 | merged id)`.
    let merges: [UInt64: UInt64]
    /// The id of each byte's single-character token; -1 if the vocabulary lacks it (such bytes
    /// are dropped, as Hugging Face does without an unknown token).
    let byteIDs: [TokenID]
    /// With `ignore_merges` (Llama-3), a piece that is itself in the vocabulary is taken whole.
    let wholeWordIDs: [[UInt8]: TokenID]?
    let cache: WordCache

    init(vocabulary: [String: TokenID], merges: [(String, String)], ignoreMerges: Bool, source: String) throws {
        self.vocabulary = vocabulary
        byteIDs = ByteLevelMapping.scalarForByte.map { vocabulary[String($0)] ?? -1 }

        var table = [UInt64: UInt64](minimumCapacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            func fail(_ reason: String) -> TokenizerError {
                .invalidMerge(source: source, index: rank, merge: left + " " + right, reason: reason)
            }
            guard let leftID = vocabulary[left] else { throw fail("has '\(left)', which is not in the vocabulary") }
            guard let rightID = vocabulary[right] else { throw fail("has '\(right)', which is not in the vocabulary") }
            guard let mergedID = vocabulary[left + right] else { throw fail("makes a token not in the vocabulary") }
            // A repeated pair takes its last rank, as Hugging Face's map construction does.
            table[Self.pairKey(leftID, rightID)] = UInt64(rank) << 32 | UInt64(UInt32(mergedID))
        }
        self.merges = table

        if ignoreMerges {
            var whole = [[UInt8]: TokenID](minimumCapacity: vocabulary.count)
            for (token, id) in vocabulary { whole[ByteLevelMapping.decode(token)] = id }
            wholeWordIDs = whole
        } else {
            wholeWordIDs = nil
        }
        cache = WordCache(capacity: 50_000)
    }

    @inline(__always)
    static func pairKey(_ left: TokenID, _ right: TokenID) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Appends the ids of one piece.
    func encode(_ word: ArraySlice<UInt8>, into output: inout [TokenID]) {
        if word.count == 1 {
            let id = byteIDs[Int(word.first!)]
            if id >= 0 { output.append(id) }
            return
        }
        let key = Array(word)
        if let cached = cache[key] {
            output += cached
            return
        }
        let ids: [TokenID]
        if let wholeWordIDs, let id = wholeWordIDs[key] {
            ids = [id]
        } else {
            var symbols: [TokenID] = []
            symbols.reserveCapacity(word.count)
            for byte in word {
                let id = byteIDs[Int(byte)]
                if id >= 0 { symbols.append(id) }
            }
            ids = BPEMerger.merge(symbols, merges: merges)
        }
        if word.count <= WordCache.longestCachedWord { cache[key] = ids }
        output += ids
    }
}

/// Word → ids memo shared by all callers of one tokenizer. Like Hugging Face's cache it stops
/// taking new words when full instead of evicting, which keeps lookups lock-and-hash cheap.
final class WordCache: @unchecked Sendable {
    /// Longer pieces (a page of Chinese without punctuation) are rare repeats and would make
    /// the cache's memory unbounded.
    static let longestCachedWord = 256

    private var entries: [[UInt8]: [TokenID]] = [:]
    private let lock = NSLock()
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(word: [UInt8]) -> [TokenID]? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return entries[word]
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            if entries.count < capacity { entries[word] = newValue }
        }
    }
}
