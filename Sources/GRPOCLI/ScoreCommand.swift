import ArgumentParser
import GRPORun
import Foundation
import LanguageModel

/// `grpo score --model PATH`: teacher-forced per-token log-probabilities.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Read JSONL {\"ids\": [...]} on stdin; write {\"logprobs\": [...]} with logprobs[i] = log p(ids[i+1] | ids[...i]).")

    @Option(help: "An HF model directory or a .gguf file.")
    var model: String

    @Option(help: "Sequences scored per batch.")
    var batch: Int = 16

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let loaded = try ModelLoader.load(URL(fileURLWithPath: model))
        let scorer = SequenceScorer(decoder: loaded.decoder)
        var reader = JSONLinesReader()
        var pending: [[Int32]] = []
        func flush() {
            for logprobs in scorer.score(pending) {
                JSONLinesWriter.write(["logprobs": JSONLinesWriter.numbers(logprobs)])
            }
            pending.removeAll()
        }
        while let object = try reader.next() {
            let ids = try reader.ids(object, vocabSize: loaded.config.vocabSize)
            guard !ids.isEmpty else { throw CLIError.badInput("stdin line \(reader.lineNumber): ids is empty") }
            pending.append(ids)
            if pending.count >= batch { flush() }
        }
        flush()
    }
}
