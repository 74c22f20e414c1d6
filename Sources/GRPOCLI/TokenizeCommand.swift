import ArgumentParser
import Foundation
import ModelFiles
import Tokenization

/// `grpo tokenize --tokenizer PATH`: text to token ids, one JSONL line per input line.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Read JSONL {\"text\": \"...\"} on stdin; write {\"ids\": [...]} per line, in order.")

    @Option(help: "A tokenizer.json, an HF model directory or a .gguf file.")
    var tokenizer: String

    func run() throws {
        let tok = try Self.load(URL(fileURLWithPath: tokenizer))
        var reader = JSONLinesReader()
        while let object = try reader.next() {
            guard let text = object["text"] as? String else {
                throw CLIError.badInput("stdin line \(reader.lineNumber): expected {\"text\": \"...\"}")
            }
            JSONLinesWriter.write(["ids": tok.encode(text).map(Int.init)])
        }
    }

    /// A tokenizer from a tokenizer.json, an HF model directory, or a GGUF file's metadata.
    static func load(_ url: URL) throws -> BPETokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIError.badOption("--tokenizer: \(url.path) does not exist")
        }
        if isDirectory.boolValue { return try BPETokenizer(modelDirectory: url) }
        if isGGUFFile(url) {
            return try BPETokenizer(ggufMetadata: try GGUFFile(url: url).metadata)
        }
        return try BPETokenizer(tokenizerJSON: url)
    }
}
