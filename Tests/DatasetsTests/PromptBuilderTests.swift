import Datasets
import Foundation
import XCTest

final class PromptBuilderTests: XCTestCase {
    func testSystemPromptIsTheSeedsByteForByte() throws {
        let header = try DatasetFixtures.json("rewards/cases.json")
        let seedPrompt = try XCTUnwrap(header["system_prompt"] as? String)
        XCTAssertEqual(Array(PromptBuilder.seedSystemPrompt.utf8), Array(seedPrompt.utf8))
        XCTAssertTrue(PromptBuilder.seedSystemPrompt.hasPrefix("\n按照"))
    }

    func testPromptsCarryQuestionAndAnswer() {
        let problem = Problem(question: "1+1=?", answer: "2")
        XCTAssertEqual(PromptBuilder().prompt(for: problem),
                       Prompt(system: PromptBuilder.seedSystemPrompt, user: "1+1=?", answer: "2"))
        XCTAssertEqual(PromptBuilder(systemPrompt: nil).prompts(for: [problem]), [Prompt(system: nil, user: "1+1=?", answer: "2")])
    }

    func testTruncationKeepsTheEnd() {
        let tokens: [Int32] = [1, 2, 3, 4, 5]
        XCTAssertEqual(PromptBuilder.truncatedKeepingEnd(tokens, maxLength: 3), [3, 4, 5])
        XCTAssertEqual(PromptBuilder.truncatedKeepingEnd(tokens, maxLength: 5), tokens)
        XCTAssertEqual(PromptBuilder.truncatedKeepingEnd(tokens, maxLength: 9), tokens)
        XCTAssertEqual(PromptBuilder.truncatedKeepingEnd(tokens, maxLength: nil), tokens)
        XCTAssertEqual(PromptBuilder.truncatedKeepingEnd(tokens, maxLength: 0), [])
    }

    func testConfigurationsAndPresets() throws {
        let json = #"{"file": "x.json", "fields": {"question": "q", "answer": "a", "answer_format": "gsm8k_solution"}, "bad_rows": "reject", "limit": 3}"#
        let configuration = try JSONDecoder().decode(DatasetConfiguration.self, from: Data(json.utf8))
        XCTAssertEqual(configuration.badRows, .reject)
        XCTAssertEqual(try configuration.fieldMapping(), FieldMapping(question: "q", answer: "a", answerFormat: .gsm8kSolution))
        XCTAssertThrowsError(try DatasetConfiguration(file: "x.jsonl").fieldMapping())
        XCTAssertEqual(try DatasetConfiguration(file: "x", preset: .gsm8kChinese).fieldMapping().question, "question_zh-cn")
        XCTAssertEqual(DatasetPreset(name: "prompt/answer"), .promptAnswer)
        XCTAssertEqual(DatasetPreset(name: "GSM8K-Chinese"), .gsm8kChinese)
        XCTAssertNil(DatasetPreset(name: "mmlu"))
    }
}
