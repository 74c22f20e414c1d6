import Foundation
import GRPOProtocol
import LanguageModel
import RolloutLog
import TestSupport
import Training
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A learner and rollout workers as real processes on loopback, for end-to-end tests.
/// Runs on SmolLM2-135M (fetched by Scripts/fetch-model.sh; tests skip without it) with
/// tiny groups and short completions.
final class Cluster {
    let root: URL
    let config: URL
    let output: URL
    private(set) var processes: [String: Process] = [:]
    private var logs: [String: URL] = [:]
    static let model = Fixtures.downloadedModels.appendingPathComponent("smollm2-135m-instruct-q4_1.gguf")

    /// Writes a configuration for `steps` steps on fresh ports; `extra` is appended YAML.
    init(steps: Int, extra: String = "") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("grpo-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        output = root.appendingPathComponent("run")
        let port = Int.random(in: 20000..<60000)
        // An adapter with B ≠ 0, so the policy differs from the reference and every step
        // has a gradient (the KL term), whatever the rewards.
        let decoder = try ModelLoader.load(Self.model).decoder
        let adapter = LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8), modelConfig: decoder.config)
        adapter.initialize(seed: 3)
        for t in adapter.tensors where t.kind == .b {
            for i in 0..<t.count { adapter.parameters[t.offset + i] = Float((i * 7919 + t.offset) % 17) / 17 * 0.02 - 0.01 }
        }
        try PEFTAdapterFiles.save(adapter, to: root.appendingPathComponent("start-adapter"))
        config = root.appendingPathComponent("run.yaml")
        try """
            model: \(Self.model.path)
            adapter: \(root.appendingPathComponent("start-adapter").path)
            seed: 1
            lora: {rank: 4, alpha: 8}
            data: {generator: {count: 40, max_operations: 1, languages: [en]}}
            prompt: {system_prompt: null, max_prompt_length: 48}
            generation: {group_size: 2, max_completion_length: 6, temperature: 1.0}
            optimizer: {learning_rate: 1.0e-3, lr_scheduler_type: constant, warmup_ratio: 0.0}
            training: {prompts_per_step: 2, micro_batch_size: 4, max_steps: \(steps), save_steps: 1, output_dir: \(output.path)}
            learner: {bind: "tcp://127.0.0.1:\(port)", publish: "tcp://127.0.0.1:\(port + 1)", heartbeat_ms: 200, worker_timeout_ms: 5000}
            worker: {learner: "tcp://127.0.0.1:\(port)", weights: "tcp://127.0.0.1:\(port + 1)", learner_timeout_ms: 3000, reconnect_max_ms: 1000}
            \(extra)
            """.write(to: config, atomically: true, encoding: .utf8)
    }

    static var available: Bool { FileManager.default.fileExists(atPath: model.path) }

    static func executable(_ name: String) -> URL {
        var dir = Bundle(for: Cluster.self).bundleURL
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent(name)
    }

    @discardableResult
    func start(_ name: String, _ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable(executable)
        process.arguments = arguments
        let log = root.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes[name] = process
        logs[name] = log
        return process
    }

    func startLearner(_ extra: [String] = [], name: String = "learner") throws {
        try start(name, "learner", ["--config", config.path] + extra)
    }

    func startWorker(_ id: String, _ extra: [String] = []) throws {
        try start(id, "rollout-worker", ["--config", config.path, "--id", id] + extra)
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: logs[name]!, encoding: .utf8)) ?? ""
    }

    /// Waits until `name`'s log contains `text`.
    func waitFor(_ name: String, _ text: String, timeout: TimeInterval = 240) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log(name).contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    func waitForExit(_ name: String, timeout: TimeInterval = 300) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while processes[name]!.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        return processes[name]!.isRunning ? nil : processes[name]!.terminationStatus
    }

    func kill9(_ name: String) {
        kill(processes[name]!.processIdentifier, SIGKILL)
        processes[name]!.waitUntilExit()
    }

    func stopAll() {
        for p in processes.values where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
    }

    /// The draws in the rollout log, in log order.
    func loggedDraws() throws -> [Int] {
        try GroupReport.readLog(output.appendingPathComponent("rollouts")).reports.map(\.draw)
    }
}
