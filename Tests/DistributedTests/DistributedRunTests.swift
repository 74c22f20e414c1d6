import Foundation
import GRPOProtocol
import Transport
import XCTest

/// The learner and rollout workers end to end, as processes on loopback: prompts accounted
/// for exactly once through worker and learner crashes, replay bit for bit, CURVE refusals,
/// and a learner that survives garbage.
final class DistributedRunTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(Cluster.available, "needs models/smollm2-135m-instruct-q4_1.gguf (Scripts/fetch-model.sh all)")
    }

    /// Two workers, four steps: every draw logged once, and the log replays to the same adapter.
    func testTwoWorkersTrainAndReplayReproducesTheAdapter() throws {
        let cluster = try Cluster(steps: 4)
        defer { cluster.stopAll() }
        try cluster.startLearner()
        try cluster.startWorker("w1")
        try cluster.startWorker("w2")
        XCTAssertEqual(cluster.waitForExit("learner"), 0, cluster.log("learner"))
        XCTAssertEqual(try cluster.loggedDraws().sorted(), Array(0..<8))
        XCTAssertEqual(cluster.waitForExit("w1", timeout: 30), 0, cluster.log("w1"))

        let replay = cluster.root.appendingPathComponent("replay")
        try cluster.start("replay", "learner", ["--config", cluster.config.path, "--replay",
                                                cluster.output.appendingPathComponent("rollouts").path, "--out", replay.path])
        XCTAssertEqual(cluster.waitForExit("replay"), 0, cluster.log("replay"))
        let live = try Data(contentsOf: cluster.output.appendingPathComponent("adapter/adapter_model.safetensors"))
        let replayed = try Data(contentsOf: replay.appendingPathComponent("adapter_model.safetensors"))
        let start = try Data(contentsOf: cluster.root.appendingPathComponent("start-adapter/adapter_model.safetensors"))
        XCTAssertNotEqual(live, start, "training changed the adapter")
        XCTAssertEqual(live, replayed, "replay reproduces the adapter bit for bit")
    }

    /// kill -9 of a worker mid-group: its prompts go to the other worker; nothing lost or doubled.
    func testKilledWorkerLosesNothing() throws {
        let cluster = try Cluster(steps: 3)
        defer { cluster.stopAll() }
        try cluster.startLearner()
        try cluster.startWorker("victim")
        XCTAssertTrue(cluster.waitFor("learner", "worker victim joined"))
        Thread.sleep(forTimeInterval: 0.3)      // it has its first prompt and is sampling
        cluster.kill9("victim")
        try cluster.startWorker("survivor")
        XCTAssertEqual(cluster.waitForExit("learner"), 0, cluster.log("learner"))
        XCTAssertTrue(cluster.log("learner").contains("worker victim silent"), cluster.log("learner"))
        XCTAssertEqual(try cluster.loggedDraws().sorted(), Array(0..<6))
    }

    /// kill -9 of the learner mid-run, then --resume: the workers reconnect, and the log
    /// holds every draw exactly once.
    func testKilledLearnerResumes() throws {
        let cluster = try Cluster(steps: 5)
        defer { cluster.stopAll() }
        try cluster.startLearner()
        try cluster.startWorker("w1")
        try cluster.startWorker("w2")
        XCTAssertTrue(cluster.waitFor("learner", "step 2/5"), cluster.log("learner"))
        cluster.kill9("learner")
        let before = try cluster.loggedDraws()
        XCTAssertEqual(before.count, Set(before).count)
        try cluster.startLearner(["--resume"], name: "learner2")
        XCTAssertEqual(cluster.waitForExit("learner2"), 0, cluster.log("learner2"))
        XCTAssertTrue(cluster.log("learner2").contains("resumed at step"), cluster.log("learner2"))
        let after = try cluster.loggedDraws()
        XCTAssertEqual(Array(after.prefix(before.count)), before, "acknowledged groups are kept as they were")
        XCTAssertEqual(after.sorted(), Array(0..<10))
    }

    /// A learner with CURVE admits only allow-listed workers and logs the refusal.
    func testCurveAdmitsOnlyAllowListedWorkers() throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-keys-\(UUID().uuidString)")
        let allowed = keys.appendingPathComponent("allowed")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        try CurveKeyPair.generate().write(to: keys, name: "learner")
        let good = try CurveKeyPair.generate()
        try good.write(to: keys, name: "good")
        try CurveKeyPair.generate().write(to: keys, name: "intruder")
        try FileManager.default.copyItem(at: keys.appendingPathComponent("good.pub"), to: allowed.appendingPathComponent("good.pub"))
        let cluster = try Cluster(steps: 2, extra: """
            security: {curve: true, secret_key: \(keys.appendingPathComponent("learner.key").path), \
            allowed_keys: \(allowed.path), server_public_key: \(keys.appendingPathComponent("learner.pub").path)}
            """)
        defer { cluster.stopAll() }
        try cluster.startLearner()
        try cluster.startWorker("intruder", ["--set", "security.secret_key=\(keys.appendingPathComponent("intruder.key").path)"])
        XCTAssertTrue(cluster.waitFor("learner", "refused a CURVE client", timeout: 60), cluster.log("learner"))
        XCTAssertFalse(cluster.log("learner").contains("worker intruder joined"))
        try cluster.startWorker("good", ["--set", "security.secret_key=\(keys.appendingPathComponent("good.key").path)"])
        XCTAssertEqual(cluster.waitForExit("learner"), 0, cluster.log("learner"))
        XCTAssertEqual(try cluster.loggedDraws().sorted(), Array(0..<4))
    }

    /// Malformed, oversized and wrong-version messages are refused and counted; the learner
    /// keeps training with an honest worker.
    func testFuzzedMessagesLeaveTheLearnerTraining() throws {
        let cluster = try Cluster(steps: 2, extra: "")
        defer { cluster.stopAll() }
        try cluster.startLearner(["--set", "learner.max_message_bytes=1000000"])
        XCTAssertTrue(cluster.waitFor("learner", "learner: 2 steps"))
        let endpoint = try String(contentsOf: cluster.config, encoding: .utf8)
            .components(separatedBy: "bind: \"")[1].components(separatedBy: "\"")[0]
        let fuzzer = try ZMQSocket(.dealer)
        defer { fuzzer.close() }
        try fuzzer.connect(endpoint)
        var rng = SystemRandomNumberGenerator()
        let junk: [[[UInt8]]] = [
            [Array("HELLO".utf8), Array("{not json".utf8)],
            [Array("HELLO".utf8), Array(#"{"protocol": 99, "worker_id": "old", "slots": 1}"#.utf8)],
            [Array("GROUP".utf8), Array(#"{"draw": 0}"#.utf8)],
            [Array("NOPE".utf8)],
            [Array("WEIGHTS".utf8), Array("{}".utf8)],
            [Array("READY".utf8), Array(#"{"credits": 5}"#.utf8)],
            [Array("HELLO".utf8), [UInt8](repeating: 65, count: 2_000_000)],
        ] + (0..<50).map { _ in (0..<Int.random(in: 1...4, using: &rng)).map { _ in (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } } }
        for frames in junk { _ = try fuzzer.send(frames, dontWait: true) }
        try cluster.startWorker("honest")
        XCTAssertEqual(cluster.waitForExit("learner"), 0, cluster.log("learner"))
        XCTAssertTrue(cluster.log("learner").contains("rejected a message"), cluster.log("learner"))
        XCTAssertEqual(try cluster.loggedDraws().sorted(), Array(0..<4))
        let metrics = try String(contentsOf: cluster.output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"learner/rejected_messages\""))
    }
}
