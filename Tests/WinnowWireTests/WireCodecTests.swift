import Foundation
import SwiftProtobuf
import XCTest
import WinnowCoordination
import WinnowCore
import WinnowTestKit
import WinnowWire

final class WireCodecTests: XCTestCase {
    let codec = WireCodec(dimension: 3)
    let header = MessageHeader(runID: "run", epoch: 42, sender: "w1", sequence: 9)

    var coreset: Coreset {
        Coreset(
            rows: [5, 2], vectors: VectorBlock(values: [1, 2, 3, 4, 5, 6.5], dimension: 3), gains: [0.5, 0.25],
            weights: [10, 6], rowsBeneath: 16)
    }

    /// A coreset carrying its row sample (merge nodes that cover a sample), as it travels: rows and
    /// weights, no vectors.
    var sampledCoreset: Coreset {
        var c = coreset
        c.sample = RowSample(rows: [7, 3, 11], vectors: VectorBlock(values: [], dimension: 3), weights: [5, 5, 6])
        return c
    }

    /// Sample vectors never travel: the receiver reads the rows from the shared pool.
    func testSampleVectorsStayHome() throws {
        var c = coreset
        c.sample = RowSample(rows: [7, 3], vectors: VectorBlock(values: [0, 1, 2, 3, 4, 5], dimension: 3), weights: [8, 8])
        let bytes = codec.encode(
            WorkerMessage.mergeResult(MergeResult(leaseID: 1, node: .init(level: 1, index: 0), coreset: c, busySeconds: 0)), header: header)
        guard case .mergeResult(let r) = try codec.decodeWorkerMessage(bytes).1 else { return XCTFail("not a merge result") }
        XCTAssertEqual(r.coreset.sample, c.sample!.withoutVectors)
        XCTAssertFalse(r.coreset.sample!.carriesVectors)
    }

    var config: RunConfig {
        var s = SelectionSettings(budget: 7)
        s.objective = .facilityLocation(.rbf(gamma: 0.125))
        s.optimizer = .stochastic(epsilon: 0.05)
        s.merge = .unweighted
        s.seed = 99
        s.mergeSample = 4096
        s.maxMergePicks = 5
        s.neighbors = 12
        var config = RunConfig(
            files: [
                .init(path: "/data/a.npy", rows: 10, bytes: 248, dtype: "<f2"),
                .init(path: "/data/b.npy", rows: 6, bytes: 200, dtype: "<f2"),
            ],
            dimension: 3, totalRows: 16, settings: s, skipNonfinite: true)
        config.blasKernel = "OpenBLAS 0.3.21 Cooperlake"
        return config
    }

    /// A status as the wire carries it: retries as one count (reissued), the counters it names.
    var status: RunStatus {
        var counters = CoordinationCounters()
        counters.leasesReissued = 3
        counters.backupsIssued = 1
        counters.duplicateResults = 2
        counters.invalidMessages = 4
        counters.reusedFromJournal = 5
        return RunStatus(
            runID: "ab12", state: .running, level: 1, levels: 3, levelTasksDone: 2, levelTasksTotal: 7,
            levelRowsDone: 60_000, chunkRowsDone: 200_000, totalRows: 200_000, tasksDone: 51, tasksTotal: 57,
            tasksRunning: 2, elapsedSeconds: 4.5, levelSeconds: 0.25, rowsPerSecond: 240_000, etaSeconds: 0.58,
            workersAlive: 2, counters: counters,
            workers: [WorkerStatus(name: "local-0", host: "vm", slots: 1, running: 1, chunkTasks: 25, mergeTasks: 1, busySeconds: 3.9)])
    }

    /// A run that weighs quality: the column travels in the configuration, the scores with the picks.
    func testQualityColumnAndScoresRoundTripAndMustPair() throws {
        var weighted = config
        weighted.settings.qualityWeight = 0.75
        weighted.quality = .init(path: "/data/quality.npy", rows: 16, bytes: 192, dtype: "<f4")
        let welcome = CoordinatorMessage.welcome(Welcome(configHash: weighted.hash, config: weighted, heartbeat: .seconds(1), liveness: 5))
        XCTAssertEqual(try codec.decodeCoordinatorMessage(codec.encode(welcome, header: header)).1, welcome)
        XCTAssertNotEqual(weighted.hash, config.hash)
        var scored = coreset
        scored.quality = (0..<coreset.count).map { Float($0) / 4 }
        let result = WorkerMessage.mergeResult(MergeResult(leaseID: 4, node: .init(level: 1, index: 2), coreset: scored, busySeconds: 0.5))
        XCTAssertEqual(try codec.decodeWorkerMessage(codec.encode(result, header: header)).1, result)
        // A weight without its column (or the reverse) is refused.
        var orphan = weighted
        orphan.quality = nil
        let bad = CoordinatorMessage.welcome(Welcome(configHash: orphan.hash, config: orphan, heartbeat: .seconds(1), liveness: 5))
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(bad, header: header)))
        // As are scores that do not pair up with the picks.
        scored.quality = [1]
        let short = WorkerMessage.mergeResult(MergeResult(leaseID: 4, node: .init(level: 1, index: 2), coreset: scored, busySeconds: 0.5))
        XCTAssertThrowsError(try codec.decodeWorkerMessage(codec.encode(short, header: header)))
    }

    /// Label budgets: the mode (or explicit caps) in the settings, the labels column in the
    /// configuration, the caps in leases, the labels with the picks.
    func testLabelBudgetsRoundTrip() throws {
        for budget in [LabelBudget.proportional, .balanced, .explicit([7: 3, -2: 0, 40: 11])] {
            var labelled = config
            labelled.settings.labelBudget = budget
            labelled.labels = .init(path: "/data/labels.npy", rows: 16, bytes: 256, dtype: "<i8")
            let welcome = CoordinatorMessage.welcome(Welcome(configHash: labelled.hash, config: labelled, heartbeat: .seconds(1), liveness: 5))
            XCTAssertEqual(try codec.decodeCoordinatorMessage(codec.encode(welcome, header: header)).1, welcome)
            XCTAssertNotEqual(labelled.hash, config.hash)
        }
        let caps = LabelCaps(labels: [-1, 4, 9], caps: [2, 0, 5])
        var labelled = coreset
        labelled.labels = (0..<coreset.count).map { Int64($0 % 2 == 0 ? 9 : -1) }
        for lease in [
            Lease(id: 3, work: .chunk(ChunkTask(chunk: 4, ranges: [0..<64], budget: 7, isRoot: false, labelCaps: caps))),
            Lease(
                id: 4,
                work: .merge(
                    MergeTask(
                        node: .init(level: 1, index: 0), children: [labelled], budget: 7, isRoot: true,
                        rowsBeneath: 40, labelCaps: caps))),
        ] {
            let message = CoordinatorMessage.lease(lease)
            XCTAssertEqual(try codec.decodeCoordinatorMessage(codec.encode(message, header: header)).1, message)
        }
        // Caps over children that lost their labels are refused.
        let unlabelled = CoordinatorMessage.lease(
            Lease(
                id: 5,
                work: .merge(
                    MergeTask(
                        node: .init(level: 1, index: 0), children: [coreset],
                        budget: 7, isRoot: true, rowsBeneath: 40, labelCaps: caps))))
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(unlabelled, header: header)))
    }

    /// A status that cannot be true is refused as a whole.
    func testImpossibleStatusIsRefused() {
        var beyond = status
        beyond.level = 3
        var notANumber = status
        notANumber.rowsPerSecond = .nan
        for bad in [beyond, notANumber] {
            XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(CoordinatorMessage.status(bad), header: header))) { error in
                XCTAssertEqual((error as? WireError)?.code, .inconsistent)
            }
        }
        // A request is the coordinator's to read, a reply the client's.
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(WorkerMessage.statusRequest, header: header)))
        XCTAssertThrowsError(try codec.decodeWorkerMessage(codec.encode(CoordinatorMessage.status(status), header: header)))
    }

    func testEveryCoordinatorMessageRoundTrips() throws {
        var logDet = config, random = config
        logDet.settings.objective = .logDeterminant(ridge: 0.25)
        random.settings.objective = .random
        logDet.settings.neighbors = 0
        random.settings.neighbors = 0
        let messages: [CoordinatorMessage] = [
            .welcome(Welcome(configHash: config.hash, config: config, heartbeat: .milliseconds(1500), liveness: 4)),
            .welcome(Welcome(configHash: logDet.hash, config: logDet, heartbeat: .milliseconds(1500), liveness: 4)),
            .welcome(Welcome(configHash: random.hash, config: random, heartbeat: .milliseconds(1500), liveness: 4)),
            .reject(Rejection(.configHash, "other run")),
            .heartbeat,
            .lease(
                Lease(
                    id: 3,
                    work: .chunk(
                        ChunkTask(
                            chunk: 4, ranges: [0..<64, 128..<130], budget: 5, isRoot: false,
                            sampleRows: 9)))),
            .lease(
                Lease(
                    id: 4,
                    work: .merge(
                        MergeTask(
                            node: .init(level: 2, index: 1), children: [coreset, coreset],
                            budget: 3, isRoot: true, rowsBeneath: 40)))),
            .lease(
                Lease(
                    id: 5,
                    work: .merge(
                        MergeTask(
                            node: .init(level: 1, index: 0), children: [sampledCoreset, sampledCoreset],
                            budget: 3, isRoot: false, rowsBeneath: 32, sampleRows: 2)))),
            .cancel(leaseID: 8),
            .shutdown(reason: "done", status: 65),
            .nextRun(reason: "k-means done"),
            .status(status),
            .status(
                RunStatus(
                    runID: "", state: .finished, level: 0, levels: 1, levelTasksDone: 1, levelTasksTotal: 1, levelRowsDone: 9,
                    chunkRowsDone: 9, totalRows: 9, tasksDone: 1, tasksTotal: 1, tasksRunning: 0, elapsedSeconds: 0,
                    levelSeconds: 0, rowsPerSecond: 0, etaSeconds: nil, workersAlive: 0)),
        ]
        for m in messages {
            let (h, back) = try codec.decodeCoordinatorMessage(codec.encode(m, header: header))
            XCTAssertEqual(h, header)
            XCTAssertEqual(back, m)
        }
    }

    func testEveryWorkerMessageRoundTrips() throws {
        let stats = EmbeddingStatistics.of(coreset.vectors)
        let messages: [WorkerMessage] = [
            .hello(Hello(productVersion: "0.1.0", slots: 2, host: "node7", pid: 123, expectedConfigHash: [1, 2])),
            .hello(Hello(productVersion: "0.1.0", slots: 1, host: "node8", pid: 9, blasKernel: "OpenBLAS 0.3.21 Haswell")),
            .heartbeat(leases: [LeaseProgress(id: 1, rowsDone: 0), LeaseProgress(id: 5, rowsDone: 1 << 40)], tasksDone: 12),
            .heartbeat(leases: [LeaseProgress(id: 2)], tasksDone: 0),
            .chunkResult(ChunkResult(leaseID: 3, chunk: 4, coreset: sampledCoreset, statistics: stats, skippedRows: [7], busySeconds: 1.5)),
            .mergeResult(MergeResult(leaseID: 4, node: .init(level: 1, index: 2), coreset: coreset, busySeconds: 0.5)),
            .release(leases: [9], reason: "stopping"),
            .failure(
                TaskFailure(
                    leaseID: 3, node: .init(level: 0, index: 4), code: .nonfinite, message: "NaN",
                    path: "/data/a.npy", row: 17, byteOffset: 1024)),
            .statusRequest,
        ]
        for m in messages {
            let (h, back) = try codec.decodeWorkerMessage(codec.encode(m, header: header))
            XCTAssertEqual(h, header)
            XCTAssertEqual(back, m)
        }
    }

    func testConfigHashDependsOnEverySettingThatShapesTheRun() {
        let changes: [(String, (inout SelectionSettings) -> Void)] = [
            ("chunk rows", { $0.chunkRows = 4096 }), ("merge sample", { $0.mergeSample = 8192 }),
            ("max merge picks", { $0.maxMergePicks = 3 }), ("neighbors", { $0.neighbors = 0 }),
        ]
        for (name, change) in changes {
            var changed = config
            change(&changed.settings)
            XCTAssertNotEqual(changed.hash, config.hash, name)
        }
        var other = config
        other.settings.objective = .logDeterminant(ridge: 0.1)
        var ridge = other
        ridge.settings.objective = .logDeterminant(ridge: 0.2)
        var random = other
        random.settings.objective = .random
        XCTAssertEqual(Set([config.hash, other.hash, ridge.hash, random.hash]).count, 4)
        XCTAssertEqual(config.hash, config.hash)
        XCTAssertEqual(config.hash.count, 32)
        // A journal written with one BLAS kernel is not resumed with another.
        var kernel = config
        kernel.blasKernel = "OpenBLAS 0.3.21 Haswell"
        XCTAssertNotEqual(kernel.hash, config.hash)
    }

    // MARK: hostile input: each is refused with its own code, never a crash

    func assertRefused(_ bytes: [UInt8], _ code: WireError.Code, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try codec.decodeWorkerMessage(bytes), file: file, line: line) { error in
            XCTAssertEqual((error as? WireError)?.code, code, "\(error)", file: file, line: line)
        }
    }

    func envelope(_ body: (inout Winnow_V1_Envelope) -> Void) -> [UInt8] {
        var e = Winnow_V1_Envelope()
        e.magic = WireCodec.magic
        e.protocolVersion = 1
        body(&e)
        return try! e.serializedBytes()
    }

    func testGarbageBytesAreUndecodable() {
        var random = SeededRandom(seed: 5, stream: .evaluation)
        assertRefused([0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .undecodable)
        // Random bytes: refused one way or another, never accepted and never a crash.
        for _ in 0..<500 {
            let bytes = (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            XCTAssertThrowsError(try codec.decodeWorkerMessage(bytes))
        }
    }

    func testWrongMagicIsRefused() {
        assertRefused(
            envelope {
                $0.magic = 0x1234; $0.heartbeat = Winnow_V1_Heartbeat()
            }, .badMagic)
        assertRefused(Array("GET / HTTP/1.1\r\n\r\n".utf8), .undecodable)
    }

    func testTruncatedProtobufIsRefused() {
        let full = codec.encode(
            WorkerMessage.mergeResult(MergeResult(leaseID: 1, node: .init(level: 1, index: 0), coreset: coreset, busySeconds: 0)), header: header)
        for cut in [full.count - 1, full.count - 7, full.count / 2] {
            XCTAssertThrowsError(try codec.decodeWorkerMessage(Array(full.prefix(cut))), "cut at \(cut)")
        }
    }

    /// Progress counts must pair with the leases they describe (Proto/README.md: all or none).
    func testHeartbeatWithProgressForOtherLeasesIsRefused() {
        assertRefused(
            envelope {
                var b = Winnow_V1_Heartbeat()
                b.leaseIds = [1, 2]
                b.rowsDone = [5]
                $0.heartbeat = b
            }, .inconsistent)
    }

    func testVectorBlobOfTheWrongLengthIsRefused() {
        var w = coreset.wire
        w.vectors.removeLast(4)
        assertRefused(
            envelope {
                var r = Winnow_V1_MergeResult()
                r.task.level = 1
                r.coreset = w
                $0.mergeResult = r
            }, .inconsistent)
        var lengths = coreset.wire
        lengths.weights.append(1)
        assertRefused(
            envelope {
                var r = Winnow_V1_MergeResult()
                r.task.level = 1
                r.coreset = lengths
                $0.mergeResult = r
            }, .inconsistent)
    }

    func testFieldsOverTheirLimitsAreRefused() throws {
        var limits = WireLimits()
        limits.rows = 1
        let tight = WireCodec(limits: limits, dimension: 3)
        let bytes = codec.encode(
            WorkerMessage.mergeResult(MergeResult(leaseID: 1, node: .init(level: 1, index: 0), coreset: coreset, busySeconds: 0)), header: header)
        XCTAssertThrowsError(try tight.decodeWorkerMessage(bytes)) { XCTAssertEqual(($0 as? WireError)?.code, .overLimit) }
        limits = WireLimits()
        limits.messageBytes = 100
        XCTAssertThrowsError(try WireCodec(limits: limits, dimension: 3).decodeWorkerMessage(bytes)) {
            XCTAssertEqual(($0 as? WireError)?.code, .oversized)
        }
        assertRefused(
            envelope {
                var h = Winnow_V1_Hello(); h.host = String(repeating: "x", count: 10_000); $0.hello = h
            }, .overLimit)
        var welcome = Winnow_V1_Welcome()
        welcome.config = config.wire
        welcome.config.dimension = 1 << 20
        welcome.heartbeatMillis = 1000
        welcome.liveness = 5
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(envelope { $0.welcome = welcome })) {
            XCTAssertEqual(($0 as? WireError)?.code, .overLimit)
        }
        // K of sparse facility location beyond its limit: a worker would hold n · K entries.
        welcome.config = config.wire
        welcome.config.settings.neighbors = UInt32(SelectionSettings.neighborLimit + 1)
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(envelope { $0.welcome = welcome })) {
            XCTAssertEqual(($0 as? WireError)?.code, .overLimit)
        }
    }

    /// A configuration from a newer build (a field this one does not know, in `Settings` or in
    /// `RunConfig`) is refused with its own code: the worker leaves instead of computing another run.
    func testConfigurationWithUnknownFieldsIsRefused() throws {
        // Field 999, varint 1: a field no build has.
        let unknown: [UInt8] = [0xB8, 0x3E, 0x01]
        var welcome = Winnow_V1_Welcome()
        welcome.config = config.wire
        welcome.heartbeatMillis = 1000
        welcome.liveness = 5
        XCTAssertNoThrow(try codec.decodeCoordinatorMessage(envelope { $0.welcome = welcome }))
        var newerSettings = welcome
        newerSettings.config.settings = try Winnow_V1_Settings(serializedBytes: try welcome.config.settings.serializedBytes() + unknown)
        var newerConfig = welcome
        newerConfig.config = try Winnow_V1_RunConfig(serializedBytes: try welcome.config.serializedBytes() + unknown)
        for w in [newerSettings, newerConfig] {
            XCTAssertThrowsError(try codec.decodeCoordinatorMessage(envelope { $0.welcome = w })) {
                XCTAssertEqual(($0 as? WireError)?.code, .unknownFields)
                XCTAssertTrue("\($0)".contains("same winnow build"), "\($0)")
            }
        }
    }

    func testMessagesInTheWrongDirectionOrWithoutBodyAreRefused() {
        assertRefused(envelope { $0.shutdown = Winnow_V1_Shutdown() }, .wrongDirection)
        assertRefused(envelope { _ in }, .noBody)
        // A lease whose rows run backwards.
        var lease = Winnow_V1_Lease()
        lease.budget = 1
        var chunk = Winnow_V1_ChunkTask()
        var r = Winnow_V1_RowRange()
        r.lower = 10
        r.upper = 5
        chunk.ranges = [r]
        lease.chunk = chunk
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(envelope { $0.lease = lease })) {
            XCTAssertEqual(($0 as? WireError)?.code, .inconsistent)
        }
    }
}
