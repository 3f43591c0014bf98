import XCTest
import WinnowCoordination
import WinnowCore
import WinnowTestKit

/// The status the progress line, metrics.prom and `winnow status` show, from the coordinator's
/// state machine and from its per-level arithmetic.
final class RunStatusTests: XCTestCase {
    func testLevelRateAndETAComeFromRowsSinceTheLevelsFirstLease() {
        var p = LevelProgress(levelSizes: [4, 1], totalRows: 400)
        // A result reused from a journal before anything was leased: done, but not part of the rate.
        p.finished(level: 0, rows: 100)
        p.began(level: 0, at: .seconds(10))
        p.finished(level: 0, rows: 100)
        var s = p.status(runID: "r", state: .running, now: .seconds(12), tasksRunning: 1, workersAlive: 2)
        XCTAssertEqual(s.level, 0)
        XCTAssertEqual(s.levelTasksDone, 2)
        XCTAssertEqual(s.levelRowsDone, 200)
        XCTAssertEqual(s.levelSeconds, 2)
        XCTAssertEqual(s.rowsPerSecond, 50)
        XCTAssertEqual(s.etaSeconds, 4)
        XCTAssertEqual(s.phase, "chunks")
        p.finished(level: 0, rows: 100)
        p.finished(level: 0, rows: 100)
        // The root is next; before its lease there is no rate and no ETA.
        s = p.status(runID: "r", state: .running, now: .seconds(13), tasksRunning: 0, workersAlive: 2)
        XCTAssertEqual(s.level, 1)
        XCTAssertEqual(s.phase, "root merge")
        XCTAssertEqual(s.chunkRowsDone, 400)
        XCTAssertNil(s.etaSeconds)
        XCTAssertEqual(s.rowsPerSecond, 0)
        p.began(level: 1, at: .seconds(13))
        p.finished(level: 1, rows: 400)
        s = p.status(runID: "r", state: .finished, now: .seconds(14), tasksRunning: 0, workersAlive: 2)
        XCTAssertEqual(s.tasksDone, 5)
        XCTAssertEqual(s.tasksTotal, 5)
        XCTAssertEqual(s.etaSeconds, 0)
    }

    func testStatusAnswersAnyPeerAndFollowsTheRun() throws {
        var cluster = InMemoryCoordination(vectors: CoordinatorTests.vectors, settings: CoordinatorTests.settings, workers: 2, orderSeed: 5)
        let stranger = PeerID(Array("status-client".utf8))
        func ask(_ version: UInt32 = MessageHeader.protocolVersion) -> CoordinatorMessage? {
            let actions = cluster.coordinator.receive(
                .statusRequest,
                header: MessageHeader(
                    protocolVersion: version, runID: "", epoch: 0,
                    sender: "status", sequence: 1),
                from: stranger, now: cluster.now)
            XCTAssertEqual(actions.count, 1)
            guard case .send(let peer, let message) = actions.first else { return nil }
            XCTAssertEqual(peer, stranger)
            return message
        }
        guard case .status(let first) = ask() else { return XCTFail("no status") }
        let job = cluster.coordinator.job
        XCTAssertEqual(first.state, .running)
        XCTAssertEqual(first.tasksTotal, job.chunkCount + job.tree.mergeNodes.count)
        XCTAssertEqual(first.tasksDone, 0)
        XCTAssertEqual(first.levels, job.tree.levelSizes.count)
        XCTAssertEqual(first.workersAlive, 0)

        cluster.start()
        var seen: [Int] = []
        for _ in 0..<400 where cluster.outcome == nil {
            _ = cluster.step()
            guard case .status(let s) = ask() else { return XCTFail("no status") }
            seen.append(s.tasksDone)
            if s.level == 0 {
                // Every finished chunk is some worker's, and rows are counted once.
                XCTAssertEqual(s.workers.reduce(0) { $0 + $1.chunkTasks }, s.levelTasksDone)
                XCTAssertEqual(s.levelRowsDone, s.chunkRowsDone)
            }
            XCTAssertLessThanOrEqual(s.tasksRunning, 2)
        }
        XCTAssertEqual(seen, seen.sorted(), "done tasks never go back")
        cluster.runToEnd()
        XCTAssertNotNil(cluster.outcome)
        guard case .status(let last) = ask() else { return XCTFail("no status") }
        XCTAssertEqual(last.state, .finished)
        XCTAssertEqual(last.tasksDone, last.tasksTotal)
        XCTAssertEqual(last.level, last.levels - 1)
        XCTAssertEqual(last.levelRowsDone, 6000)
        XCTAssertEqual(last.chunkRowsDone, 6000)

        // Another protocol is told so; asking never makes the client a worker or an invalid peer.
        guard case .reject(let r) = ask(2) else { return XCTFail("no reject") }
        XCTAssertEqual(r.reason, .protocolVersion)
        XCTAssertEqual(cluster.coordinator.counters.invalidMessages, 0)
        XCTAssertEqual(last.workers.map(\.name).contains("status"), false)
    }
}
