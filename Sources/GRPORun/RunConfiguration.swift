import Datasets
import GRPOCore
import GRPOProtocol
import Rewards
import RolloutLog
import Tensors
import Training

/// Everything a GRPO run needs, as one YAML file (snake_case keys; everything but `model`
/// optional, with the defaults below; see `ConfigurationLoader`). `grpo train` reads it; the
/// learner and workers read the same file.
///
///     model: models/smollm2-135m-instruct-q4_1.gguf
///     lora: {rank: 16, alpha: 32}
///     data: {generator: {count: 2000}}
///     generation: {group_size: 8, max_completion_length: 128, temperature: 0.9}
///     grpo: {beta: 0.04, loss_type: grpo}
///     optimizer: {learning_rate: 5.0e-6, lr_scheduler_type: cosine, warmup_ratio: 0.1}
///     training: {prompts_per_step: 4, max_steps: 100, output_dir: runs/quickstart}
///     compute: {threads: 8}
///
/// Each section is the settings type of the module that uses it, `Codable` with the keys
/// above and one `validate()` naming its keys; this type composes them and checks what
/// spans sections.
public struct RunConfiguration: Codable, Equatable, Sendable {
    /// An HF model directory or a GGUF file.
    public var model: String
    /// A PEFT adapter to start from instead of a fresh one.
    public var adapter: String?
    public var seed: UInt64 = 0
    public var lora = LoRAConfig()
    public var data = DatasetConfiguration()
    public var prompt = PromptSection()
    public var rewards = RewardConfiguration()
    public var generation = GenerationSection()
    public var grpo = GRPOSettings()
    public var optimizer = OptimizerSettings()
    public var training = TrainingSection()
    public var compute = ComputeSettings()
    public var learner = LearnerSection()
    public var worker = WorkerSection()
    public var security = SecuritySection()

    public init(model: String) { self.model = model }

    enum CodingKeys: String, CodingKey {
        case model, adapter, seed, lora, data, prompt, rewards, generation, grpo, optimizer, training, compute
        case learner, worker, security
    }

    /// Range checks on every value a user can get wrong, naming the key path.
    public func validate() throws {
        do {
            try SettingError.check(!model.isEmpty, "model", "is required (an HF model directory or a .gguf file)")
            try SettingError.section("lora") { try lora.validate() }
            try SettingError.section("prompt") { try prompt.validate() }
            try SettingError.section("generation") { try generation.validate() }
            try SettingError.section("grpo") { try grpo.validate() }
            try SettingError.section("optimizer") { try optimizer.validate() }
            try SettingError.section("training") { try training.validate() }
            try SettingError.section("compute") { try compute.validate() }
            try SettingError.section("learner") { try learner.validate() }
            try SettingError.section("worker") { try worker.validate() }
            try SettingError.section("security") { try security.validate() }
            // A stale group is trained against the learner's logp_old with importance weights;
            // without a correction configured there would be none, so say so rather than
            // silently train stale groups as if they were fresh.
            try SettingError.check(learner.stalePolicy != .correct || grpo.importanceCorrection != .none, "learner.stale_policy",
                                   "correct needs grpo.importance_sampling (truncate or mask): the weights stale groups are trained with")
        } catch let error as SettingError {
            throw ConfigurationError.invalidValue(key: error.key, message: error.message)
        }
        do { try rewards.validate() } catch {
            throw ConfigurationError.invalidValue(key: "rewards", message: "\(error)")
        }
    }

    /// The objective's settings, with the generation limit it normalises and masks by.
    public var objective: GRPOSettings {
        var s = grpo
        s.maxCompletionLength = generation.maxCompletionLength
        return s
    }
}

public struct PromptSection: Codable, Equatable, Sendable {
    /// The system turn; the seed's <think>/<answer> instruction by default. Set to null to
    /// leave the chat template's default.
    public var systemPrompt: String? = PromptBuilder.seedSystemPrompt
    /// The user turn, with `{question}` replaced by the problem's question (small models
    /// follow a format asked for in the user turn far more often than in the system turn).
    public var userTemplate = "{question}"
    /// Prompt tokens kept (the end of longer prompts, as TRL truncates from the left).
    public var maxPromptLength = 256

    enum CodingKeys: String, CodingKey {
        case systemPrompt = "system_prompt", userTemplate = "user_template", maxPromptLength = "max_prompt_length"
    }

    public func validate() throws {
        try SettingError.check(userTemplate.contains("{question}"), "user_template", "must contain {question}")
        try SettingError.check(maxPromptLength >= 1, "max_prompt_length", "must be at least 1")
    }
}

public struct GenerationSection: Codable, Equatable, Sendable {
    /// Completions per prompt (TRL's num_generations).
    public var groupSize = 16
    public var maxCompletionLength = 200
    public var temperature: Float = 0.9
    public var topP: Float = 1
    public var topK = 0

    enum CodingKeys: String, CodingKey {
        case groupSize = "group_size", maxCompletionLength = "max_completion_length"
        case temperature, topP = "top_p", topK = "top_k"
    }

    public func validate() throws {
        try SettingError.check(groupSize >= 2, "group_size", "must be at least 2 (advantages compare completions)")
        try SettingError.check(maxCompletionLength >= 1, "max_completion_length", "must be at least 1")
        try SettingError.check(temperature > 0, "temperature", "must be positive")
        try SettingError.check(topP > 0 && topP <= 1, "top_p", "must be in (0, 1]")
        try SettingError.check(topK >= 0, "top_k", "must be ≥ 0 (0 disables)")
    }
}

public struct TrainingSection: Codable, Equatable, Sendable {
    /// Groups per optimizer step (the seed: 4 prompts through gradient accumulation).
    public var promptsPerStep = 4
    /// Completions per micro-batch.
    public var microBatchSize = 4
    /// Stop after this many optimizer steps; by default after `num_epochs` over the data.
    public var maxSteps: Int?
    public var numEpochs: Double = 1
    /// Save a checkpoint every this many steps (0: only at the end).
    public var saveSteps = 100
    public var outputDir = "runs/grpo"
    /// Keep only each layer's input and recompute the rest in the backward (less memory).
    public var recomputeActivations = false
    /// Print a sample completion every this many steps (0: never).
    public var sampleSteps = 10

    enum CodingKeys: String, CodingKey {
        case promptsPerStep = "prompts_per_step", microBatchSize = "micro_batch_size", maxSteps = "max_steps"
        case numEpochs = "num_epochs", saveSteps = "save_steps", outputDir = "output_dir"
        case recomputeActivations = "recompute_activations", sampleSteps = "sample_steps"
    }

    /// A checkpoint is written every `save_steps` steps and after the last.
    public func savesCheckpoint(afterStep step: Int, of totalSteps: Int) -> Bool {
        (saveSteps > 0 && step % saveSteps == 0) || step >= totalSteps
    }

    public func validate() throws {
        try SettingError.check(promptsPerStep >= 1, "prompts_per_step", "must be at least 1")
        try SettingError.check(microBatchSize >= 1, "micro_batch_size", "must be at least 1")
        try SettingError.check((maxSteps ?? 1) >= 1, "max_steps", "must be at least 1")
        try SettingError.check(numEpochs > 0, "num_epochs", "must be positive")
        try SettingError.check(saveSteps >= 0, "save_steps", "must be ≥ 0 (0: only at the end)")
        try SettingError.check(sampleSteps >= 0, "sample_steps", "must be ≥ 0 (0: never)")
        try SettingError.check(!outputDir.isEmpty, "output_dir", "must not be empty")
    }
}
