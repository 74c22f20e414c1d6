import Foundation

/// Runs the built `grpo` executable for end-to-end tests.
enum GRPOProcess {
    /// The built `grpo` beside the test bundle.
    static var executable: URL {
        var dir = Bundle(for: CommandLineTests.self).bundleURL
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("grpo").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("grpo")
    }

    /// Runs grpo with `arguments`, feeding `input` on stdin; returns (status, stdout, stderr).
    static func run(_ arguments: [String], input: String) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static func lines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }
}
