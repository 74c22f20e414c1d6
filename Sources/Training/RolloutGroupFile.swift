import Foundation
import GRPOCore

extension RolloutGroup {
    /// Reads a JSONL file of groups, one per line; errors name the file and line.
    public static func readJSONLines(_ path: String, vocabularySize: Int) throws -> [RolloutGroup] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TrainingError.batchRecord(file: path, line: 0, reason: "cannot read: \(error.localizedDescription)")
        }
        var groups: [RolloutGroup] = []
        let decoder = JSONDecoder()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            do {
                let group = try decoder.decode(RolloutGroup.self, from: Data(line.utf8))
                try group.validate(vocabularySize: vocabularySize)
                groups.append(group)
            } catch let error as RolloutGroupError {
                throw TrainingError.batchRecord(file: path, line: i + 1, reason: error.message)
            } catch {
                throw TrainingError.batchRecord(file: path, line: i + 1, reason: "not a rollout group: \(describe(error))")
            }
        }
        guard !groups.isEmpty else { throw TrainingError.batchRecord(file: path, line: 0, reason: "no groups in the file") }
        return groups
    }

    private static func describe(_ error: Error) -> String {
        (error as? DecodingError)?.summary ?? "\(error)"
    }
}
