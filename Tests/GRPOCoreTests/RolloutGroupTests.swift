import Foundation
import GRPOCore
import XCTest

final class RolloutGroupTests: XCTestCase {
    private func group(reward: Float = 1, logprobs: [Float]? = [-0.5, -1], rewards: [String: Float] = ["mark": 1]) -> RolloutGroup {
        RolloutGroup(promptIDs: [1, 2], completions: [
            RolloutCompletion(ids: [3, 4], logprobs: [-0.1, -0.2], reward: 0, rewards: ["mark": 0], finishReason: .length),
            RolloutCompletion(ids: [5, 6], logprobs: logprobs, reward: reward, rewards: rewards, finishReason: .stop),
        ], promptIndex: 7, policyVersion: 2)
    }

    private func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    func testValidGroupPasses() throws {
        try group().validate(vocabularySize: 10)
    }

    func testValidationNamesWhatIsWrong() {
        XCTAssertEqual(message { try self.group().validate(vocabularySize: 6) }, "completion 1: id 6 outside the vocabulary of 6")
        XCTAssertEqual(message { try self.group(logprobs: [-1]).validate(vocabularySize: 10) }, "completion 1: 1 logprobs for 2 ids")
        XCTAssertEqual(message { try RolloutGroup(promptIDs: [], completions: []).validate(vocabularySize: 10) }, "prompt_ids is empty")
    }

    func testNonFiniteRewardsAndLogprobsAreRefused() {
        XCTAssertEqual(message { try self.group(reward: .nan).validate(vocabularySize: 10) },
                       "completion 1: reward is nan, not finite")
        XCTAssertEqual(message { try self.group(reward: .infinity).validate(vocabularySize: 10) },
                       "completion 1: reward is inf, not finite")
        XCTAssertEqual(message { try self.group(rewards: ["mark": 1, "digit": -.infinity]).validate(vocabularySize: 10) },
                       "completion 1: reward 'digit' is -inf, not finite")
        XCTAssertEqual(message { try self.group(logprobs: [-0.5, .nan]).validate(vocabularySize: 10) },
                       "completion 1: logprob 1 is nan; logprobs must be finite and ≤ 0")
        XCTAssertEqual(message { try self.group(logprobs: [0.5, -1]).validate(vocabularySize: 10) },
                       "completion 1: logprob 0 is 0.5; logprobs must be finite and ≤ 0")
    }

    func testFinishReasonKeepsItsWireSpelling() throws {
        let data = try JSONEncoder().encode(group())
        let json = try XCTUnwrap(String(data: data, encoding: .utf8))
        XCTAssertTrue(json.contains("\"finish_reason\":\"length\""), json)
        XCTAssertTrue(json.contains("\"finish_reason\":\"stop\""), json)
        XCTAssertEqual(try JSONDecoder().decode(RolloutGroup.self, from: data), group())
    }

    /// Records written before the field was typed: "stop", "length" or no field at all.
    func testOlderRecordsStillDecode() throws {
        let line = #"{"prompt_ids":[1],"completions":[{"ids":[2],"reward":1,"finish_reason":"stop"},"#
            + #"{"ids":[3],"reward":0,"rewards":{"mark":0},"finish_reason":"length"},{"ids":[4],"logprobs":[-1],"reward":0.5}]}"#
        let decoded = try JSONDecoder().decode(RolloutGroup.self, from: Data(line.utf8))
        XCTAssertEqual(decoded.completions.map(\.finishReason), [.stop, .length, nil])
        XCTAssertEqual(decoded.completions[1].rewards, ["mark": 0])
        XCTAssertNil(decoded.promptIndex)
    }

    func testUnknownFinishReasonIsADecodingError() {
        let line = #"{"prompt_ids":[1],"completions":[{"ids":[2],"reward":1,"finish_reason":"tool_call"}]}"#
        XCTAssertThrowsError(try JSONDecoder().decode(RolloutGroup.self, from: Data(line.utf8))) { error in
            guard let error = error as? DecodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.keyPath, "completions[0].finish_reason")
            XCTAssertTrue(error.summary.contains("unknown finish reason \"tool_call\"; expected stop or length"), error.summary)
        }
    }

    func testEncodingErrorSummaryNamesThePath() {
        XCTAssertThrowsError(try JSONEncoder().encode(group(reward: .nan))) { error in
            guard let error = error as? EncodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.keyPath, "completions[1].reward")
            XCTAssertTrue(error.summary.hasPrefix("'completions[1].reward' holds nan"), error.summary)
        }
    }
}
