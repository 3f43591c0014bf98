import XCTest
import WinnowCoordination
import WinnowCore
import WinnowTestKit

final class CoordinatorTests: XCTestCase {
    static let vectors = NpyFixtures.clustered(rows: 6000, dimension: 12, seed: 11)

    static var settings: SelectionSettings {
        var s = SelectionSettings(budget: 40)
        s.chunkRows = 512
        s.fanIn = 3
        return s
    }

    /// Any worker count, any arrival order: the selection equals the direct walk of the tree.
    func testSelectionIsIdenticalForWorkerCountsAndArrivalOrders() throws {
        let expected = InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings)
        XCTAssertEqual(expected.count, 40)
        var firstStatistics: EmbeddingStatistics?
        for (workers, slots) in [(1, 1), (2, 1), (3, 2), (5, 1)] {
            for orderSeed: UInt64 in [1, 2] {
                var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: workers, slots: slots, orderSeed: orderSeed)
                cluster.start()
                cluster.runToEnd()
                let outcome = try XCTUnwrap(cluster.outcome, "workers \(workers) order \(orderSeed): \(cluster.log.suffix(3))")
                XCTAssertEqual(outcome.selection, expected, "workers \(workers), order \(orderSeed)")
                XCTAssertEqual(outcome.statistics.count, 6000)
                // Merged in chunk order whatever order the chunks came in: the same bits every time.
                XCTAssertEqual(outcome.statistics, firstStatistics ?? outcome.statistics, "workers \(workers), order \(orderSeed)")
                firstStatistics = firstStatistics ?? outcome.statistics
                XCTAssertEqual(outcome.workers.reduce(0) { $0 + $1.chunkTasks }, 12)
                // Only a straggler's backup copy can produce a second result.
                XCTAssertLessThanOrEqual(outcome.counters.duplicateResults, outcome.counters.backupsIssued)
                if workers > 1 {
                    // Pull leasing spreads the work: nobody sits out.
                    XCTAssertTrue(outcome.workers.allSatisfy { $0.chunkTasks + $0.mergeTasks > 0 }, "\(outcome.workers)")
                }
            }
        }
    }

    /// A partitioned top (k above `maxMergePicks`): the same selection for any worker count and
    /// arrival order, and no task runs above the top level.
    func testPartitionedTopIsIdenticalForWorkerCounts() throws {
        var settings = Self.settings
        settings.maxMergePicks = 15
        let job = SelectionJob(totalRows: 6000, dimension: 12, settings: settings)
        XCTAssertTrue(job.isPartitioned)
        let mergeTasks = job.tree.mergeNodes.filter { $0.level <= job.topLevel }.count
        for outcome in try outcomesMatchingTheDirectWalk(settings, "partitioned top") {
            XCTAssertLessThanOrEqual(outcome.workers.reduce(0) { $0 + $1.mergeTasks }, mergeTasks + outcome.counters.backupsIssued)
        }
    }

    /// Above a partitioned top no greedy merges the picks again, so the coordinator keeps them
    /// without vectors; what it hands over gets them back from the pool, the same as the direct walk's.
    func testPartitionedTopPicksAreHeldWithoutVectors() throws {
        var settings = Self.settings
        settings.maxMergePicks = 15
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: settings, workers: 2, orderSeed: 5)
        cluster.start()
        cluster.runToEnd()
        let held = cluster.coordinator.book.outcome(workers: [], counters: CoordinationCounters()).selection
        XCTAssertEqual(held.count, 40)
        XCTAssertFalse(held.carriesVectors)
        XCTAssertEqual(held.withVectors { Self.vectors.gather($0.map { Int($0) }) }, InMemoryCoordination.reference(vectors: Self.vectors, settings: settings))
        // Below the top, candidates still travel with their vectors.
        var whole = Self.settings
        whole.maxMergePicks = 1000
        var unpartitioned = InMemoryCoordination(vectors: Self.vectors, settings: whole, workers: 2, orderSeed: 5)
        unpartitioned.start()
        unpartitioned.runToEnd()
        XCTAssertTrue(unpartitioned.coordinator.book.outcome(workers: [], counters: CoordinationCounters()).selection.carriesVectors)
    }

    /// Log-det, k-center and the random baseline run the same tree: any worker count gives the direct
    /// walk's selection.
    func testLogDetKCenterAndRandomAreIdenticalForWorkerCounts() throws {
        for objective in [
            Objective.logDeterminant(ridge: SelectionSettings.Default.logDetRidge), .kCenter(.euclidean),
            .kCenter(.cosineDistance), .random,
        ] {
            var settings = Self.settings
            settings.objective = objective
            _ = try outcomesMatchingTheDirectWalk(settings, objective.name)
        }
    }

    /// Runs `settings` with 1, 2 and 3 workers and checks each selection against the direct walk of
    /// the tree (k = 40 rows).
    private func outcomesMatchingTheDirectWalk(_ settings: SelectionSettings, _ label: String) throws -> [SelectionRun] {
        let expected = InMemoryCoordination.reference(vectors: Self.vectors, settings: settings)
        XCTAssertEqual(expected.count, 40)
        return try [1, 2, 3].map { workers in
            var cluster = InMemoryCoordination(vectors: Self.vectors, settings: settings, workers: workers, orderSeed: UInt64(workers))
            cluster.start()
            cluster.runToEnd()
            let outcome = try XCTUnwrap(cluster.outcome, "\(label), \(workers) workers: \(cluster.log.suffix(3))")
            XCTAssertEqual(outcome.selection, expected, "\(label), \(workers) workers")
            return outcome
        }
    }

    /// A quality term: scores travel with the picks, worker counts change nothing, and a result
    /// whose picks lost their scores is refused and its task run again.
    func testQualityTermIsIdenticalForWorkerCountsAndScoresAreRequired() throws {
        var settings = Self.settings
        settings.qualityWeight = 0.5
        var random = SeededRandom(seed: 3)
        let quality = (0..<Self.vectors.rows).map { _ in Float(random.next() % 1000) / 1000 }
        let expected = InMemoryCoordination.reference(vectors: Self.vectors, settings: settings, quality: quality)
        XCTAssertNotEqual(expected.rows, InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings).rows)
        for workers in [1, 2, 3] {
            var cluster = InMemoryCoordination(vectors: Self.vectors, settings: settings, workers: workers, orderSeed: 11, quality: quality)
            cluster.start()
            cluster.runToEnd()
            XCTAssertEqual(try XCTUnwrap(cluster.outcome).selection, expected, "\(workers) workers")
        }
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: settings, workers: 1, orderSeed: 12, quality: quality)
        cluster.start()
        while !cluster.toCoordinator.contains(where: { if case .chunkResult = $0.1 { true } else { false } }) { XCTAssertTrue(cluster.step()) }
        let index = cluster.toCoordinator.firstIndex { if case .chunkResult = $0.1 { true } else { false } }!
        guard case .chunkResult(var r) = cluster.toCoordinator[index].1 else { return XCTFail() }
        r.coreset.quality = nil
        cluster.toCoordinator[index].1 = .chunkResult(r)
        cluster.runToEnd()
        XCTAssertEqual(cluster.coordinator.counters.invalidResults, 1)
        XCTAssertEqual(cluster.outcome?.selection, expected)
    }

    /// Merge nodes that cover a row sample: the samples travel with the results, and neither the
    /// worker count nor a lost worker's retried lease changes the selection or any sample.
    func testRowSampleSelectionIsIdenticalForWorkerCountsAndRetries() throws {
        var settings = Self.settings
        settings.mergeSample = 600
        let expected = InMemoryCoordination.reference(vectors: Self.vectors, settings: settings)
        XCTAssertNotEqual(expected, InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings))
        for workers in [1, 2, 3] {
            // No backups: the lost worker's lease must come back by the silence rule, not be overtaken.
            var noBackups = CoordinationSettings()
            noBackups.backups = false
            var cluster = InMemoryCoordination(vectors: Self.vectors, settings: settings, workers: workers, orderSeed: 4, coordination: noBackups)
            cluster.start()
            if workers > 1 {
                while !cluster.running.contains(where: { $0.0 == 0 }) { XCTAssertTrue(cluster.step()) }
                cluster.workers[0].silent = true
            }
            cluster.runToEnd()
            let outcome = try XCTUnwrap(cluster.outcome, "workers \(workers)")
            XCTAssertEqual(outcome.selection, expected, "workers \(workers)")
            if workers > 1 { XCTAssertGreaterThanOrEqual(outcome.counters.leasesReissued, 1) }
        }
    }

    /// A worker that falls silent mid-task is declared gone after heartbeat × liveness; its lease
    /// goes back to the queue, another worker runs it, and the selection does not change.
    func testSilentWorkersLeasesAreReissued() throws {
        let expected = InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings)
        // No backups: a backup copy would finish the silent worker's task before the silence limit.
        var noBackups = CoordinationSettings()
        noBackups.backups = false
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 2, orderSeed: 3, coordination: noBackups)
        cluster.start()
        // Run until worker 0 holds a lease, then silence it.
        while !cluster.running.contains(where: { $0.0 == 0 }) { XCTAssertTrue(cluster.step()) }
        cluster.workers[0].silent = true
        cluster.runToEnd()
        let outcome = try XCTUnwrap(cluster.outcome)
        XCTAssertEqual(outcome.selection, expected)
        XCTAssertEqual(outcome.counters.workersLost, 1)
        XCTAssertGreaterThanOrEqual(outcome.counters.leasesReissued, 1)
        XCTAssertTrue(outcome.workers.contains { $0.gone && $0.leasesLost == 1 })
        XCTAssertGreaterThanOrEqual(cluster.now, .seconds(5), "declared gone only after the silence limit")
    }

    /// Runs a one-worker cluster to the end; the first chunk result the worker sends is handed to
    /// `tamper` instead of the coordinator, and `tamper` delivers whatever it likes in its place.
    func runTamperingWithFirstResult(
        orderSeed: UInt64, _ tamper: (inout InMemoryCoordination<SelectionBook>, Int, ChunkResult) -> Void
    ) -> InMemoryCoordination<SelectionBook> {
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 1, orderSeed: orderSeed)
        cluster.start()
        var tampered = false
        while cluster.outcome == nil {
            if !tampered, let (i, message) = cluster.toCoordinator.first, case .chunkResult(let r) = message {
                cluster.toCoordinator.removeFirst()
                tamper(&cluster, i, r)
                tampered = true
            }
            if !cluster.step() { cluster.advance(.milliseconds(100)) }
        }
        XCTAssertTrue(tampered)
        return cluster
    }

    /// The first valid result wins; a second copy of it is counted and ignored.
    func testDuplicateResultIsCountedAndIgnored() throws {
        let cluster = runTamperingWithFirstResult(orderSeed: 4) { cluster, i, r in
            cluster.deliver(.chunkResult(r), from: i)
            cluster.deliver(.chunkResult(r), from: i)
        }
        XCTAssertEqual(cluster.outcome?.selection, InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings))
        XCTAssertEqual(cluster.outcome?.counters.duplicateResults, 1)
    }

    /// A result that names rows outside its chunk is dropped and the task is leased again.
    func testInvalidResultIsDroppedAndTheTaskReissued() throws {
        let cluster = runTamperingWithFirstResult(orderSeed: 5) { cluster, i, r in
            var forged = r
            forged.coreset.rows[0] = 999_999
            cluster.deliver(.chunkResult(forged), from: i)
        }
        XCTAssertEqual(cluster.outcome?.selection, InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings))
        XCTAssertEqual(cluster.outcome?.counters.invalidResults, 1)
        XCTAssertEqual(cluster.outcome?.counters.leasesReissued, 1)
    }

    func testResultFromAnotherEpochIsStale() throws {
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 1, orderSeed: 6)
        cluster.start()
        while !cluster.toCoordinator.contains(where: { if case .chunkResult = $0.1 { true } else { false } }) {
            if !cluster.step() { cluster.advance(.milliseconds(100)) }
        }
        let index = cluster.toCoordinator.firstIndex { if case .chunkResult = $0.1 { true } else { false } }!
        let (i, message) = cluster.toCoordinator.remove(at: index)
        cluster.deliver(message, from: i, header: MessageHeader(runID: "test", epoch: 6, sender: "w0", sequence: 1))
        XCTAssertEqual(cluster.coordinator.counters.staleResults, 1)
        cluster.runToEnd()
        XCTAssertEqual(cluster.outcome?.selection, InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings))
    }

    func testHelloWithAnotherProtocolOrConfigurationIsRejected() {
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 1, orderSeed: 7)
        let peer = PeerID(Array("x".utf8))
        let hello = Hello(productVersion: "9", slots: 1, host: "h", pid: 1)
        var actions = cluster.coordinator.receive(
            .hello(hello), header: MessageHeader(protocolVersion: 2, runID: "", epoch: 0, sender: "x", sequence: 1),
            from: peer, now: .zero)
        XCTAssertTrue(actions.contains { if case .send(_, .reject(let r)) = $0 { r.reason == .protocolVersion } else { false } })
        var wrong = hello
        wrong.expectedConfigHash = [9, 9]
        actions = cluster.coordinator.receive(.hello(wrong), header: MessageHeader(runID: "", epoch: 0, sender: "x", sequence: 1), from: peer, now: .zero)
        XCTAssertTrue(actions.contains { if case .send(_, .reject(let r)) = $0 { r.reason == .configHash } else { false } })
        XCTAssertEqual(cluster.coordinator.counters.rejectedHellos, 2)
        XCTAssertEqual(cluster.coordinator.connectedWorkers, 0)
        // A message for another run from a peer that never said Hello is dropped.
        actions = cluster.coordinator.receive(
            .heartbeat(leases: [], tasksDone: 0), header: MessageHeader(runID: "other", epoch: 7, sender: "x", sequence: 2), from: peer, now: .zero)
        XCTAssertEqual(cluster.coordinator.counters.invalidMessages, 1)
    }

    /// A command of several runs at one endpoint tells its workers to expect the first: a worker that
    /// starts late meets a later run, which accepts it for that; any other expectation is refused.
    func testHelloExpectingAnEarlierRunOfTheCommandIsWelcomed() {
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 1, orderSeed: 7)
        cluster.coordinator.earlierRuns = [[7, 7], [8, 8]]
        let header = MessageHeader(runID: "", epoch: 0, sender: "x", sequence: 1)
        for (i, expected) in ([[7, 7], [8, 8], [1, 2, 3], [9, 9]] as [[UInt8]]).enumerated() {
            let hello = Hello(productVersion: "t", slots: 1, host: "h", pid: i, expectedConfigHash: expected)
            let actions = cluster.coordinator.receive(.hello(hello), header: header, from: PeerID(Array("p\(i)".utf8)), now: .zero)
            let welcomed = actions.contains { if case .send(_, .welcome) = $0 { true } else { false } }
            XCTAssertEqual(welcomed, expected != [9, 9], "expecting \(expected): \(actions)")
        }
        XCTAssertEqual(cluster.coordinator.counters.rejectedHellos, 1)
    }

    /// A worker computing with another BLAS kernel than the run's would give other float bits, and
    /// the selection would depend on which worker ran which task: it is refused by name, and one with
    /// the run's kernel joins. A run that names no kernel checks nothing.
    func testHelloWithAnotherBLASKernelIsRejected() {
        let job = SelectionJob(totalRows: Self.vectors.rows, dimension: Self.vectors.dimension, settings: Self.settings)
        var config = RunConfig(
            files: [.init(path: "memory", rows: Self.vectors.rows, bytes: 0, dtype: "<f4")],
            dimension: Self.vectors.dimension, totalRows: Self.vectors.rows, settings: Self.settings, skipNonfinite: false)
        config.blasKernel = "OpenBLAS 0.3.21 Cooperlake"
        var coordinator = Coordinator(
            job: job, welcome: Welcome(configHash: [1], config: config, heartbeat: .seconds(1), liveness: 5),
            runID: "test", epoch: 7, settings: CoordinationSettings())
        let header = MessageHeader(runID: "", epoch: 0, sender: "x", sequence: 1)
        for (i, kernel) in ["OpenBLAS 0.3.21 Haswell", ""].enumerated() {
            let actions = coordinator.receive(
                .hello(Hello(productVersion: "t", slots: 1, host: "node-\(i)", pid: 1, blasKernel: kernel)),
                header: header, from: PeerID(Array("x\(i)".utf8)), now: .zero)
            let rejection = actions.compactMap { if case .send(_, .reject(let r)) = $0 { r } else { nil } }.first
            XCTAssertEqual(rejection?.reason, .blasKernel, "\(actions)")
            XCTAssertTrue(rejection?.detail.contains("node-\(i)") ?? false, rejection?.detail ?? "")
            XCTAssertTrue(rejection?.detail.contains("OpenBLAS 0.3.21 Cooperlake") ?? false, rejection?.detail ?? "")
            XCTAssertTrue(rejection?.detail.contains(kernel.isEmpty ? "an unnamed BLAS kernel" : kernel) ?? false, rejection?.detail ?? "")
            XCTAssertTrue(rejection?.detail.contains("OPENBLAS_CORETYPE") ?? false, rejection?.detail ?? "")
        }
        XCTAssertEqual(coordinator.counters.rejectedHellos, 2)
        XCTAssertEqual(coordinator.connectedWorkers, 0)
        let same = coordinator.receive(
            .hello(Hello(productVersion: "t", slots: 1, host: "h", pid: 1, blasKernel: "OpenBLAS 0.3.21 Cooperlake")),
            header: header, from: PeerID(Array("y".utf8)), now: .zero)
        XCTAssertTrue(same.contains { if case .send(_, .welcome) = $0 { true } else { false } }, "\(same)")
        XCTAssertEqual(coordinator.connectedWorkers, 1)

        // No kernel in the configuration (an older coordinator's): anything joins.
        var open = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 1, orderSeed: 7)
        let any = open.coordinator.receive(
            .hello(Hello(productVersion: "t", slots: 1, host: "h", pid: 1, blasKernel: "OpenBLAS 0.3.21 Haswell")),
            header: header, from: PeerID(Array("z".utf8)), now: .zero)
        XCTAssertTrue(any.contains { if case .send(_, .welcome) = $0 { true } else { false } }, "\(any)")
    }

    /// A run followed by another at the same endpoint (the k-means before a clustered selection): the
    /// same selection, and its workers, and one saying Hello after the end, are sent to the next run
    /// instead of home.
    func testFinishedRunSendsItsWorkersToTheNextRun() {
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 2, orderSeed: 3)
        cluster.coordinator.nextRunFollows = true
        cluster.runToEnd()
        XCTAssertEqual(cluster.outcome?.selection, InMemoryCoordination.reference(vectors: Self.vectors, settings: Self.settings))
        let farewells = cluster.toWorkers.filter { if case .nextRun = $0.1 { true } else { false } }.map(\.0)
        XCTAssertEqual(farewells.sorted(), [0, 1])
        XCTAssertFalse(cluster.toWorkers.contains { if case .shutdown = $0.1 { true } else { false } })
        let late = cluster.coordinator.receive(
            .hello(Hello(productVersion: "t", slots: 1, host: "h", pid: 9)),
            header: MessageHeader(runID: "", epoch: 0, sender: "late", sequence: 1),
            from: PeerID(Array("late".utf8)), now: cluster.now)
        XCTAssertTrue(late.contains { if case .send(_, .nextRun) = $0 { true } else { false } }, "\(late)")
    }

    func testBadDataFailureFailsTheRunAndStopsWorkers() {
        var cluster = InMemoryCoordination(vectors: Self.vectors, settings: Self.settings, workers: 2, orderSeed: 8)
        cluster.start()
        while cluster.running.isEmpty { cluster.step() }
        let (i, lease) = cluster.running[0]
        cluster.deliver(
            .failure(
                TaskFailure(
                    leaseID: lease.id, node: lease.node, code: .nonfinite,
                    message: "pool.npy (row 17): NaN", path: "pool.npy", row: 17)), from: i)
        XCTAssertEqual(cluster.failure?.row, 17)
        XCTAssertEqual(cluster.toWorkers.filter { if case .shutdown(_, 65) = $0.1 { true } else { false } }.count, 2)
    }
}

final class FaultTests: XCTestCase {
    let vectors = CoordinatorTests.vectors
    let settings = CoordinatorTests.settings

    /// A worker that keeps heartbeating but never finishes: once 90% of the chunks are done its
    /// lease gets a backup copy elsewhere, the backup's result wins, the stuck copy is cancelled.
    func testStragglerGetsABackupCopyThatWins() throws {
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 3, orderSeed: 9)
        cluster.start()
        cluster.stallWhenRunning(2)
        cluster.runToEnd()
        let outcome = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(5))")
        XCTAssertEqual(outcome.selection, InMemoryCoordination.reference(vectors: vectors, settings: settings))
        XCTAssertGreaterThanOrEqual(outcome.counters.backupsIssued, 1)
        XCTAssertGreaterThanOrEqual(outcome.counters.backupsWon, 1)
        XCTAssertEqual(outcome.counters.workersLost, 0, "a heartbeating worker is not declared gone")
        XCTAssertTrue(cluster.log.contains("backup copy of a straggler"))
    }

    /// A coordinator restarted from a journal still backs up a straggler: a level's restored tasks
    /// count as done, so its last tenth is reached although few of its tasks were timed here.
    func testStragglerAfterARestartGetsABackupCopy() throws {
        var first = InMemoryCoordination(vectors: vectors, settings: settings, workers: 2, orderSeed: 4)
        first.start()
        func chunks(_ journal: [WorkerMessage]) -> Int { journal.filter { if case .chunkResult = $0 { true } else { false } }.count }
        while chunks(first.journal) < 9 && first.outcome == nil { if !first.step() { first.advance(.milliseconds(100)) } }
        XCTAssertEqual(chunks(first.journal), 9)
        var second = InMemoryCoordination(vectors: vectors, settings: settings, workers: 3, orderSeed: 9)
        _ = second.restore(first.journal)
        second.start()
        second.stallWhenRunning(2)
        second.runToEnd()
        let outcome = try XCTUnwrap(second.outcome, "\(second.log.suffix(5))")
        XCTAssertEqual(outcome.selection, InMemoryCoordination.reference(vectors: vectors, settings: settings))
        XCTAssertGreaterThanOrEqual(outcome.counters.backupsIssued, 1)
    }

    func testNoBackupsWhenSwitchedOff() throws {
        var off = CoordinationSettings()
        off.backups = false
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 3, orderSeed: 9, coordination: off)
        cluster.start()
        cluster.stallWhenRunning(2)
        cluster.runToEnd(maxSteps: 20_000)
        XCTAssertNil(cluster.outcome, "the stuck lease is never copied")
        XCTAssertEqual(cluster.coordinator.counters.backupsIssued, 0)
    }

    /// A chunk that kills every worker that runs it fails the run after 3 deaths, naming its rows.
    func testChunkThatKillsThreeWorkersFailsTheRun() throws {
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 4, orderSeed: 10)
        cluster.deadlyChunk = 3
        cluster.start()
        cluster.runToEnd()
        let failure = try XCTUnwrap(cluster.failure)
        XCTAssertEqual(failure.code, .poisoned)
        XCTAssertEqual(failure.statusCode, .badData, "the process exits 65, as the README documents")
        XCTAssertTrue(failure.message.contains("chunk 3") && failure.message.contains("memory rows"), failure.message)
        XCTAssertEqual(cluster.workers.filter(\.silent).count, 3)
    }

    /// With `--on-poisoned skip` the chunk is left out and recorded; the rest of the run is exact.
    func testPoisonedChunkSkipped() throws {
        var policy = CoordinationSettings()
        policy.onPoisoned = .skip
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 4, orderSeed: 11, coordination: policy)
        cluster.deadlyChunk = 3
        cluster.start()
        cluster.runToEnd()
        let outcome = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(5))")
        XCTAssertEqual(outcome.counters.poisonedChunks, [3])
        XCTAssertEqual(outcome.selection, InMemoryCoordination.reference(vectors: vectors, settings: settings, emptyChunks: [3]))
        let job = SelectionJob(totalRows: vectors.rows, dimension: vectors.dimension, settings: settings)
        XCTAssertEqual(outcome.skippedRows, job.chunkTask(3).rows)
    }
}

final class ResumeTests: XCTestCase {
    let vectors = CoordinatorTests.vectors
    let settings = CoordinatorTests.settings

    /// A coordinator dies after some results; a new one restores its journal and finishes with the
    /// same selection, without leasing any task whose result was journaled.
    func testRestoredCoordinatorFinishesIdenticallyWithoutRedoingWork() throws {
        let expected = InMemoryCoordination.reference(vectors: vectors, settings: settings)
        for cut in [1, 5, 12, 14] {
            var first = InMemoryCoordination(vectors: vectors, settings: settings, workers: 2, orderSeed: UInt64(cut))
            first.start()
            while first.journal.count < cut && first.outcome == nil { if !first.step() { first.advance(.milliseconds(100)) } }
            let journal = first.journal
            var second = InMemoryCoordination(vectors: vectors, settings: settings, workers: 2, orderSeed: 99)
            let reused = second.restore(journal)
            XCTAssertEqual(reused, journal.count)
            second.start()
            second.runToEnd()
            let outcome = try XCTUnwrap(second.outcome ?? (reused == 12 + 4 ? first.outcome : nil), "cut \(cut)")
            XCTAssertEqual(outcome.selection, expected, "cut \(cut)")
            let chunksRestored = journal.filter { if case .chunkResult = $0 { true } else { false } }.count
            XCTAssertEqual(outcome.workers.reduce(0) { $0 + $1.chunkTasks }, 12 - chunksRestored, "cut \(cut): no chunk done twice")
            XCTAssertEqual(outcome.statistics.count, 6000, "statistics of restored chunks come back too")
        }
    }

    /// A journal record that does not fit this plan is skipped; its task runs again.
    func testForeignRecordIsSkipped() throws {
        var cluster = InMemoryCoordination(vectors: vectors, settings: settings, workers: 1, orderSeed: 3)
        let bogus = ChunkResult(
            leaseID: 0, chunk: 99, coreset: .empty(dimension: 12, rowsBeneath: 1),
            statistics: EmbeddingStatistics(dimension: 12), skippedRows: [], busySeconds: 0)
        XCTAssertEqual(cluster.restore([.chunkResult(bogus)]), 0)
        cluster.start()
        cluster.runToEnd()
        XCTAssertEqual(cluster.outcome?.selection, InMemoryCoordination.reference(vectors: vectors, settings: settings))
    }
}

/// Design §4 "worker alive but stuck": heartbeats carry rows done; a lease whose count stands still
/// for the progress timeout is taken back, while a slow task that moves keeps its lease.
final class ProgressTimeoutTests: XCTestCase {
    let vectors = CoordinatorTests.vectors
    let settings = CoordinatorTests.settings

    func cluster(timeout: Duration) -> InMemoryCoordination<SelectionBook> {
        var c = CoordinationSettings()
        c.backups = false  // only the progress rule can rescue the stuck task here
        c.progressTimeout = timeout
        return InMemoryCoordination(vectors: vectors, settings: settings, workers: 3, orderSeed: 9, coordination: c)
    }

    func testStuckTaskLosesItsLease() throws {
        var cluster = cluster(timeout: .seconds(10))
        cluster.start()
        cluster.stallWhenRunning(2, progressFrozen: true)
        cluster.runToEnd()
        let outcome = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(5))")
        XCTAssertEqual(outcome.selection, InMemoryCoordination.reference(vectors: vectors, settings: settings))
        XCTAssertEqual(outcome.counters.leasesRevoked, 1)
        XCTAssertEqual(outcome.counters.workersLost, 0, "the stuck worker still heartbeats")
        XCTAssertTrue(cluster.log.contains("task made no progress; lease taken back"))
        // Its one slot stays taken by the task it still runs: it was leased nothing more.
        let stuck = try XCTUnwrap(outcome.workers.first { $0.name == "w2" })
        XCTAssertEqual(stuck.chunkTasks + stuck.mergeTasks, 0)
    }

    func testSlowTaskThatProgressesKeepsItsLease() {
        var cluster = cluster(timeout: .seconds(10))
        cluster.start()
        cluster.stallWhenRunning(2)
        cluster.runToEnd(maxSteps: 20_000)
        XCTAssertNil(cluster.outcome, "the slow task is never taken away")
        XCTAssertEqual(cluster.coordinator.counters.leasesRevoked, 0)
    }

    /// The timeout is the larger of the floor and 5 × the level's median task: a stall shorter
    /// than the floor is not one.
    func testStallShorterThanTheTimeoutIsTolerated() {
        var cluster = cluster(timeout: .seconds(300))
        cluster.start()
        cluster.stallWhenRunning(2, progressFrozen: true)
        cluster.runToEnd(maxSteps: 20_000)
        XCTAssertEqual(cluster.coordinator.counters.leasesRevoked, 0)
    }
}

/// `--expect-workers`: leasing never waits, but the coordinator reports who came, and a run no
/// worker ever joins ends with 75 instead of idling to the job's time limit.
final class ExpectedWorkersTests: XCTestCase {
    func cluster(workers: Int, expect: Int, wait: Duration = .seconds(60)) -> InMemoryCoordination<SelectionBook> {
        var c = CoordinationSettings()
        c.expectWorkers = expect
        c.workerWait = wait
        return InMemoryCoordination(vectors: CoordinatorTests.vectors, settings: CoordinatorTests.settings, workers: workers, orderSeed: 3, coordination: c)
    }

    func testNoWorkerAtAllEndsTheRunWith75() throws {
        var cluster = cluster(workers: 0, expect: 2)
        cluster.advance(.seconds(59))
        XCTAssertNil(cluster.failure)
        cluster.advance(.seconds(2))
        let failure = try XCTUnwrap(cluster.failure)
        XCTAssertEqual(failure.code, .noWorkers)
        XCTAssertEqual(failure.statusCode, .temporary)
        XCTAssertTrue(failure.message.contains("no worker joined within 60 s"), failure.message)
    }

    func testFewerWorkersThanExpectedIsAWarningAndTheRunGoesOn() throws {
        var cluster = cluster(workers: 2, expect: 3, wait: .milliseconds(50))
        cluster.start()
        cluster.runToEnd()
        XCTAssertTrue(cluster.log.contains("fewer workers than expected joined; the run goes on with them"), "\(cluster.log)")
        XCTAssertEqual(
            try XCTUnwrap(cluster.outcome).selection,
            InMemoryCoordination.reference(vectors: CoordinatorTests.vectors, settings: CoordinatorTests.settings))
    }

    func testAllExpectedWorkersJoinedIsSaid() {
        var cluster = cluster(workers: 3, expect: 3)
        cluster.start()
        cluster.runToEnd()
        XCTAssertNotNil(cluster.outcome)
        XCTAssertTrue(cluster.log.contains("all expected workers joined"))
        XCTAssertFalse(cluster.log.contains("fewer workers than expected joined; the run goes on with them"))
    }
}
