import ArgumentParser
import Foundation

/// Where `grpo train`, the learner and the workers report: human-readable lines on standard
/// error, nothing with `--quiet` (errors still end the program with a message), or one JSON
/// object per line with `--log-format json` for log collectors.
public struct ConsoleLog: Sendable {
    public enum Format: String, Sendable, CaseIterable, ExpressibleByArgument { case text, json }

    public var program: String
    public var quiet: Bool
    public var format: Format

    public init(program: String, quiet: Bool = false, format: Format = .text) {
        self.program = program
        self.quiet = quiet
        self.format = format
    }

    /// The sink to hand to the run's types.
    public var sink: @Sendable (String) -> Void {
        let (program, quiet, format) = (program, quiet, format)
        return { message in
            guard !quiet else { return }
            let line: String
            switch format {
            case .text:
                line = message
            case .json:
                let object: [String: Any] = ["time": ISO8601DateFormatter().string(from: Date()), "program": program, "message": message]
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
                line = String(decoding: data, as: UTF8.self)
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}

/// `--quiet` and `--log-format`, shared by `grpo train`, `learner` and `rollout-worker`.
public struct ConsoleOptions: ParsableArguments {
    @Flag(help: "Print nothing but errors.")
    public var quiet = false

    @Option(name: .customLong("log-format"), help: "text, or json (one object per line, for services).")
    public var logFormat: ConsoleLog.Format = .text

    public init() {}

    public func log(program: String) -> ConsoleLog {
        ConsoleLog(program: program, quiet: quiet, format: logFormat)
    }
}
