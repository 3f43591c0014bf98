import XCTest
import WinnowCoordination
import WinnowCore
import WinnowTestKit

/// A link that goes down for longer than heartbeat × liveness and comes back: both sides have given
/// each other up, and what each queued for the other arrives at once (repeated Hellos among it).
final class LinkOutageTests: XCTestCase {
    let vectors = CoordinatorTests.vectors
    let settings = CoordinatorTests.settings

    /// Every worker cut off mid-run for 12 s (silence limit 5 s), then back: each is told the run does
    /// not count it any more or is welcomed again, joins, and the run ends with the reference selection.
    /// Before, the queued Hellos took back the lease a worker had just been given, the next lease went
    /// over its credit, its Release retired it, and its heartbeats were answered with heartbeats: the
    /// run waited for ever.
    func testOutageLongerThanTheSilenceLimitEndsWithTheSameSelection() throws {
        let expected = InMemoryCoordination.reference(vectors: vectors, settings: settings)
        for orderSeed: UInt64 in [1, 2, 3] {
            var noBackups = CoordinationSettings()
            noBackups.backups = false
            var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 2, orderSeed: orderSeed, coordination: noBackups)
            cluster.start()
            while cluster.running.count < 2 { XCTAssertTrue(cluster.step()) }
            for i in 0..<2 { cluster.workers[i].cutOff = true }
            let cut = cluster.now
            while cluster.now - cut < .seconds(12) { cluster.advance(.milliseconds(100)) }
            XCTAssertEqual(cluster.coordinator.connectedWorkers, 0, "both declared gone during the outage")
            for i in 0..<2 { cluster.workers[i].cutOff = false }
            cluster.runToEnd()
            let outcome = try XCTUnwrap(cluster.outcome, "order \(orderSeed): \(cluster.log.suffix(4))")
            XCTAssertEqual(outcome.selection, expected, "order \(orderSeed)")
            XCTAssertEqual(outcome.counters.workersLost, 2)
            XCTAssertFalse(cluster.log.contains { $0.contains("gave leases back") }, "no lease went over a worker's credit: \(cluster.log)")
            XCTAssertLessThan(cluster.now - cut, .seconds(20), "back to work soon after the link returned")
            // Every worker is told the run is over and acknowledges it: none outlives the run.
            cluster.deliverInFlight()
            XCTAssertEqual(cluster.workers.map(\.exitCode), [.done, .done])
            cluster.deliverInFlight()
            XCTAssertTrue(cluster.coordinator.awaitingFarewell.isEmpty, "\(cluster.coordinator.awaitingFarewell)")
        }
    }

    /// Hellos of one attempt to join that arrive after the Welcome change nothing: the worker keeps its
    /// lease. A Hello of a new attempt means the worker holds nothing: the lease goes back to the queue.
    func testRepeatedHelloKeepsTheLeasesANewAttemptReturnsThem() {
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 1, orderSeed: 4)
        let peer = cluster.workers[0].peer
        var hello = Hello(productVersion: "t", slots: 1, host: "h", pid: 1)
        hello.join = 1
        let header = MessageHeader(runID: "", epoch: 0, sender: "w0", sequence: 1)
        let first = cluster.coordinator.receive(.hello(hello), header: header, from: peer, now: .zero)
        XCTAssertEqual(first.filter { if case .send(_, .lease) = $0 { true } else { false } }.count, 1)
        let repeated = cluster.coordinator.receive(.hello(hello), header: header, from: peer, now: .zero)
        XCTAssertTrue(repeated.contains { if case .send(_, .welcome) = $0 { true } else { false } })
        XCTAssertFalse(repeated.contains { if case .send(_, .lease) = $0 { true } else { false } }, "\(repeated)")
        XCTAssertEqual(cluster.coordinator.counters.leasesReissued, 0)
        hello.join = 2
        let again = cluster.coordinator.receive(.hello(hello), header: header, from: peer, now: .zero)
        XCTAssertEqual(cluster.coordinator.counters.leasesReissued, 1)
        XCTAssertEqual(again.filter { if case .send(_, .lease) = $0 { true } else { false } }.count, 1, "\(again)")
    }

    /// A message from a worker the run does not count, for this run, tells it to join again; one for
    /// another run is dropped and counted.
    func testAWorkerTheRunDoesNotCountIsToldToJoinAgain() {
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 1, orderSeed: 5)
        let peer = PeerID(Array("stray".utf8))
        let ours = cluster.coordinator.receive(
            .heartbeat(leases: [], tasksDone: 3),
            header: MessageHeader(runID: "test", epoch: 7, sender: "stray", sequence: 9), from: peer, now: .zero)
        XCTAssertTrue(ours.contains { if case .send(peer, .reject(let r)) = $0 { r.reason == .unknownPeer } else { false } }, "\(ours)")
        let theirs = cluster.coordinator.receive(
            .heartbeat(leases: [], tasksDone: 3),
            header: MessageHeader(runID: "other", epoch: 7, sender: "stray", sequence: 9), from: peer, now: .zero)
        XCTAssertFalse(theirs.contains { if case .send = $0 { true } else { false } })
        XCTAssertEqual(cluster.coordinator.counters.invalidMessages, 1)
    }

    /// After the end, a worker that speaks (its Shutdown lost, or declared gone behind a broken link)
    /// is told the run is over again; its Release acknowledges.
    func testAfterTheEndAWorkerThatSpeaksIsToldAgain() throws {
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 2, orderSeed: 6)
        cluster.runToEnd()
        XCTAssertNotNil(cluster.outcome)
        XCTAssertEqual(cluster.coordinator.awaitingFarewell.count, 2)
        let peer = cluster.workers[1].peer
        cluster.toWorkers.removeAll { $0.0 == 1 }  // worker 1's Shutdown is lost
        let header = MessageHeader(runID: "test", epoch: 7, sender: "w1", sequence: 99)
        let told = cluster.coordinator.receive(.heartbeat(leases: [], tasksDone: 1), header: header, from: peer, now: cluster.now)
        XCTAssertTrue(told.contains { if case .send(peer, .shutdown(_, 0)) = $0 { true } else { false } }, "\(told)")
        _ = cluster.coordinator.receive(.release(leases: [], reason: "shutdown received"), header: header, from: peer, now: cluster.now)
        XCTAssertEqual(cluster.coordinator.awaitingFarewell, [cluster.workers[0].peer])
    }
}
