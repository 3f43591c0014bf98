import XCTest
import WinnowTransport

/// The transport wrapper over real libzmq sockets on loopback.
final class SocketTests: XCTestCase {
    func testRouterAndDealerExchangeMultipartMessages() throws {
        let context = try Context()
        let router = try Socket(context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let dealer = try Socket(context, kind: .dealer)
        try dealer.connect(endpoint)
        XCTAssertTrue(try dealer.send([Array("hello".utf8)]))
        let poller = Poller()
        XCTAssertTrue(try poller.wait(sockets: [router], timeoutMillis: 5000).sockets[0])
        let frames = try XCTUnwrap(router.receive())
        XCTAssertEqual(frames.count, 2)
        XCTAssertEqual(frames[1], Array("hello".utf8))
        XCTAssertTrue(try router.send([frames[0], [], [1, 2, 3]]))
        XCTAssertTrue(try poller.wait(sockets: [dealer], timeoutMillis: 5000).sockets[0])
        XCTAssertEqual(try dealer.receive(), [[], [1, 2, 3]])
        XCTAssertNil(try dealer.receive())
    }

    func testOversizedMessageIsNeverDelivered() throws {
        let context = try Context()
        let router = try Socket(context, kind: .router)
        try router.setMaximumMessageSize(1000)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, kind: .dealer)
        try dealer.connect(router.lastEndpoint())
        try dealer.send([[UInt8](repeating: 7, count: 5000)])
        let poller = Poller()
        XCTAssertFalse(try poller.wait(sockets: [router], timeoutMillis: 500).sockets[0])
        XCTAssertNil(try router.receive())
    }

    func testWakeupPipeWakesAPoll() throws {
        let pipe = try WakeupPipe()
        let context = try Context()
        let socket = try Socket(context, kind: .router)
        pipe.signal()
        let ready = try Poller().wait(sockets: [socket], descriptors: [pipe.readDescriptor], timeoutMillis: 5000)
        XCTAssertEqual(ready.descriptors, [true])
        pipe.drain()
        XCTAssertEqual(try Poller().wait(sockets: [socket], descriptors: [pipe.readDescriptor], timeoutMillis: 10).descriptors, [false])
    }

    func testBindingABadEndpointIsATypedError() throws {
        let context = try Context()
        let socket = try Socket(context, kind: .router)
        XCTAssertThrowsError(try socket.bind("nonsense://x")) { error in
            XCTAssertEqual((error as? TransportError)?.operation, "bind")
        }
    }
}
