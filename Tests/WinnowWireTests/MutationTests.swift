import XCTest
import WinnowCoordination
import WinnowCore
import WinnowTestKit
import WinnowWire

/// 100,000 mutated envelopes through both decoders: each is rejected with a typed `WireError` or
/// decodes to a message that re-encodes; nothing crashes or hangs.
final class MutationTests: XCTestCase {
    func testHundredThousandMutatedEnvelopes() {
        let codec = WireCodec(dimension: 3)
        let header = MessageHeader(runID: "run", epoch: 3, sender: "w", sequence: 1)
        let coreset = Coreset(
            rows: [1, 4], vectors: VectorBlock(values: [1, 2, 3, 4, 5, 6], dimension: 3),
            gains: [1, 0.5], weights: [3, 1], rowsBeneath: 4)
        let config = RunConfig(
            files: [.init(path: "/p.npy", rows: 4, bytes: 176, dtype: "<f4")], dimension: 3, totalRows: 4,
            settings: SelectionSettings(budget: 2), skipNonfinite: false)
        let seeds: [[UInt8]] = [
            codec.encode(WorkerMessage.hello(Hello(productVersion: "0.1.0", slots: 1, host: "h", pid: 1)), header: header),
            codec.encode(
                WorkerMessage.chunkResult(
                    ChunkResult(
                        leaseID: 1, chunk: 0, coreset: coreset, statistics: .of(coreset.vectors),
                        skippedRows: [2], busySeconds: 1)), header: header),
            codec.encode(WorkerMessage.mergeResult(MergeResult(leaseID: 2, node: .init(level: 1, index: 0), coreset: coreset, busySeconds: 1)), header: header),
            codec.encode(CoordinatorMessage.welcome(Welcome(configHash: config.hash, config: config, heartbeat: .seconds(1), liveness: 5)), header: header),
            codec.encode(
                CoordinatorMessage.lease(
                    Lease(
                        id: 1,
                        work: .merge(
                            MergeTask(
                                node: .init(level: 1, index: 0), children: [coreset],
                                budget: 1, isRoot: true, rowsBeneath: 4)))), header: header),
            codec.encode(CoordinatorMessage.lease(Lease(id: 1, work: .chunk(ChunkTask(chunk: 0, ranges: [0..<4], budget: 1, isRoot: true)))), header: header),
            codec.encode(WorkerMessage.statusRequest, header: header),
            codec.encode(
                CoordinatorMessage.lease(
                    Lease(
                        id: 2,
                        work: .assign(
                            AssignTask(
                                pass: 1, block: 0, rows: 0..<4, centroids: coreset.vectors, returnsAssignments: true, normalizesRows: false)))), header: header),
            codec.encode(
                WorkerMessage.assignResult(
                    AssignResult(
                        leaseID: 2, node: .init(level: 1, index: 0),
                        outcome: AssignOutcome(
                            partial: KMeansPartial(sums: [1, 2, 3, 4, 5, 6], counts: [1, 2], inertia: 3, dimension: 3),
                            assignments: [0, 1, 1, -1], skippedRows: [3]), busySeconds: 1)), header: header),
            codec.encode(
                CoordinatorMessage.lease(
                    Lease(
                        id: 3,
                        work: .dedup(
                            DedupTask(
                                group: 0, clusters: [ClusterMembers(cluster: 1, rows: [0, 2, 3])], settings: DedupSettings(threshold: 0.9))))),
                header: header),
            codec.encode(
                WorkerMessage.dedupResult(
                    DedupResult(
                        leaseID: 3, group: 0,
                        finding: DedupFinding(
                            kept: [0, 3],
                            dropped: [
                                ClusterDrop(
                                    pair: .init(row: 2, nearestKept: 0, similarity: 0.95),
                                    cluster: 1)
                            ], maxSimilarity: [0.95, 0.95, 0.3]), busySeconds: 1)), header: header),
            codec.encode(
                CoordinatorMessage.status(
                    RunStatus(
                        runID: "run", state: .running, level: 1, levels: 2, levelTasksDone: 0, levelTasksTotal: 1, levelRowsDone: 0,
                        chunkRowsDone: 4, totalRows: 4, tasksDone: 1, tasksTotal: 2, tasksRunning: 1, elapsedSeconds: 1, levelSeconds: 0.5,
                        rowsPerSecond: 8, etaSeconds: 0.5, workersAlive: 1,
                        workers: [WorkerStatus(name: "w", host: "h", slots: 1, running: 1, chunkTasks: 1, mergeTasks: 0, busySeconds: 0.4)])), header: header),
        ]
        var mutator = Mutator(seed: 1)
        var rejected: [String: Int] = [:], accepted = 0
        for i in 0..<100_000 {
            let bytes = mutator.mutate(seeds[i % seeds.count])
            for asCoordinator in [true, false] {
                do {
                    if asCoordinator {
                        let (h, m) = try codec.decodeWorkerMessage(bytes)
                        _ = codec.encode(m, header: h)
                    } else {
                        let (h, m) = try codec.decodeCoordinatorMessage(bytes)
                        _ = codec.encode(m, header: h)
                    }
                    accepted += 1
                } catch {
                    rejected[error.code.name, default: 0] += 1
                }
            }
        }
        let total = rejected.values.reduce(0, +) + accepted
        XCTAssertEqual(total, 200_000)
        // Most mutations break something; each break is one of the documented codes.
        XCTAssertGreaterThan(rejected.values.reduce(0, +), 100_000, "\(rejected)")
        XCTAssertTrue(
            Set(rejected.keys).isSubset(of: [
                "oversized", "undecodable", "bad-magic", "no-body", "wrong-direction",
                "over-limit", "inconsistent", "bad-frames", "unknown-fields",
            ]), "\(rejected)")
        print("mutated envelopes: \(total) decodes, \(accepted) accepted, rejected by code: \(rejected.sorted { $0.key < $1.key })")
    }
}
