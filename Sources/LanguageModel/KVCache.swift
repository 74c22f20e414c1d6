import Tensors

/// Keys and values of every layer for a set of token rows.
///
/// Rows are handed out by a bump allocator: a prompt's rows once, then each completion's
/// rows after them. A completion attends to its group's prompt rows (shared, written once by
/// the prefill) followed by its own rows, so G samples of one prompt never copy the prompt.
public final class KVCache {
    public let layerCount: Int
    public let kvDim: Int
    public let capacity: Int
    public private(set) var used = 0
    let keys: [FloatBuffer]    // per layer [capacity, kvDim], rotated
    let values: [FloatBuffer]  // per layer [capacity, kvDim]

    public init(config: ModelConfig, capacity: Int) {
        layerCount = config.numHiddenLayers
        kvDim = config.kvDim
        self.capacity = capacity
        // Rows are read only after the forward that writes them.
        keys = (0..<layerCount).map { _ in FloatBuffer(uninitializedCount: capacity * config.kvDim) }
        values = (0..<layerCount).map { _ in FloatBuffer(uninitializedCount: capacity * config.kvDim) }
    }

    /// Reserves `rows` consecutive rows and returns their indices.
    public func allocate(_ rows: Int) -> Range<Int> {
        precondition(used + rows <= capacity, "KV cache of \(capacity) rows cannot take \(rows) more (\(used) used)")
        defer { used += rows }
        return used..<(used + rows)
    }

    public func reset() { used = 0 }

    /// Bytes held, for memory reporting.
    public var byteCount: Int { 2 * layerCount * capacity * kvDim * 4 }
}

/// Where one input token sits: its position (for RoPE), the cache row its key and value go
/// to, and the rows it attends to: `prefix` (a shared prompt, possibly empty) and then
/// `ownStart...cacheRow` (its own sequence up to and including itself).
public struct TokenSlot: Sendable {
    public var token: Int32
    public var position: Int
    public var cacheRow: Int
    public var prefix: Range<Int>
    public var ownStart: Int

    public init(token: Int32, position: Int, cacheRow: Int, prefix: Range<Int> = 0..<0, ownStart: Int) {
        self.token = token
        self.position = position
        self.cacheRow = cacheRow
        self.prefix = prefix
        self.ownStart = ownStart
    }

    /// Number of keys this token attends to.
    public var keyCount: Int { prefix.count + (cacheRow - ownStart + 1) }

    /// Slots for whole sequences attending causally to themselves from position 0 (a prompt
    /// prefill or a teacher-forced scoring pass). `rows[i]` are the cache rows of sequence i.
    public static func causal(_ sequences: [[Int32]], rows: [Range<Int>]) -> [TokenSlot] {
        var slots: [TokenSlot] = []
        slots.reserveCapacity(sequences.reduce(0) { $0 + $1.count })
        for (tokens, range) in zip(sequences, rows) {
            for (i, t) in tokens.enumerated() {
                slots.append(TokenSlot(token: t, position: i, cacheRow: range.lowerBound + i, ownStart: range.lowerBound))
            }
        }
        return slots
    }
}

extension KVCache: LayerKeyValues {
    /// Copies each slot's key and value into its `cacheRow`; attention reads the cache.
    public func keysAndValues(layer: Int, qkv: UnsafePointer<Float>, slots: [TokenSlot],
                              config: ModelConfig) -> KeyValueRows {
        let qDim = config.qDim, qkvDim = qDim + 2 * kvDim
        let keys = self.keys[layer].pointer, values = self.values[layer].pointer
        for (r, slot) in slots.enumerated() {
            let k = qkv + r * qkvDim + qDim
            (keys + slot.cacheRow * kvDim).update(from: k, count: kvDim)
            (values + slot.cacheRow * kvDim).update(from: k + kvDim, count: kvDim)
        }
        return KeyValueRows(keys: keys, values: values, stride: kvDim)
    }
}
