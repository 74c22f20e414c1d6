import CZMQ
import Foundation
import XCTest
@testable import Transport

final class SocketTests: XCTestCase {
    func testRouterDealerMultipartRoundTrip() throws {
        let (router, endpoint) = try boundSocket(.router) { try $0.setRouterMandatory(true) }
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"), endpoint)
        let dealer = try ZMQSocket(.dealer)
        try dealer.setRoutingID("worker-7")
        try dealer.connect(endpoint)

        XCTAssertTrue(try dealer.send([frame("rollout"), [], [0, 1, 2, 255]]))
        let request = try XCTUnwrap(router.receive(timeoutMilliseconds: 2000), "router received nothing")
        XCTAssertEqual(request, [frame("worker-7"), frame("rollout"), [], [0, 1, 2, 255]])

        try router.send([frame("worker-7"), frame("weights"), frame("v2")])
        XCTAssertEqual(strings(try dealer.receive(timeoutMilliseconds: 2000)), ["weights", "v2"])

        // With ROUTER_MANDATORY an unknown peer is an error, not a silent drop.
        XCTAssertThrowsError(try router.send([frame("nobody"), frame("x")])) { error in
            XCTAssertTrue((error as? ZMQError)?.isHostUnreachable ?? false, "\(error)")
        }
        XCTAssertNil(try dealer.receive(timeoutMilliseconds: 0))
    }

    func testReceiveTimesOutAndPollerReportsReadableSockets() throws {
        let a = try ZMQSocket(.pair), b = try ZMQSocket(.pair)
        let c = try ZMQSocket(.pair), d = try ZMQSocket(.pair)
        try a.bind("inproc://poller-test-ab"); try b.connect("inproc://poller-test-ab")
        try c.bind("inproc://poller-test-cd"); try d.connect("inproc://poller-test-cd")

        let start = Date()
        XCTAssertNil(try a.receive(timeoutMilliseconds: 100))
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.09)

        let poller = Poller([a, c])
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 20), [])
        try d.send([frame("stop")])
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 1000), [1])
        try b.send([frame("go")])
        XCTAssertTrue(try eventually(within: 1) { try poller.poll(timeoutMilliseconds: 0) == [0, 1] })
        XCTAssertEqual(strings(try c.receive(timeoutMilliseconds: 0)), ["stop"])
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 0), [0])
    }

    func testErrorsNameTheOperation() throws {
        let socket = try ZMQSocket(.router)
        XCTAssertThrowsError(try socket.bind("tcp://127.0.0.1:notaport")) { error in
            XCTAssertTrue("\(error)".contains("bind router socket to tcp://127.0.0.1:notaport"), "\(error)")
        }
        XCTAssertThrowsError(try socket.send([])) { error in
            XCTAssertEqual((error as? ZMQError)?.code, EINVAL)
        }
        socket.close()
        XCTAssertThrowsError(try socket.send([frame("x")])) { error in
            XCTAssertEqual((error as? ZMQError)?.code, ENOTSOCK)
            XCTAssertTrue("\(error)".contains("closed"), "\(error)")
        }
    }

    func testSubscriberReceivesMatchingPublications() throws {
        let (publisher, endpoint) = try boundSocket(.pub)
        let subscriber = try ZMQSocket(.sub)
        try subscriber.subscribe("rollout")
        try subscriber.connect(endpoint)

        // The slow joiner: publications sent before the subscription reaches the publisher
        // are dropped, so publish until one arrives.
        var received: [String]?
        let deadline = Date().addingTimeInterval(3)
        while received == nil && Date() < deadline {
            try publisher.send([frame("other"), frame("ignored")])
            try publisher.send([frame("rollout"), frame("step 3")])
            received = strings(try subscriber.receive(timeoutMilliseconds: 20))
        }
        XCTAssertEqual(received, ["rollout", "step 3"])
        while let more = try subscriber.receive(timeoutMilliseconds: 20) {
            XCTAssertEqual(strings(more), ["rollout", "step 3"], "a non-matching publication was delivered")
        }
    }

    func testOversizeMessageIsDroppedAndLaterOnesArrive() throws {
        let (router, endpoint) = try boundSocket(.router) { try $0.setMaxMessageSize(1000) }
        let dealer = try ZMQSocket(.dealer)
        try dealer.setRoutingID("w")
        try dealer.setReconnectInterval(milliseconds: 20)
        try dealer.connect(endpoint)

        try dealer.send([[UInt8](repeating: 7, count: 5000)])
        // libzmq drops the connection that carried the oversize message and the dealer
        // reconnects; a message written right behind the big one can go down with the
        // connection, so keep sending small ones until one arrives.
        var received: [[UInt8]]?
        var sent = 0
        let deadline = Date().addingTimeInterval(3)
        while received == nil && Date() < deadline {
            try dealer.send([frame("small \(sent)")])
            sent += 1
            received = try router.receive(timeoutMilliseconds: 50)
        }
        let message = try XCTUnwrap(received, "no message arrived after the oversize one")
        XCTAssertEqual(message.count, 2)
        XCTAssertEqual(message.first, frame("w"))
        XCTAssertTrue(String(decoding: message[1], as: UTF8.self).hasPrefix("small "), "\(message[1].count) bytes")
        while let more = try router.receive(timeoutMilliseconds: 50) {
            XCTAssertLessThanOrEqual(more.last?.count ?? 0, 1000, "the oversize message was delivered")
        }
    }

    func testHeartbeatOptionsAreSetAndConnectionsStillWork() throws {
        let (router, endpoint) = try boundSocket(.router) {
            try $0.setHeartbeat(intervalMilliseconds: 100, timeoutMilliseconds: 300, ttlMilliseconds: 1000)
        }
        let dealer = try ZMQSocket(.dealer)
        try dealer.setHeartbeat(intervalMilliseconds: 200, timeoutMilliseconds: 600, ttlMilliseconds: 2000)
        try dealer.setReconnectInterval(milliseconds: 100, maxMilliseconds: 2000)
        try dealer.setSendHighWaterMark(10)
        try dealer.setReceiveHighWaterMark(10)
        try dealer.setImmediate(true)
        try dealer.setHandshakeInterval(milliseconds: 5000)
        XCTAssertEqual(try dealer.intOption(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL"), 200)
        XCTAssertEqual(try dealer.intOption(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT"), 600)
        XCTAssertEqual(try dealer.intOption(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL"), 2000)
        XCTAssertEqual(try dealer.intOption(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX"), 2000)
        XCTAssertEqual(try dealer.intOption(ZMQ_LINGER, "ZMQ_LINGER"), 0)

        XCTAssertThrowsError(try dealer.setHeartbeat(intervalMilliseconds: 100, ttlMilliseconds: 7_000_000)) { error in
            XCTAssertEqual((error as? ZMQError)?.code, EINVAL)
            XCTAssertTrue("\(error)".contains("ZMQ_HEARTBEAT_TTL = 7000000"), "\(error)")
        }
        XCTAssertThrowsError(try dealer.setSendHighWaterMark(Int(Int32.max) + 1))

        // With immediate set, nothing is queued before the connection is up.
        XCTAssertFalse(try dealer.send([frame("early")], dontWait: true))
        try dealer.connect(endpoint)
        XCTAssertTrue(try eventually { try dealer.send([frame("ping")], dontWait: true) })
        XCTAssertEqual(strings(try router.receive(timeoutMilliseconds: 2000))?.last, "ping")
        // Several heartbeat intervals later the connection is still there.
        usleep(400_000)
        try dealer.send([frame("still here")])
        XCTAssertEqual(strings(try router.receive(timeoutMilliseconds: 2000))?.last, "still here")
    }
}
