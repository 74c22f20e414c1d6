import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `grpo train` writes the learner's checkpoint format and resumes from it: killed with
/// kill -9 after a checkpoint and restarted with `--resume`, it ends with the adapter of an
/// uninterrupted run, byte for byte.
final class TrainResumeTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(Cluster.available, "needs models/smollm2-135m-instruct-q4_1.gguf (Scripts/fetch-model.sh all)")
    }

    func testKilledTrainResumesToTheUninterruptedAdapter() throws {
        let steps = 6
        let cluster = try Cluster(steps: steps)
        defer { cluster.stopAll() }
        let whole = cluster.root.appendingPathComponent("whole"), interrupted = cluster.root.appendingPathComponent("interrupted")
        func train(_ name: String, _ output: URL, _ extra: [String] = []) throws {
            try cluster.start(name, "grpo", ["train", "--config", cluster.config.path,
                                             "--set", "training.output_dir=\(output.path)"] + extra)
        }
        try train("whole", whole)
        XCTAssertEqual(cluster.waitForExit("whole"), 0, cluster.log("whole"))

        try train("first", interrupted)
        let latest = interrupted.appendingPathComponent("checkpoints/latest")
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: latest.path) && Date() < deadline { usleep(5_000) }
        let killedAt = try String(contentsOf: latest, encoding: .utf8)
        XCTAssertTrue(cluster.processes["first"]!.isRunning, "the run must still be going when it is killed (it was at \(killedAt))")
        cluster.kill9("first")
        let checkpoint = try String(contentsOf: latest, encoding: .utf8)
        XCTAssertNotEqual(checkpoint, "step-\(steps)", "killed before the end")

        try train("second", interrupted, ["--resume"])
        XCTAssertEqual(cluster.waitForExit("second"), 0, cluster.log("second"))
        let resumedAt = Int(checkpoint.dropFirst("step-".count))!
        XCTAssertTrue(cluster.log("second").contains("resumed at step \(resumedAt)"), cluster.log("second"))
        XCTAssertTrue(cluster.log("second").contains("step \(steps)/\(steps)"), cluster.log("second"))
        XCTAssertFalse(cluster.log("second").contains("step \(resumedAt)/\(steps)"), "steps before the checkpoint are not redone")

        let file = "adapter/adapter_model.safetensors"
        let expected = try Data(contentsOf: whole.appendingPathComponent(file))
        XCTAssertEqual(try Data(contentsOf: interrupted.appendingPathComponent(file)), expected,
                       "the resumed run ends with the uninterrupted run's adapter")
        XCTAssertNotEqual(try Data(contentsOf: cluster.root.appendingPathComponent("start-adapter/adapter_model.safetensors")), expected)
        // The last checkpoint is the final state in the same format the learner writes.
        for name in ["adapter_model.safetensors", "adapter_config.json", "optimizer.safetensors", "trainer_state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: interrupted.appendingPathComponent("checkpoints/step-\(steps)/\(name)").path), name)
        }

        // A finished run, resumed, has nothing left to do and leaves the adapter as it was.
        try train("third", interrupted, ["--resume"])
        XCTAssertEqual(cluster.waitForExit("third"), 0, cluster.log("third"))
        XCTAssertEqual(try Data(contentsOf: interrupted.appendingPathComponent(file)), expected)
    }
}
