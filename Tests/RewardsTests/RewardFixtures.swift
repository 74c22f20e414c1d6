import Foundation
import XCTest

/// The cases Scripts/make-reward-fixtures.py scored with the seed's Python functions and with
/// the Python implementation of the fixed rules.
enum RewardFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rewards")

    struct Case {
        let id: String
        let completion: String
        let answer: String
        /// Expected values by mode ("seed", "fixed"), then by reward name.
        let expected: [String: [String: Float]]
    }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func cases() throws -> (names: [String], cases: [Case]) {
        let root = try json("cases.json")
        let names = try XCTUnwrap(root["reward_names"] as? [String])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]]).map { record -> Case in
            let id = try XCTUnwrap(record["id"] as? String)
            let completion: String
            if let recipe = record["completion_recipe"] as? [String: Any] {
                let repeated = try XCTUnwrap(recipe["repeat"] as? String)
                completion = try XCTUnwrap(recipe["prefix"] as? String)
                    + String(repeating: repeated, count: try XCTUnwrap(recipe["times"] as? Int))
                    + XCTUnwrap(recipe["suffix"] as? String)
            } else {
                completion = try XCTUnwrap(record["completion"] as? String, id)
            }
            // Guards against a JSON decoder that alters text (Foundation drops a leading U+FEFF).
            XCTAssertEqual(completion.utf8.count, record["utf8_bytes"] as? Int, "\(id): completion decoded differently")
            var expected: [String: [String: Float]] = [:]
            for mode in ["seed", "fixed"] {
                let values = try XCTUnwrap(record[mode] as? [String: Double], id)
                expected[mode] = values.mapValues(Float.init)
            }
            return Case(id: id, completion: completion, answer: try XCTUnwrap(record["answer_text"] as? String, id),
                        expected: expected)
        }
        return (names, cases)
    }
}
