import XCTest
import WinnowCluster
import WinnowCore

final class WorkerSessionTests: XCTestCase {
    let hello = Hello(productVersion: "t", slots: 1, host: "h", pid: 1)

    func welcome() -> Welcome {
        let config = RunConfig(files: [.init(path: "p.npy", rows: 10, bytes: 100, dtype: "<f4")], dimension: 2, totalRows: 10,
                               settings: SelectionSettings(budget: 2), skipNonfinite: false)
        return Welcome(configHash: [1], config: config, heartbeat: .seconds(1), liveness: 3)
    }

    func testHelloIsRepeatedUntilWelcomedThenGivesUp() {
        var settings = ClusterSettings()
        settings.connectTimeout = .seconds(3)
        var s = WorkerSession(hello: hello, settings: settings, now: .zero)
        XCTAssertEqual(s.start(now: .zero), [.send(.hello(hello))])
        XCTAssertEqual(s.tick(now: .milliseconds(1500)), [.send(.hello(hello))])
        XCTAssertEqual(s.tick(now: .milliseconds(1600)), [])
        XCTAssertEqual(s.tick(now: .seconds(4)), [.exit(status: 75, reason: "no coordinator answered within 3.0 seconds")])
    }

    func testSilentCoordinatorEndsTheWorkerWithTemporaryStatus() {
        var s = WorkerSession(hello: hello, settings: ClusterSettings(), now: .zero)
        _ = s.start(now: .zero)
        XCTAssertEqual(s.receive(.welcome(welcome()), now: .zero), [.prepare(welcome().config)])
        XCTAssertEqual(s.tick(now: .seconds(1)), [.send(.heartbeat(leases: [], tasksDone: 0))])
        guard case .exit(75, _)? = s.tick(now: .milliseconds(3100)).first else { return XCTFail("expected exit 75") }
    }

    func testLeasesBeyondCreditAreGivenBackAndRejectionExits69() {
        var s = WorkerSession(hello: hello, settings: ClusterSettings(), now: .zero)
        _ = s.start(now: .zero)
        _ = s.receive(.welcome(welcome()), now: .zero)
        let a = Lease(id: 1, work: .chunk(ChunkTask(chunk: 0, ranges: [0 ..< 5], budget: 1, isRoot: false)))
        let b = Lease(id: 2, work: .chunk(ChunkTask(chunk: 1, ranges: [5 ..< 10], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(a), now: .zero), [.run(a)])
        XCTAssertEqual(s.receive(.lease(b), now: .zero), [.send(.release(leases: [2], reason: "over credit"))])
        // A cancelled lease's result is not sent.
        XCTAssertEqual(s.receive(.cancel(leaseID: 1), now: .zero), [.cancel(1)])
        XCTAssertEqual(s.finished(1, result: .heartbeat(leases: [], tasksDone: 0), now: .zero), [])
        var r = WorkerSession(hello: hello, settings: ClusterSettings(), now: .zero)
        guard case .exit(69, _)? = r.receive(.reject(Rejection(.configHash, "no")), now: .zero).first else { return XCTFail() }
    }
}
