import GRPOCore
import GRPOProtocol
import RolloutLog

/// What the learner does with a group sampled more than `max_staleness` versions behind.
public enum StalePolicy: String, SettingChoice, Sendable {
    /// Refuse it and sample the prompt again.
    case drop
    /// Keep it and train it with the importance correction of `grpo.importance_sampling`
    /// (which must then be truncate or mask), against logp_old recomputed by the learner.
    case correct
}

/// The learner's sockets, log and pacing: the `learner:` section.
public struct LearnerSection: Codable, Equatable, Sendable {
    /// Where workers connect for prompts and send groups (ROUTER).
    public var bind = "tcp://127.0.0.1:5555"
    /// Where adapter versions are published (PUB).
    public var publish = "tcp://127.0.0.1:5556"
    /// The rollout log; default `<output_dir>/rollouts`.
    public var logDir: String?
    /// always (fsync before every acknowledgement), every:N records, or never.
    public var fsync: FsyncPolicy = .always
    /// Groups sampled more than this many versions behind are dropped (or corrected).
    public var maxStaleness = 1
    public var stalePolicy: StalePolicy = .drop
    public var heartbeatMilliseconds = 1000
    public var workerTimeoutMilliseconds = 15000
    /// The precision adapter versions are broadcast in.
    public var weightsDType: WeightsHeader.DType = .float32
    /// Whole adapters, or changes since the previous version.
    public var weightsEncoding: WeightsHeader.Encoding = .full
    public var maxMessageBytes = 256 << 20
    /// Allow a non-loopback bind without CURVE.
    public var insecure = false

    enum CodingKeys: String, CodingKey {
        case bind, publish, logDir = "log_dir", fsync, maxStaleness = "max_staleness", stalePolicy = "stale_policy"
        case heartbeatMilliseconds = "heartbeat_ms", workerTimeoutMilliseconds = "worker_timeout_ms"
        case weightsDType = "weights_dtype", weightsEncoding = "weights_encoding", maxMessageBytes = "max_message_bytes", insecure
    }

    public func validate() throws {
        try SettingError.check(!bind.isEmpty, "bind", "must be an endpoint such as tcp://0.0.0.0:5555")
        try SettingError.check(!publish.isEmpty, "publish", "must be an endpoint such as tcp://0.0.0.0:5556")
        try SettingError.check(maxStaleness >= 0, "max_staleness", "must be ≥ 0")
        try SettingError.check(heartbeatMilliseconds >= 50, "heartbeat_ms", "must be at least 50")
        try SettingError.check(workerTimeoutMilliseconds > 2 * heartbeatMilliseconds, "worker_timeout_ms", "must exceed two heartbeats")
        try SettingError.check(maxMessageBytes >= 1 << 16, "max_message_bytes", "must be at least 64 KiB")
    }
}

/// A rollout worker's connection to the learner: the `worker:` section.
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

    public func validate() throws {
        try SettingError.check(promptsPerRequest >= 1, "prompts_per_request", "must be at least 1")
        try SettingError.check(learnerTimeoutMilliseconds >= 100, "learner_timeout_ms", "must be at least 100")
        try SettingError.check(reconnectMaxMilliseconds >= 1, "reconnect_max_ms", "must be positive")
    }
}

/// CurveZMQ: the learner's keypair and allow-list, the workers' keypairs and the learner's
/// public key they pin: the `security:` section.
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

    public func validate() throws {
        try SettingError.check(!curve || secretKey != nil, "secret_key", "is required when security.curve is on")
    }
}
