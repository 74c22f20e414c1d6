#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A whole file mapped read-only into memory. Tensor data is read straight from the mapping,
/// so opening a multi-gigabyte checkpoint costs no copy; pages are faulted in on first touch.
///
/// Every access goes through `slice(offset:count:)`, which refuses ranges outside the file,
/// so a corrupt offset becomes an error rather than a read past the mapping.
final class MappedFile: @unchecked Sendable {
    let path: String
    /// The file's length in bytes.
    let size: Int
    /// Start of the mapping; nil for an empty file (mmap cannot map zero bytes).
    private let base: UnsafeRawPointer?

    init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.fileNotFound(path: path)
        }
        if isDirectory.boolValue {
            throw ModelFileError.cannotOpen(path: path, reason: "is a directory")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ModelFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw ModelFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        size = Int(status.st_size)
        if size == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw ModelFileError.cannotOpen(path: path, reason: "mmap: " + String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The whole file.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: size)
    }

    /// `count` bytes starting at `offset`, or nil when any part of that range is outside the file
    /// (including negative values and ranges whose end overflows).
    func slice(offset: Int, count: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else { return nil }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}
