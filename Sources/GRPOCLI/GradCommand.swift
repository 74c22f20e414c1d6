import ArgumentParser
import Foundation
import GRPOCore
import LanguageModel
import ModelFiles
import Training

/// `grpo grad`: the GRPO loss and the gradient of every LoRA tensor for one batch, the
/// training core's observable output (how parity with PyTorch + PEFT + TRL is checked).
struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Compute the GRPO loss and LoRA gradients for one batch of rollout groups.",
        discussion: """
            --batch is JSONL, one rollout group per line: {"prompt_ids": [...], "completions": \
            [{"ids": [...], "logprobs": [...], "reward": r, "rewards": {...}}, ...]}. Without \
            "logprobs", logp_old is the current policy's (detached). Prints the loss and metrics as \
            one JSON line; writes each LoRA gradient under PEFT's key name.
            """)

    @Option(help: "An HF model directory or a .gguf file.")
    var model: String

    @Option(help: "A PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors).")
    var adapter: String

    @Option(help: "JSONL file of rollout groups.")
    var batch: String

    @Option(help: "Where to write the gradients (.safetensors).")
    var out: String

    @Option(name: .customLong("loss-type"), help: "grpo, bnpo, dr_grpo or dapo.")
    var lossType: LossType = .grpo

    @Option(help: "KL coefficient β (0 skips the reference forward).")
    var beta: Float = GRPOSettings().beta

    @Option(help: "Lower clip range ε (ratio ≥ 1 − ε).")
    var epsilon: Float = GRPOSettings().epsilonLow

    @Option(name: .customLong("epsilon-high"), help: "Upper clip range (default: --epsilon).")
    var epsilonHigh: Float?

    @Option(name: .customLong("scale-rewards"), help: "group, batch or none.")
    var scaleRewards: RewardScaling = .group

    @Option(name: .customLong("max-completion-length"), help: "Completion tokens kept (and dr_grpo's normaliser).")
    var maxCompletionLength = GRPOSettings().maxCompletionLength

    @Option(name: .customLong("micro-batch"), help: "Completions per micro-batch (gradient accumulation).")
    var microBatch = 4

    func run() throws {
        var settings = GRPOSettings()
        guard microBatch >= 1 else { throw CLIError.badOption("--micro-batch must be at least 1") }
        settings.lossType = lossType
        settings.scaleRewards = scaleRewards
        settings.beta = beta
        settings.epsilonLow = epsilon
        if let epsilonHigh { settings.epsilonHigh = epsilonHigh }
        settings.maxCompletionLength = maxCompletionLength
        try settings.validate()

        let decoder = try ModelLoader.load(URL(fileURLWithPath: model)).decoder
        let lora = try PEFTAdapterFiles.load(from: URL(fileURLWithPath: adapter), modelConfig: decoder.config)
        let groups = try RolloutGroup.readJSONLines(batch, vocabularySize: decoder.config.vocabSize)
        let updater = GRPOUpdater(policy: PolicyModel(base: decoder, adapter: lora), settings: settings, microBatchSize: microBatch)
        let prepared = TrainingBatch(groups: groups, settings: settings, microBatchSize: microBatch)
        let metrics = updater.computeGradients(prepared, baselines: updater.baselines(for: prepared))
        let norm = GradientClipping.clip(updater.gradients, maxNorm: 0)

        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for t in lora.tensors {
            let values = Array(UnsafeBufferPointer(start: updater.gradients.pointer + t.offset, count: t.count))
            try writer.add(t.peftName, shape: [t.rows, t.cols], values: values)
        }
        try writer.write(to: URL(fileURLWithPath: out))

        let rewards = groups.flatMap { $0.completions.map(\.reward) }
        var line = metrics.namedValues
        line["grad_norm"] = Double(norm)
        line["groups"] = Double(groups.count)
        line["completions"] = Double(rewards.count)
        line["reward"] = Double(rewards.reduce(0, +)) / Double(max(rewards.count, 1))
        JSONLinesWriter.write(line.mapValues { $0 as Any })
    }
}

extension LossMetrics {
    /// The figures under TRL's metric names.
    var namedValues: [String: Double] {
        ["loss": Double(loss), "kl": Double(kl), "clip_ratio/low_mean": Double(clipRatioLow),
         "clip_ratio/high_mean": Double(clipRatioHigh), "clip_ratio/region_mean": Double(clipRatioRegion),
         "tokens": Double(tokens)]
    }
}
