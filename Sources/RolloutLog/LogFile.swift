#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open POSIX file descriptor with the few operations the log needs.
///
/// The log uses raw `open`/`pread`/`pwrite`/`fsync`/`ftruncate` rather than `FileHandle` so
/// that what reaches the kernel, and when it is made durable, is explicit: each append is one
/// positioned write of a whole record, and `sync()` is exactly one `fdatasync`. Every call
/// retries on `EINTR`, loops over short transfers, and throws an error naming the path.
final class LogFile {
    let path: String
    private var descriptor: Int32

    /// Opens `path` with `flags` (`O_CLOEXEC` is added); `mode` applies when `O_CREAT` creates it.
    init(path: String, flags: Int32, mode: mode_t = 0o644) throws {
        self.path = path
        var fd: Int32
        repeat { fd = open(path, flags | O_CLOEXEC, mode) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw RolloutLogError.io(path: path, operation: "open", errno: errno) }
        descriptor = fd
    }

    /// Opens a directory for `fsync` (making entries created in it durable) and for locking.
    static func directory(_ path: String) throws -> LogFile {
        #if canImport(Glibc)
        return try LogFile(path: path, flags: O_RDONLY | O_DIRECTORY)
        #else
        return try LogFile(path: path, flags: O_RDONLY)
        #endif
    }

    deinit {
        if descriptor >= 0 { _ = closeDescriptor(descriptor) }
    }

    private func checkOpen(_ operation: String) throws -> Int32 {
        guard descriptor >= 0 else { throw RolloutLogError.io(path: path, operation: operation, errno: EBADF) }
        return descriptor
    }

    /// The current size in bytes, from `fstat`.
    func size() throws -> Int {
        let fd = try checkOpen("fstat")
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RolloutLogError.io(path: path, operation: "fstat", errno: errno) }
        return Int(info.st_size)
    }

    /// Fills `buffer` from `offset`; returns how many bytes were read (fewer only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        let fd = try checkOpen("pread")
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RolloutLogError.io(path: path, operation: "pread at offset \(offset + done)", errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Exactly `count` bytes from `offset`, or fewer if the file ends first.
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        var filled = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            filled = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = filled
        }
        return bytes
    }

    /// Writes all of `bytes` at `offset` (looping over short writes).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        let fd = try checkOpen("pwrite")
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RolloutLogError.io(path: path, operation: "pwrite at offset \(offset + done)", errno: errno)
            }
            done += n
        }
    }

    func truncate(to length: Int) throws {
        let fd = try checkOpen("ftruncate")
        var result: Int32
        repeat { result = ftruncate(fd, off_t(length)) } while result != 0 && errno == EINTR
        guard result == 0 else {
            throw RolloutLogError.io(path: path, operation: "ftruncate to \(length) bytes", errno: errno)
        }
    }

    /// Makes written data durable. On Linux `fdatasync`, which also flushes the file size (the
    /// metadata needed to read the data back) but skips timestamps; on Darwin `F_FULLFSYNC`,
    /// because its `fsync` does not flush the drive's cache. Directories use `fsync`.
    func sync() throws {
        let fd = try checkOpen("fsync")
        var result: Int32
        #if canImport(Glibc)
        repeat { result = fdatasync(fd) } while result != 0 && errno == EINTR
        #else
        repeat { result = fcntl(fd, F_FULLFSYNC) } while result != 0 && errno == EINTR
        if result != 0 { result = fsync(fd) }
        #endif
        guard result == 0 else { throw RolloutLogError.io(path: path, operation: "fsync", errno: errno) }
    }

    /// `fsync` of a directory descriptor: makes the entries created in it durable.
    func syncDirectory() throws {
        let fd = try checkOpen("fsync")
        var result: Int32
        repeat { result = fsync(fd) } while result != 0 && errno == EINTR
        guard result == 0 else { throw RolloutLogError.io(path: path, operation: "fsync directory", errno: errno) }
    }

    /// Takes an exclusive advisory lock without waiting; false when another descriptor holds it.
    /// The kernel drops the lock when the holder exits, `kill -9` included.
    func tryLockExclusive() throws -> Bool {
        let fd = try checkOpen("flock")
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        if result == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw RolloutLogError.io(path: path, operation: "flock", errno: errno)
    }

    func close() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        // Not retried on EINTR: on Linux the descriptor is released even when close fails.
        guard closeDescriptor(fd) == 0 else { throw RolloutLogError.io(path: path, operation: "close", errno: errno) }
    }
}

/// The C `close`, reachable from inside `LogFile` (whose own `close()` shadows it).
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
