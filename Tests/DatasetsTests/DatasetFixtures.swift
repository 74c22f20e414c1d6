import Foundation
import XCTest

/// Paths of the shared data and the Python-computed references.
enum DatasetFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// openai/grade-school-math, read-only, next to the repository (never copied into it).
    static let sharedGSM8K = packageRoot.appendingPathComponent("../shared/data/gsm8k").standardized

    static func json(_ relativePath: String) throws -> [String: Any] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/" + relativePath))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Scripts/convert-dataset.py fixtures: what Python reads from the shared GSM8K files.
    static func pythonReference() throws -> [String: Any] {
        try json("datasets/python_reference.json")
    }
}
