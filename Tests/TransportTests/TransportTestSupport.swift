import Foundation
import XCTest
@testable import Transport

/// The UTF-8 bytes of `text`, for building frames.
func frame(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Frames as strings, for readable assertions.
func strings(_ frames: [[UInt8]]?) -> [String]? {
    frames?.map { String(decoding: $0, as: UTF8.self) }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; its last value.
func eventually(within seconds: Double = 3, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// A fresh directory under the temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("transport-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A socket bound to a free loopback port, and the endpoint to connect to.
func boundSocket(_ kind: ZMQSocket.Kind, context: ZMQContext = .shared,
                 configure: (ZMQSocket) throws -> Void = { _ in }) throws -> (ZMQSocket, String) {
    let socket = try ZMQSocket(kind, context: context)
    try configure(socket)
    try socket.bind("tcp://127.0.0.1:*")
    return (socket, try socket.lastEndpoint)
}

/// What a ZAP handler decided, collected from its thread.
final class DecisionLog: @unchecked Sendable {
    struct Entry: Equatable {
        let key: String
        let address: String
        let allowed: Bool
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    func record(_ key: String, _ address: String, _ allowed: Bool) {
        lock.lock(); defer { lock.unlock() }
        stored.append(Entry(key: key, address: address, allowed: allowed))
    }

    var entries: [Entry] {
        lock.lock(); defer { lock.unlock() }
        return stored
    }
}
