import Datasets
import Rewards
import Training

/// Everything a GRPO run needs, as one YAML file (snake_case keys; everything but `model`
/// optional, with the defaults below; see `ConfigurationLoader`). `grpo train` reads it; the learner and workers read the same file.
///
///     model: models/smollm2-135m-instruct-q4_1.gguf
///     lora: {rank: 16, alpha: 32}
///     data: {generator: {count: 2000}}
///     generation: {group_size: 8, max_completion_length: 128, temperature: 0.9}
///     grpo: {beta: 0.04, loss_type: grpo}
///     optimizer: {learning_rate: 5.0e-6, lr_scheduler_type: cosine, warmup_ratio: 0.1}
///     training: {prompts_per_step: 4, max_steps: 100, output_dir: runs/quickstart}
public struct RunConfiguration: Codable, Equatable, Sendable {
    /// An HF model directory or a GGUF file.
    public var model: String
    /// A PEFT adapter to start from instead of a fresh one.
    public var adapter: String?
    public var seed: UInt64 = 0
    public var lora = LoRASection()
    public var data = DatasetConfiguration()
    public var prompt = PromptSection()
    public var rewards = RewardConfiguration()
    public var generation = GenerationSection()
    public var grpo = GRPOSection()
    public var optimizer = OptimizerSection()
    public var training = TrainingSection()
    public var learner = LearnerSection()
    public var worker = WorkerSection()
    public var security = SecuritySection()

    public init(model: String) { self.model = model }

    enum CodingKeys: String, CodingKey {
        case model, adapter, seed, lora, data, prompt, rewards, generation, grpo, optimizer, training
        case learner, worker, security
    }

    /// Range checks on every value a user can get wrong, naming the key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ message: String) throws {
            if !ok { throw ConfigurationError.invalidValue(key: key, message: message) }
        }
        try check(!model.isEmpty, "model", "is required (an HF model directory or a .gguf file)")
        try check(lora.rank > 0, "lora.rank", "must be positive")
        try check(lora.alpha > 0, "lora.alpha", "must be positive")
        try check(lora.dropout >= 0 && lora.dropout < 1, "lora.dropout", "must be in [0, 1)")
        try check(!lora.targetModules.isEmpty, "lora.target_modules", "must name at least one module")
        try check(prompt.userTemplate.contains("{question}"), "prompt.user_template", "must contain {question}")
        try check(prompt.maxPromptLength >= 1, "prompt.max_prompt_length", "must be at least 1")
        try check(generation.groupSize >= 2, "generation.group_size", "must be at least 2 (advantages compare completions)")
        try check(generation.maxCompletionLength >= 1, "generation.max_completion_length", "must be at least 1")
        try check(generation.temperature > 0, "generation.temperature", "must be positive")
        try check(generation.topP > 0 && generation.topP <= 1, "generation.top_p", "must be in (0, 1]")
        try check(generation.topK >= 0, "generation.top_k", "must be ≥ 0 (0 disables)")
        try check(grpo.beta >= 0, "grpo.beta", "must be ≥ 0")
        try check(grpo.epsilon >= 0 && grpo.epsilon < 1, "grpo.epsilon", "must be in [0, 1)")
        try check((grpo.epsilonHigh ?? 0) >= 0, "grpo.epsilon_high", "must be ≥ 0")
        try check(grpo.numIterations >= 1, "grpo.num_iterations", "must be at least 1")
        try check(grpo.importanceSamplingCap > 0, "grpo.importance_sampling_cap", "must be positive")
        try check(optimizer.learningRate > 0, "optimizer.learning_rate", "must be positive")
        try check(optimizer.adamBeta1 >= 0 && optimizer.adamBeta1 < 1, "optimizer.adam_beta1", "must be in [0, 1)")
        try check(optimizer.adamBeta2 >= 0 && optimizer.adamBeta2 < 1, "optimizer.adam_beta2", "must be in [0, 1)")
        try check(optimizer.weightDecay >= 0, "optimizer.weight_decay", "must be ≥ 0")
        try check(optimizer.maxGradNorm >= 0, "optimizer.max_grad_norm", "must be ≥ 0 (0 disables clipping)")
        try check(optimizer.warmupRatio >= 0 && optimizer.warmupRatio <= 1, "optimizer.warmup_ratio", "must be in [0, 1]")
        try check(training.promptsPerStep >= 1, "training.prompts_per_step", "must be at least 1")
        try check(training.microBatchSize >= 1, "training.micro_batch_size", "must be at least 1")
        try check((training.maxSteps ?? 1) >= 1, "training.max_steps", "must be at least 1")
        try check(training.numEpochs > 0, "training.num_epochs", "must be positive")
        try check(training.saveSteps >= 0, "training.save_steps", "must be ≥ 0 (0: only at the end)")
        try check(training.threads >= 1, "training.threads", "must be at least 1")
        try check(learner.maxStaleness >= 0, "learner.max_staleness", "must be ≥ 0")
        try check(learner.heartbeatMilliseconds >= 50, "learner.heartbeat_ms", "must be at least 50")
        try check(learner.workerTimeoutMilliseconds > 2 * learner.heartbeatMilliseconds, "learner.worker_timeout_ms",
                  "must exceed two heartbeats")
        try check(learner.maxMessageBytes >= 1 << 16, "learner.max_message_bytes", "must be at least 64 KiB")
        try check(learner.fsync == "always" || learner.fsync == "never" || learner.fsync.hasPrefix("every:"),
                  "learner.fsync", "must be always, never or every:N")
        try check(worker.promptsPerRequest >= 1, "worker.prompts_per_request", "must be at least 1")
        try check(!security.curve || security.secretKey != nil, "security.secret_key", "is required when security.curve is on")
        do { try rewards.validate() } catch {
            throw ConfigurationError.invalidValue(key: "rewards", message: "\(error)")
        }
    }

    /// The objective's settings.
    public var grpoSettings: GRPOSettings {
        var s = GRPOSettings()
        s.lossType = grpo.lossType
        s.beta = grpo.beta
        s.epsilonLow = grpo.epsilon
        s.epsilonHigh = grpo.epsilonHigh ?? grpo.epsilon
        s.scaleRewards = grpo.scaleRewards
        s.maxCompletionLength = generation.maxCompletionLength
        s.numIterations = grpo.numIterations
        s.maskTruncatedCompletions = grpo.maskTruncatedCompletions
        s.importanceCorrection = grpo.importanceSampling
        s.importanceCap = grpo.importanceSamplingCap
        return s
    }

    public var loraConfig: LoRAConfig {
        LoRAConfig(rank: lora.rank, alpha: lora.alpha, dropout: lora.dropout, targets: lora.targetModules, useRSLoRA: lora.useRSLoRA)
    }
}

public struct LoRASection: Codable, Equatable, Sendable {
    public var rank = 16
    public var alpha: Float = 32
    public var dropout: Float = 0
    public var targetModules: [LoRATarget] = LoRAConfig.allLinear
    public var useRSLoRA = false

    enum CodingKeys: String, CodingKey {
        case rank, alpha, dropout
        case targetModules = "target_modules", useRSLoRA = "use_rslora"
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
}

public struct GRPOSection: Codable, Equatable, Sendable {
    public var lossType: LossType = .grpo
    public var beta: Float = 0.04
    public var epsilon: Float = 0.2
    public var epsilonHigh: Float?
    public var scaleRewards: RewardScaling = .group
    public var numIterations = 1
    public var maskTruncatedCompletions = false
    public var importanceSampling: ImportanceCorrection = .none
    public var importanceSamplingCap: Float = 2

    enum CodingKeys: String, CodingKey {
        case lossType = "loss_type", beta, epsilon, epsilonHigh = "epsilon_high", scaleRewards = "scale_rewards"
        case numIterations = "num_iterations", maskTruncatedCompletions = "mask_truncated_completions"
        case importanceSampling = "importance_sampling", importanceSamplingCap = "importance_sampling_cap"
    }
}

public struct OptimizerSection: Codable, Equatable, Sendable {
    public var learningRate: Float = 5e-6
    public var adamBeta1: Float = 0.9
    public var adamBeta2: Float = 0.99
    public var adamEpsilon: Float = 1e-8
    public var weightDecay: Float = 0.1
    public var maxGradNorm: Float = 0.1
    public var lrSchedulerType: LearningRateSchedule.Kind = .cosine
    public var warmupRatio: Float = 0.1

    enum CodingKeys: String, CodingKey {
        case learningRate = "learning_rate", adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2"
        case adamEpsilon = "adam_epsilon", weightDecay = "weight_decay", maxGradNorm = "max_grad_norm"
        case lrSchedulerType = "lr_scheduler_type", warmupRatio = "warmup_ratio"
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
    /// Save the adapter every this many steps (0: only at the end).
    public var saveSteps = 100
    public var outputDir = "runs/grpo"
    /// Keep only each layer's input and recompute the rest in the backward (less memory).
    public var recomputeActivations = false
    public var threads = 2
    /// Print a sample completion every this many steps (0: never).
    public var sampleSteps = 10

    enum CodingKeys: String, CodingKey {
        case promptsPerStep = "prompts_per_step", microBatchSize = "micro_batch_size", maxSteps = "max_steps"
        case numEpochs = "num_epochs", saveSteps = "save_steps", outputDir = "output_dir"
        case recomputeActivations = "recompute_activations", threads, sampleSteps = "sample_steps"
    }
}

/// The learner's sockets, log and pacing.
public struct LearnerSection: Codable, Equatable, Sendable {
    /// Where workers connect for prompts and send groups (ROUTER).
    public var bind = "tcp://127.0.0.1:5555"
    /// Where adapter versions are published (PUB).
    public var publish = "tcp://127.0.0.1:5556"
    /// The rollout log; default `<output_dir>/rollouts`.
    public var logDir: String?
    /// always (fsync before every acknowledgement), every:N records, or never.
    public var fsync = "always"
    /// Groups sampled more than this many versions behind are dropped (or corrected).
    public var maxStaleness = 1
    /// drop, or correct (train with importance weights against the learner's logp_old).
    public var stalePolicy = "drop"
    public var heartbeatMilliseconds = 1000
    public var workerTimeoutMilliseconds = 15000
    /// float32 or bfloat16 broadcast of the adapter.
    public var weightsDType = "float32"
    /// full or delta broadcasts.
    public var weightsEncoding = "full"
    public var maxMessageBytes = 256 << 20
    /// Allow a non-loopback bind without CURVE.
    public var insecure = false

    enum CodingKeys: String, CodingKey {
        case bind, publish, logDir = "log_dir", fsync, maxStaleness = "max_staleness", stalePolicy = "stale_policy"
        case heartbeatMilliseconds = "heartbeat_ms", workerTimeoutMilliseconds = "worker_timeout_ms"
        case weightsDType = "weights_dtype", weightsEncoding = "weights_encoding", maxMessageBytes = "max_message_bytes", insecure
    }
}

/// A rollout worker's connection to the learner.
public struct WorkerSection: Codable, Equatable, Sendable {
    public var learner = "tcp://127.0.0.1:5555"
    public var weights = "tcp://127.0.0.1:5556"
    /// Prompts asked for (and sampled together) at a time.
    public var promptsPerRequest = 1
    /// Silence from the learner after which the worker reconnects.
    public var learnerTimeoutMilliseconds = 30000
    public var reconnectMaxMilliseconds = 10000

    enum CodingKeys: String, CodingKey {
        case learner, weights, promptsPerRequest = "prompts_per_request"
        case learnerTimeoutMilliseconds = "learner_timeout_ms", reconnectMaxMilliseconds = "reconnect_max_ms"
    }
}

/// CurveZMQ: the learner's keypair and allow-list, the workers' keypairs and the learner's
/// public key they pin.
public struct SecuritySection: Codable, Equatable, Sendable {
    public var curve = false
    /// This process's secret key file (`grpo keys generate`).
    public var secretKey: String?
    /// Workers: the learner's public key file.
    public var serverPublicKey: String?
    /// Learner: a directory of allowed workers' *.pub files.
    public var allowedKeys: String?

    enum CodingKeys: String, CodingKey {
        case curve, secretKey = "secret_key", serverPublicKey = "server_public_key", allowedKeys = "allowed_keys"
    }
}
