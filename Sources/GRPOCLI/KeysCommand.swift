import ArgumentParser
import Foundation
import Transport

/// `grpo keys`: CurveZMQ key pairs for the learner and the rollout workers.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make the CurveZMQ key pairs that encrypt and authenticate learner/worker traffic.",
        subcommands: [Generate.self])

    /// `grpo keys generate --out DIR --name NAME [--force]`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a new key pair as DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub; print the public key.",
            discussion: """
                Give each machine its own pair. The learner's NAME.pub goes to every worker; each \
                worker's NAME.pub goes into the learner's allow-list directory. NAME.key never \
                leaves the machine it was made for.
                """)

        @Option(help: "The directory to write the key files into (created if missing).")
        var out: String

        @Option(help: "The key's name: the files are NAME.key and NAME.pub.")
        var name: String

        @Flag(help: "Replace existing NAME.key and NAME.pub files.")
        var force = false

        func run() throws {
            let pair = try CurveKeyPair.generate()
            let files = try pair.write(to: URL(fileURLWithPath: out), name: name, overwrite: force)
            print(pair.publicKey)
            FileHandle.standardError.write(Data(
                "grpo keys generate: wrote \(files.secretFile.path) (secret, mode 0600) and \(files.publicFile.path)\n".utf8))
        }
    }
}
