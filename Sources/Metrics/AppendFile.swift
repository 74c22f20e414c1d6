#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file opened for appending, with the three operations the writers need.
///
/// Raw `open`/`write`/`fsync` rather than `FileHandle`, whose `write(_:)` traps on a full disk
/// instead of throwing: a metrics file must never bring a training run down, so every failure
/// is a thrown `MetricsError` naming the path, which the caller may log and ignore. Each
/// `append` is one `write` call looped over short writes and `EINTR`, with `O_APPEND`, so a
/// reader (TensorBoard polls the file while the run goes on) never sees records interleaved.
final class AppendFile {
    let path: String
    private var descriptor: Int32

    /// Opens `path` for appending, creating it if absent; `truncate` empties an existing file
    /// and `exclusive` fails with `EEXIST` if it exists.
    init(path: String, truncate: Bool = false, exclusive: Bool = false) throws {
        self.path = path
        var flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC
        if truncate { flags |= O_TRUNC }
        if exclusive { flags |= O_EXCL }
        var fd: Int32
        repeat { fd = open(path, flags, 0o644) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw MetricsError.io(path: path, operation: "open", errno: errno) }
        descriptor = fd
    }

    deinit { if descriptor >= 0 { _ = closeDescriptor(descriptor) } }

    var isOpen: Bool { descriptor >= 0 }

    func append(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else { throw MetricsError.closed(path: path) }
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MetricsError.io(path: path, operation: "write", errno: errno)
                }
                done += n
            }
        }
    }

    /// `fsync`: makes the appended bytes survive a machine crash, not only a process crash.
    func sync() throws {
        guard descriptor >= 0 else { throw MetricsError.closed(path: path) }
        guard fsync(descriptor) == 0 else { throw MetricsError.io(path: path, operation: "fsync", errno: errno) }
    }

    /// Closes the descriptor; later calls do nothing.
    func close() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        // Not retried on EINTR: on Linux the descriptor is released even then.
        guard closeDescriptor(fd) == 0 else { throw MetricsError.io(path: path, operation: "close", errno: errno) }
    }
}

/// `close(2)`, out of reach of `AppendFile.close()`'s name.
private func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
