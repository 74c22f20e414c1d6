import Foundation
import GRPOCore

/// A decoded protocol message: its type, JSON header and optional binary payload.
public struct WireMessage: Sendable {
    public var type: MessageType
    public var header: Data
    public var payload: [UInt8]?

    /// Encodes `header` as JSON. A header JSON cannot carry (a NaN or infinite float, say)
    /// is a `WireError` naming the message type and the field, never a crash.
    public init<H: Encodable>(_ type: MessageType, _ header: H, payload: [UInt8]? = nil) throws {
        do {
            self.header = try JSONEncoder().encode(header)
        } catch let error as EncodingError {
            throw WireError("\(type.rawValue) header cannot be encoded: \(error.summary)")
        } catch {
            throw WireError("\(type.rawValue) header cannot be encoded: \(error)")
        }
        self.type = type
        self.payload = payload
    }

    /// Frames to send (after the routing id on a ROUTER socket).
    public var frames: [[UInt8]] {
        var frames = [Array(type.rawValue.utf8), Array(header)]
        if let payload { frames.append(payload) }
        return frames
    }

    /// Parses frames, refusing anything that is not a well-formed message of this protocol.
    public init(frames: [[UInt8]]) throws {
        guard frames.count == 2 || frames.count == 3 else {
            throw WireError("expected 2 or 3 frames, got \(frames.count)")
        }
        guard let name = String(bytes: frames[0], encoding: .utf8), let type = MessageType(rawValue: name) else {
            throw WireError("unknown message type \(String(decoding: frames[0].prefix(32), as: UTF8.self).debugDescription)")
        }
        guard (frames.count == 3) == (type == .weights) else {
            throw WireError("\(name) with \(frames.count) frames")
        }
        self.type = type
        self.header = Data(frames[1])
        self.payload = frames.count == 3 ? frames[2] : nil
    }

    /// The header as `H`, with an error naming the message type and the field at fault.
    public func decode<H: Decodable>(_: H.Type) throws -> H {
        do { return try JSONDecoder().decode(H.self, from: header) } catch let error as DecodingError {
            throw WireError("\(type.rawValue) header: \(error.summary)")
        }
    }

}

/// A message that breaks the protocol, or one that cannot be written; the learner counts and
/// logs it, the worker logs it, neither crashes on it.
public struct WireError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
