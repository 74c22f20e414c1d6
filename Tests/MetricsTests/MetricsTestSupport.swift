import Foundation
import XCTest

/// Helpers shared by the Metrics tests.
enum MetricsTestSupport {
    /// Resolved through symlinks, so the script is found from a package that links this
    /// directory in, too.
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repository.appendingPathComponent("Scripts/read-tensorboard.py")

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("MetricsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex literal")
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// CRC-32C bit by bit from its definition (reflected polynomial 0x82F63B78), and
    /// TensorFlow's mask: written here so the framing tests do not check the writer's CRC code
    /// against itself.
    static func maskedCRC32C(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 0 ? 0 : 0x82F6_3B78) }
        }
        crc = ~crc
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Runs `Scripts/read-tensorboard.py arguments...` and returns its standard output; skips
    /// the test when python3 or tensorboard is missing (exit 127 or 77).
    static func runScript(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        // Standard error to a file, not a second pipe that nobody drains while stdout is read.
        let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("read-tensorboard-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer { try? errorHandle.close() }
        process.standardError = errorHandle
        do { try process.run() } catch { throw XCTSkip("python3 not runnable: \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = (try? Data(contentsOf: errorURL)) ?? Data()
        let message = String(decoding: errorData, as: UTF8.self)
        if process.terminationStatus == 77 || process.terminationStatus == 127 {
            throw XCTSkip("python3 with tensorboard unavailable (pip install tensorboard): \(message)")
        }
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "read-tensorboard.py", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "read-tensorboard.py \(arguments) failed:\n\(message)"])
        }
        return data
    }
}
