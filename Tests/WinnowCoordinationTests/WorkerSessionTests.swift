import XCTest
import WinnowCoordination
import WinnowCore

final class WorkerSessionTests: XCTestCase {
    let hello = Hello(productVersion: "t", slots: 1, host: "h", pid: 1)

    /// The Hello of the worker's `join`-th attempt to join (retries repeat it).
    func hello(join: UInt64) -> Hello {
        var h = hello
        h.join = join
        return h
    }

    func welcome() -> Welcome {
        let config = RunConfig(
            files: [.init(path: "p.npy", rows: 10, bytes: 100, dtype: "<f4")], dimension: 2, totalRows: 10,
            settings: SelectionSettings(budget: 2), skipNonfinite: false)
        return Welcome(configHash: [1], config: config, heartbeat: .seconds(1), liveness: 3)
    }

    func testHelloIsRepeatedUntilWelcomedThenGivesUp() {
        var settings = CoordinationSettings()
        settings.connectTimeout = .seconds(3)
        var s = WorkerSession(hello: hello, settings: settings, now: .zero)
        XCTAssertEqual(s.start(now: .zero), [.send(.hello(hello(join: 1)))])
        XCTAssertEqual(s.tick(now: .milliseconds(1500)), [.send(.hello(hello(join: 1)))], "a retry of the same attempt")
        XCTAssertEqual(s.tick(now: .milliseconds(1600)), [])
        XCTAssertEqual(s.tick(now: .seconds(4)), [.exit(.temporary, reason: "no coordinator answered within 3.0 seconds")])
    }

    /// A silent coordinator: the worker drops what it ran for it, says Hello again at 1, 2, 4, … 32 s
    /// intervals, and gives up with 75 after `coordinatorLostTimeout`; a Welcome on the way back in
    /// puts it to work again.
    func testLostCoordinatorIsCalledWithBackoffThenGivenUp() {
        var settings = CoordinationSettings()
        settings.coordinatorLostTimeout = .seconds(100)
        var s = WorkerSession(hello: hello, settings: settings, now: .zero)
        _ = s.start(now: .zero)
        XCTAssertEqual(s.receive(.welcome(welcome()), now: .zero), [.prepare(welcome().config)])
        let lease = Lease(id: 1, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<5], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(lease), now: .zero), [.run(lease)])
        XCTAssertEqual(s.tick(now: .seconds(1), progress: [1: 42]), [.send(.heartbeat(leases: [LeaseProgress(id: 1, rowsDone: 42)], tasksDone: 0))])
        XCTAssertEqual(s.tick(now: .milliseconds(3100)), [.abandonTasks, .send(.hello(hello(join: 2)))], "silent for liveness × heartbeat")
        XCTAssertEqual(s.runningLeases, [])
        var hellos: [Int] = []
        for t in stride(from: 3200, through: 110_000, by: 100) {
            let actions = s.tick(now: .milliseconds(t))
            if actions == [.send(.hello(hello(join: 2)))] { hellos.append(t) }
            if case .exit(.temporary, _)? = actions.first {
                XCTAssertGreaterThan(t, 103_000)
                break
            }
        }
        let gaps = zip(hellos.dropFirst(), hellos).map { ($0 - $1) / 1000 }
        XCTAssertEqual(Array(gaps.prefix(6)), [2, 4, 8, 16, 32, 32], "\(hellos)")
        // A result of the old coordinator's lease is not sent to anyone.
        XCTAssertEqual(s.finished(1, result: .heartbeat(leases: [], tasksDone: 0), now: .seconds(111)), [])
    }

    func testCoordinatorBackBeforeTheTimeoutPutsTheWorkerToWorkAgain() {
        var s = WorkerSession(hello: hello, settings: CoordinationSettings(), now: .zero)
        _ = s.start(now: .zero)
        _ = s.receive(.welcome(welcome()), now: .zero)
        XCTAssertEqual(s.tick(now: .milliseconds(3100)), [.abandonTasks, .send(.hello(hello(join: 2)))])
        XCTAssertEqual(s.receive(.welcome(welcome()), now: .seconds(10)), [.prepare(welcome().config)])
        let lease = Lease(id: 7, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<5], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(lease), now: .seconds(10)), [.run(lease)])
    }

    /// The run is done and the coordinator's next one follows: the worker does not exit but says Hello
    /// again, without the configuration it was told to expect (that was the run it served), drops
    /// what still runs for the old run, and works for the new one once welcomed.
    func testNextRunIsJoinedInsteadOfExiting() {
        let expecting = Hello(productVersion: "t", slots: 1, host: "h", pid: 1, expectedConfigHash: [1])
        var s = WorkerSession(hello: expecting, settings: CoordinationSettings(), now: .zero)
        _ = s.start(now: .zero)
        _ = s.receive(.welcome(welcome()), now: .zero)
        let old = Lease(id: 1, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<5], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(old), now: .zero), [.run(old)])
        let next = hello(join: 2)
        XCTAssertEqual(s.receive(.nextRun(reason: "done"), now: .seconds(1)), [.abandonTasks, .send(.hello(next))])
        XCTAssertEqual(s.runningLeases, [])
        XCTAssertEqual(s.tick(now: .milliseconds(2100)), [.send(.hello(next))], "Hello repeats until the next run answers")
        XCTAssertEqual(s.finished(1, result: .heartbeat(leases: [], tasksDone: 0), now: .seconds(2)), [], "the old run's result goes nowhere")
        XCTAssertEqual(s.receive(.welcome(welcome()), now: .seconds(3)), [.prepare(welcome().config)])
        let new = Lease(id: 1, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<5], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(new), now: .seconds(3)), [.run(new)])
        XCTAssertEqual(
            s.receive(.shutdown(reason: "done", status: 0), now: .seconds(4)),
            [.send(.release(leases: [1], reason: "shutdown received")), .exit(.done, reason: "coordinator: done")],
            "the Shutdown is acknowledged, so the coordinator can stop repeating it")
    }

    /// Declared gone by the coordinator during an outage and told so: the worker drops its tasks and
    /// joins again (a new attempt). While it is saying Hello anyway, the same news changes nothing.
    func testUnknownToTheCoordinatorJoinsAgain() {
        var s = WorkerSession(hello: hello, settings: CoordinationSettings(), now: .zero)
        _ = s.start(now: .zero)
        XCTAssertEqual(s.receive(.reject(Rejection(.unknownPeer, "say Hello")), now: .zero), [], "still greeting")
        _ = s.receive(.welcome(welcome()), now: .zero)
        let lease = Lease(id: 4, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<5], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(lease), now: .zero), [.run(lease)])
        XCTAssertEqual(s.receive(.reject(Rejection(.unknownPeer, "say Hello")), now: .seconds(1)), [.abandonTasks, .send(.hello(hello(join: 2)))])
        XCTAssertEqual(s.runningLeases, [])
        XCTAssertEqual(s.receive(.reject(Rejection(.unknownPeer, "say Hello")), now: .seconds(1)), [], "a second copy while greeting")
        XCTAssertEqual(s.receive(.welcome(welcome()), now: .seconds(2)), [.prepare(welcome().config)])
    }

    func testLeasesBeyondCreditAreGivenBackAndRejectionExits69() {
        var s = WorkerSession(hello: hello, settings: CoordinationSettings(), now: .zero)
        _ = s.start(now: .zero)
        _ = s.receive(.welcome(welcome()), now: .zero)
        let a = Lease(id: 1, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<5], budget: 1, isRoot: false)))
        let b = Lease(id: 2, work: .chunk(ChunkTask(chunk: 1, ranges: [5..<10], budget: 1, isRoot: false)))
        XCTAssertEqual(s.receive(.lease(a), now: .zero), [.run(a)])
        XCTAssertEqual(s.receive(.lease(b), now: .zero), [.send(.release(leases: [2], reason: "over credit"))])
        // A cancelled lease's result is not sent.
        XCTAssertEqual(s.receive(.cancel(leaseID: 1), now: .zero), [.cancel(1)])
        XCTAssertEqual(s.finished(1, result: .heartbeat(leases: [], tasksDone: 0), now: .zero), [])
        var r = WorkerSession(hello: hello, settings: CoordinationSettings(), now: .zero)
        guard case .exit(.incompatible, _)? = r.receive(.reject(Rejection(.configHash, "no")), now: .zero).first else { return XCTFail() }
    }
}
