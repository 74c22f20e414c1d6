import Foundation
import GRPORun
import LanguageModel
import Training

/// `learner --replay DIR`: trains from a rollout log alone, no workers. With the run's
/// configuration and seed it takes the same groups in the same order through the same
/// `PolicyTrainer`, so the adapter comes out bit for bit as the live run's.
public enum LearnerReplay {
    public static func run(configuration: RunConfiguration, logDirectory: URL, out: URL, log: (String) -> Void) throws {
        try configuration.validate()
        guard FileManager.default.fileExists(atPath: logDirectory.path) else {
            throw ConfigurationError.unreadable(path: logDirectory.path, reason: "no rollout log here")
        }
        let reports = try RolloutStore.readAll(logDirectory, log: log)
        let perStep = configuration.training.promptsPerStep
        let steps = min(reports.count / perStep, configuration.training.maxSteps ?? Int.max)
        guard steps > 0 else {
            throw ConfigurationError.invalidValue(key: "training.prompts_per_step",
                                                  message: "is \(perStep) but \(logDirectory.path) holds \(reports.count) groups")
        }
        let decoder = try ModelLoader.load(URL(fileURLWithPath: configuration.model)).decoder
        // The schedule's length must match the live run's for the same learning rates.
        let liveSteps = configuration.training.maxSteps ?? steps
        let trainer = try PolicyTrainer(configuration: configuration, decoder: decoder, totalSteps: liveSteps)
        let names = Array(Set(reports.flatMap { $0.group.completions.flatMap(\.rewards.keys) })).sorted()
        log("replay: \(reports.count) logged groups, \(steps) steps of \(perStep)")
        for step in 0..<steps {
            let groups = reports[(step * perStep)..<((step + 1) * perStep)].map(\.group)
            let report = trainer.train(groups, rewardNames: names)
            log(String(format: "replay step %d/%d  reward %.3f  kl %.4f", report.step, steps, report["reward"] ?? 0, report["kl"] ?? 0))
        }
        try PEFTAdapterFiles.save(trainer.adapter, to: out, baseModel: configuration.model)
        log("replay: adapter written to \(out.path)")
    }
}
