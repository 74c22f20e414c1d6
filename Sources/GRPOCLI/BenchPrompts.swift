import Foundation
import LanguageModel

/// Prompts for the benchmark: GSM8K questions in the seed's chat format.
enum BenchPrompts {
    static func make(for model: LoadedDecoder, count: Int, dataPath: String?) throws -> [[Int32]] {
        // Placeholder until the tokenizer lands: ids from the real-model fixture.
        let url = URL(fileURLWithPath: "Tests/Fixtures/real/qwen2.5-coder-0.5b-instruct-q4_k_m.json")
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let seqs = (obj["sequences"] as! [[String: Any]]).map { ($0["ids"] as! [Int]).prefix(100).map(Int32.init) }
        return (0..<count).map { seqs[$0 % seqs.count] }
    }
}
