import Foundation
import GRPOCore
import RolloutLog

/// The learner–worker protocol, version `WireProtocol.version` (see PROTOCOL.md).
///
/// Every message is a multipart ZeroMQ message: [type][JSON header] or, for weights,
/// [type][JSON header][binary payload]. On the learner's ROUTER socket the worker's routing
/// id precedes these frames.
public enum WireProtocol {
    public static let version = 1
}

public enum MessageType: String, Sendable, CaseIterable {
    case hello = "HELLO"            // worker → learner: join
    case welcome = "WELCOME"        // learner → worker: accepted, with the run's settings
    case reject = "REJECT"          // learner → worker: refused (protocol version, malformed, unknown worker)
    case ready = "READY"            // worker → learner: credits for more prompts
    case assign = "ASSIGN"          // learner → worker: prompts to sample
    case group = "GROUP"            // worker → learner: one scored group
    case ack = "ACK"                // learner → worker: the group is durably logged (or refused)
    case heartbeat = "HEARTBEAT"    // both ways
    case snapshot = "SNAPSHOT"      // worker → learner: send me the current weights
    case weights = "WEIGHTS"        // learner → worker(s): an adapter version
    case bye = "BYE"                // worker → learner: leaving; return my prompts
}

public struct Hello: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var workerID: String
    /// Prompts the worker samples at once.
    public var slots: Int
    public init(workerID: String, slots: Int) {
        self.protocolVersion = WireProtocol.version
        self.workerID = workerID
        self.slots = slots
    }
    enum CodingKeys: String, CodingKey { case protocolVersion = "protocol", workerID = "worker_id", slots }
}

public struct Welcome: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var policyVersion: Int
    public var heartbeatMilliseconds: Int
    public init(policyVersion: Int, heartbeatMilliseconds: Int) {
        self.protocolVersion = WireProtocol.version
        self.policyVersion = policyVersion
        self.heartbeatMilliseconds = heartbeatMilliseconds
    }
    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", policyVersion = "policy_version", heartbeatMilliseconds = "heartbeat_ms"
    }
}

/// A refusal. Peers act on `code`; `reason` is for people. The code is optional in JSON:
/// an older learner sends the reason alone, and a reason-only `"finished"` is read as the
/// code `finished` so such a learner still ends its workers' run.
public struct Reject: Codable, Equatable, Sendable {
    public enum Code: String, Codable, Sendable {
        /// The run is over; the worker stops.
        case finished
        /// The message broke the protocol (malformed, out of order, wrong version).
        case protocolError = "protocol_error"
    }

    public var code: Code?
    public var reason: String

    public init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case code, reason }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reason = try c.decode(String.self, forKey: .reason)
        code = try c.decodeIfPresent(Code.self, forKey: .code) ?? (reason == Code.finished.rawValue ? .finished : nil)
    }
}

public struct Ready: Codable, Equatable, Sendable {
    public var credits: Int
    public init(credits: Int) { self.credits = credits }
}

/// One prompt to sample: `draw` is its place in the learner's data order, the key every
/// later message about it uses.
public struct Assignment: Codable, Equatable, Sendable {
    public var draw: Int
    public var promptIndex: Int
    public var promptIDs: [Int32]
    public var answer: String
    public init(draw: Int, promptIndex: Int, promptIDs: [Int32], answer: String) {
        self.draw = draw
        self.promptIndex = promptIndex
        self.promptIDs = promptIDs
        self.answer = answer
    }
    enum CodingKeys: String, CodingKey { case draw, promptIndex = "prompt_index", promptIDs = "prompt_ids", answer }
}

public struct Assign: Codable, Equatable, Sendable {
    public var assignments: [Assignment]
    public init(assignments: [Assignment]) { self.assignments = assignments }
}

/// A scored group, as the worker sends it and the learner logs it.
public struct GroupReport: Codable, Equatable, Sendable {
    public var draw: Int
    public var workerID: String
    public var group: RolloutGroup
    public var generateSeconds: Double
    public var scoreSeconds: Double
    public init(draw: Int, workerID: String, group: RolloutGroup, generateSeconds: Double, scoreSeconds: Double) {
        self.draw = draw
        self.workerID = workerID
        self.group = group
        self.generateSeconds = generateSeconds
        self.scoreSeconds = scoreSeconds
    }
    enum CodingKeys: String, CodingKey {
        case draw, workerID = "worker_id", group, generateSeconds = "generate_seconds", scoreSeconds = "score_seconds"
    }
}

public struct Ack: Codable, Equatable, Sendable {
    public var draw: Int
    public var accepted: Bool
    public var reason: String?
    public init(draw: Int, accepted: Bool, reason: String? = nil) {
        self.draw = draw
        self.accepted = accepted
        self.reason = reason
    }
}

/// Header of an adapter version; the payload is the flat LoRA parameter vector (or its
/// change since `baseVersion`), little-endian float32 or bfloat16.
public struct WeightsHeader: Codable, Equatable, Sendable {
    public enum Encoding: String, SettingChoice, Sendable { case full, delta }
    public enum DType: String, SettingChoice, Sendable { case float32, bfloat16 }
    public var version: Int
    public var encoding: Encoding
    public var baseVersion: Int?
    public var dtype: DType
    public var count: Int
    /// CRC32C of the payload bytes.
    public var checksum: UInt32
    public init(version: Int, encoding: Encoding, baseVersion: Int?, dtype: DType, count: Int, checksum: UInt32) {
        self.version = version
        self.encoding = encoding
        self.baseVersion = baseVersion
        self.dtype = dtype
        self.count = count
        self.checksum = checksum
    }
    enum CodingKeys: String, CodingKey {
        case version, encoding, baseVersion = "base_version", dtype, count, checksum
    }
}

extension GroupReport {
    /// Every group in a rollout log, in log order, with the reader's warnings (a torn tail
    /// skipped). A record that is not a group report is an error naming the record.
    public static func readLog(_ directory: URL) throws -> (reports: [GroupReport], warnings: [String]) {
        let reader = try RolloutLogReader(directory: directory)
        var reports: [GroupReport] = []
        let decoder = JSONDecoder()
        try reader.forEach { record in
            do { reports.append(try decoder.decode(GroupReport.self, from: Data(record.payload))) } catch {
                throw WireError("rollout log \(directory.path), record \(record.position): not a group report (\(error))")
            }
        }
        return (reports, reader.warnings)
    }
}
