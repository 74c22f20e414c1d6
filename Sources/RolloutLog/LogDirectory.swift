import Foundation

/// Segment file names and the listing of a log directory.
enum LogDirectory {
    static let prefix = "segment-"
    static let suffix = ".log"

    /// `segment-00000042.log`: eight digits, more only past 99,999,999 segments, so names
    /// sort in segment order for any realistic log.
    static func fileName(segment: Int) -> String {
        let digits = String(segment)
        return prefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + suffix
    }

    static func path(_ directory: String, segment: Int) -> String {
        (directory as NSString).appendingPathComponent(fileName(segment: segment))
    }

    /// The segment number of a canonical segment file name, else nil (other files are ignored).
    static func segmentNumber(_ name: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let number = Int(digits), number >= 1, fileName(segment: number) == name else { return nil }
        return number
    }

    /// The directory's segment numbers in order: 1...n, or empty. A gap, or a log that does not
    /// start at 1, means lost records and global indices that would silently shift: an error.
    static func segments(in directory: String) throws -> [Int] {
        let names = try entries(of: directory)
        let numbers = names.compactMap(segmentNumber).sorted()
        for (i, number) in numbers.enumerated() where number != i + 1 {
            throw RolloutLogError.missingSegment(
                directory: directory,
                detail: "\(fileName(segment: i + 1)) is missing (found \(fileName(segment: number)) after "
                    + (i == 0 ? "no earlier segment" : fileName(segment: numbers[i - 1])) + ")")
        }
        return numbers
    }

    /// The names in `directory`, via `opendir`/`readdir` so failures carry their errno.
    static func entries(of directory: String) throws -> [String] {
        guard let stream = opendir(directory) else {
            throw RolloutLogError.io(path: directory, operation: "open directory", errno: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw RolloutLogError.io(path: directory, operation: "read directory", errno: errno) }
                return names
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            names.append(name)
        }
    }
}
