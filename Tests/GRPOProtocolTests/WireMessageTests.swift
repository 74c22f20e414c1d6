import Foundation
import GRPOCore
import GRPOProtocol
import RolloutLog
import XCTest

final class WireMessageTests: XCTestCase {
    private func report(reward: Float = 1, logprobs: [Float] = [-0.5, -1]) -> GroupReport {
        let group = RolloutGroup(promptIDs: [1, 2], completions: [
            RolloutCompletion(ids: [3, 4], logprobs: [-0.1, -0.2], reward: 0, rewards: ["mark": 0], finishReason: .length),
            RolloutCompletion(ids: [5, 6], logprobs: logprobs, reward: reward, rewards: ["mark": 1], finishReason: .stop),
        ], promptIndex: 7, policyVersion: 2)
        return GroupReport(draw: 3, workerID: "w1", group: group, generateSeconds: 1.5, scoreSeconds: 0)
    }

    private func wireError(_ body: () throws -> Any) -> WireError? {
        do { _ = try body() } catch let error as WireError { return error } catch { XCTFail("not a WireError: \(error)") }
        return nil
    }

    func testGroupRoundTrip() throws {
        let message = try WireMessage(frames: try WireMessage(.group, report()).frames)
        XCTAssertEqual(message.type, .group)
        XCTAssertEqual(try message.decode(GroupReport.self), report())
    }

    /// A NaN reward used to trap in `try!`; it is a WireError naming the message and the field.
    func testNonFiniteRewardIsAWireErrorNotACrash() throws {
        let error = try XCTUnwrap(wireError { try WireMessage(.group, self.report(reward: .nan)) })
        XCTAssertTrue(error.description.hasPrefix("GROUP header cannot be encoded: 'group.completions[1].reward' holds nan"),
                      error.description)
        let infinite = try XCTUnwrap(wireError { try WireMessage(.group, self.report(reward: -.infinity)) })
        XCTAssertTrue(infinite.description.contains("'group.completions[1].reward' holds -inf"), infinite.description)
    }

    func testNonFiniteLogprobIsAWireError() throws {
        let error = try XCTUnwrap(wireError { try WireMessage(.group, self.report(logprobs: [-0.5, .nan])) })
        XCTAssertTrue(error.description.contains("'group.completions[1].logprobs[1]' holds nan"), error.description)
    }

    func testRejectCarriesACode() throws {
        let frames = try WireMessage(.reject, Reject(code: .protocolError, reason: "HELLO twice")).frames
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(frames[1])) as? [String: String])
        XCTAssertEqual(header, ["code": "protocol_error", "reason": "HELLO twice"])
        XCTAssertEqual(try WireMessage(frames: frames).decode(Reject.self), Reject(code: .protocolError, reason: "HELLO twice"))
    }

    /// A learner of the first protocol-1 form sends a reason alone.
    func testReasonOnlyRejectStillDecodes() throws {
        func decode(_ json: String) throws -> Reject {
            try WireMessage(frames: [Array("REJECT".utf8), Array(json.utf8)]).decode(Reject.self)
        }
        XCTAssertEqual(try decode(#"{"reason":"finished"}"#).code, .finished)
        let other = try decode(#"{"reason":"protocol 2 from gpu-box-3; this learner speaks 1"}"#)
        XCTAssertNil(other.code)
        XCTAssertEqual(other.reason, "protocol 2 from gpu-box-3; this learner speaks 1")
        XCTAssertEqual(try decode(#"{"code":"protocol_error","reason":"finished"}"#).code, .protocolError)
        let unknown = try XCTUnwrap(wireError { try decode(#"{"code":"moved","reason":"x"}"#) })
        XCTAssertTrue(unknown.description.hasPrefix("REJECT header: 'code' has an invalid value"), unknown.description)
    }

    func testUnknownFinishReasonFromAPeerIsAWireError() throws {
        let json = #"{"draw":1,"worker_id":"w","generate_seconds":0,"score_seconds":0,"#
            + #""group":{"prompt_ids":[1],"completions":[{"ids":[2],"reward":1,"finish_reason":"eos"}]}}"#
        let error = try XCTUnwrap(wireError {
            try WireMessage(frames: [Array("GROUP".utf8), Array(json.utf8)]).decode(GroupReport.self)
        })
        XCTAssertTrue(error.description.contains("'group.completions[0].finish_reason' has an invalid value"), error.description)
        XCTAssertTrue(error.description.contains("unknown finish reason \"eos\""), error.description)
    }

    /// A log written before `finish_reason` was typed: strings "stop"/"length", or no field.
    func testAnExistingRolloutLogStillDecodes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-wire-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = [
            #"{"draw":0,"worker_id":"w1","generate_seconds":2.5,"score_seconds":0,"group":{"prompt_ids":[1,2],"#
                + #""completions":[{"ids":[3],"logprobs":[-0.5],"reward":1,"rewards":{"mark":1},"finish_reason":"stop"},"#
                + #"{"ids":[4,5],"reward":0,"finish_reason":"length"}],"prompt_index":4,"policy_version":0}}"#,
            #"{"draw":1,"worker_id":"w2","generate_seconds":1,"score_seconds":0,"group":{"prompt_ids":[9],"#
                + #""completions":[{"ids":[6],"reward":0.5}]}}"#,
        ]
        let writer = try RolloutLogWriter.open(directory: directory, policy: .never)
        for record in records { try writer.append(Array(record.utf8)) }
        try writer.close()
        let (reports, warnings) = try GroupReport.readLog(directory)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(reports.map(\.draw), [0, 1])
        XCTAssertEqual(reports[0].group.completions.map(\.finishReason), [.stop, .length])
        XCTAssertEqual(reports[1].group.completions.map(\.finishReason), [nil])
        XCTAssertEqual(reports[0].group.promptIndex, 4)
    }
}
