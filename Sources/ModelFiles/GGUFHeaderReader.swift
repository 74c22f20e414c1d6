/// A little-endian cursor over the header of a GGUF file. Every read checks the remaining
/// length first and throws `truncatedHeader` instead of reading past the end, and every count
/// read from the file is checked against the bytes left before anything is allocated for it,
/// so a corrupt header can neither crash the reader nor make it allocate gigabytes.
struct GGUFHeaderReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    /// Nested arrays deeper than this are rejected (real files nest at most one level).
    static let maxArrayDepth = 16

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard count >= 0, count <= remaining else {
            throw ModelFileError.truncatedHeader(
                path: path, detail: "\(what()) needs \(count) bytes at offset \(offset), file has \(bytes.count)")
        }
        let start = offset
        offset += count
        return start
    }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let start = try take(MemoryLayout<T>.size, what())
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: T.self))
    }

    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, what()) }

    /// A u64 that is used as a size or count: must fit in Int.
    mutating func count(_ what: @autoclosure () -> String) throws -> Int {
        let value = try u64(what())
        guard let n = Int(exactly: value) else {
            throw ModelFileError.invalidHeader(path: path, detail: "\(what()) is \(value), too large")
        }
        return n
    }

    /// A GGUF string: u64 byte length, then UTF-8 bytes without a terminator.
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("length of \(what())")
        let start = try take(length, what())
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]), as: UTF8.self)
    }

    /// One metadata value of GGUF value type `type` (0...12).
    mutating func value(type: UInt32, key: String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try load(UInt8.self, key))
        case 1: return .int8(try load(Int8.self, key))
        case 2: return .uint16(try load(UInt16.self, key))
        case 3: return .int16(try load(Int16.self, key))
        case 4: return .uint32(try load(UInt32.self, key))
        case 5: return .int32(try load(Int32.self, key))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, key)))
        case 7: return .bool(try load(UInt8.self, key) != 0)
        case 8: return .string(try string(key))
        case 9: return try array(key: key, depth: depth)
        case 10: return .uint64(try load(UInt64.self, key))
        case 11: return .int64(try load(Int64.self, key))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, key)))
        default:
            throw ModelFileError.invalidHeader(
                path: path, detail: "metadata key '\(key)' has unknown value type \(type)")
        }
    }

    /// An array value: u32 element type, u64 count, then the elements.
    private mutating func array(key: String, depth: Int) throws -> GGUFValue {
        guard depth < Self.maxArrayDepth else {
            throw ModelFileError.invalidHeader(path: path, detail: "metadata key '\(key)' nests arrays too deeply")
        }
        let elementType = try u32("element type of array '\(key)'")
        let n = try count("length of array '\(key)'")
        // Every element takes at least one byte (strings and arrays at least 8), so a count
        // larger than the bytes left is corrupt; refuse it before reserving memory.
        let minimumElementSize: Int
        switch elementType {
        case 8, 9, 10, 11, 12: minimumElementSize = 8
        case 4, 5, 6: minimumElementSize = 4
        case 2, 3: minimumElementSize = 2
        default: minimumElementSize = 1
        }
        guard n <= remaining / minimumElementSize else {
            throw ModelFileError.truncatedHeader(
                path: path, detail: "array '\(key)' claims \(n) elements but only \(remaining) bytes remain")
        }
        var elements: [GGUFValue] = []
        elements.reserveCapacity(n)
        for _ in 0..<n {
            elements.append(try value(type: elementType, key: key, depth: depth + 1))
        }
        return .array(elements)
    }

    /// Moves the cursor to the next multiple of `alignment` (which may be past the end of
    /// the file when there is no tensor data; nothing is read there).
    mutating func align(to alignment: Int) {
        let misalignment = offset % alignment
        if misalignment != 0 { offset += alignment - misalignment }
    }
}
