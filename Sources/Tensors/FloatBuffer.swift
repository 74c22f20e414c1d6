/// An owned, 64-byte-aligned block of Float32 storage.
///
/// Activations, caches and weights live in these rather than in `[Float]` so the hot
/// loops work on stable raw pointers with no copy-on-write checks or bounds checks.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Zero-filled storage for `count` floats.
    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Storage for `count` floats left as the allocator gives them, for buffers every element
    /// of which is written before it is read (a KV cache), so no pass is spent zeroing.
    public init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    public func toArray() -> [Float] { Array(buffer) }

    public func zero() { pointer.update(repeating: 0, count: count) }
}

/// A row-major matrix view into a `FloatBuffer`: `rows × cols`, rows `stride` floats apart.
/// Weights of a Linear layer are stored PyTorch-style as [out, in].
public struct Matrix {
    public let storage: FloatBuffer
    public let rows: Int
    public let cols: Int

    public init(rows: Int, cols: Int) {
        self.storage = FloatBuffer(count: rows * cols)
        self.rows = rows
        self.cols = cols
    }

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "Matrix(\(rows)×\(cols)) given \(values.count) values")
        self.storage = FloatBuffer(values)
        self.rows = rows
        self.cols = cols
    }

    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public func row(_ r: Int) -> UnsafeMutablePointer<Float> { storage.pointer + r * cols }
}

/// A contiguous range of a `FloatBuffer`, e.g. one tensor's rows inside a stacked matrix.
public struct FloatBufferSlice {
    public let base: FloatBuffer
    public let offset: Int
    public let count: Int

    public init(base: FloatBuffer, offset: Int, count: Int) {
        precondition(offset >= 0 && offset + count <= base.count, "slice \(offset)..<\(offset + count) outside \(base.count) floats")
        self.base = base
        self.offset = offset
        self.count = count
    }

    public init(_ whole: FloatBuffer) { self.init(base: whole, offset: 0, count: whole.count) }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base.pointer + offset, count: count)
    }
}
