import Foundation
import LanguageModel
import Tokenization

/// Prompts for the benchmark: GSM8K test questions in the seed's chat format (its system
/// prompt, then the question), as a rollout worker would build them.
enum BenchPrompts {
    static let seedSystemPrompt = "\n按照如下格式回答问题：\n<think>\n你的思考过程\n</think>\n<answer>\n你的回答\n</answer>\n"

    static func make(for runtime: ModelRuntime, count: Int, dataPath: String?) throws -> [[Int32]] {
        let path = dataPath ?? "../shared/data/gsm8k/test.jsonl"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError.badOption("--data: cannot read \(path)")
        }
        var prompts: [[Int32]] = []
        for (i, line) in text.split(separator: "\n").enumerated() where prompts.count < count {
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let question = row["question"] as? String else {
                throw CLIError.badInput("\(path):\(i + 1): expected {\"question\": ...}")
            }
            prompts.append(try runtime.promptIDs([.system(seedSystemPrompt), .user(question)]))
        }
        guard prompts.count == count else { throw CLIError.badInput("\(path): fewer than \(count) questions") }
        return prompts
    }
}
