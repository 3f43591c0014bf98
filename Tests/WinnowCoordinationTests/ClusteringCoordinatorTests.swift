import XCTest
import WinnowCoordination
import WinnowCore
import WinnowTestKit

/// Distributed k-means as the coordinator runs it: blocks of each Lloyd pass leased to simulated
/// workers, results arriving in a seeded random order, faults injected. Every run must equal the
/// plan walked directly in one thread, to the last bit.
final class ClusteringCoordinatorTests: XCTestCase {
    static let vectors = NpyFixtures.clustered(rows: 5000, dimension: 10, seed: 3)

    static var settings: KMeansSettings {
        var s = KMeansSettings(k: 7)
        s.iterations = 4
        s.chunkRows = 600
        s.fitRowsPerCluster = 256  // a sample of 36 % of the rows: three blocks an iteration
        return s
    }

    static var seeds: VectorBlock {
        var random = SeededRandom(seed: 5, stream: .kMeansSeed)
        return KMeans.seed(vectors, k: settings.k, random: &random)
    }

    /// The plan walked block by block, pass by pass, in this thread.
    static func reference(_ settings: KMeansSettings = settings) -> LloydPasses {
        var passes = LloydPasses(totalRows: vectors.rows, settings: settings, seeds: seeds)
        while !passes.isFinished {
            for b in passes.blocks.indices {
                let task = passes.task(b)
                let rows = task.participants
                var block = vectors.gather(rows)
                if task.normalizesRows { block = block.normalized() }
                _ = passes.record(AssignOutcome.assigning(block, rows: rows, kept: nil, for: task), block: b)
            }
        }
        return passes
    }

    static func cluster(
        workers: Int, slots: Int = 1, orderSeed: UInt64, settings: KMeansSettings = settings,
        coordination: CoordinationSettings = CoordinationSettings()
    ) -> InMemoryCoordination<ClusteringBook> {
        var config = RunConfig(
            files: [.init(path: "memory", rows: vectors.rows, bytes: 0, dtype: "<f4")],
            dimension: vectors.dimension, totalRows: vectors.rows, settings: SelectionSettings(budget: 1), skipNonfinite: false)
        config.clustering = settings
        let welcome = Welcome(configHash: [4, 5, 6], config: config, heartbeat: .seconds(1), liveness: 5)
        let book = ClusteringBook(totalRows: vectors.rows, settings: settings, seeds: seeds)
        return InMemoryCoordination(
            coordinator: Coordinator(book: book, welcome: welcome, runID: "test", epoch: 7, settings: coordination),
            vectors: vectors, settings: SelectionSettings(budget: 1), workers: workers, slots: slots, orderSeed: orderSeed)
    }

    func testAnyWorkerCountAndArrivalOrderGivesTheDirectWalk() throws {
        let expected = Self.reference()
        XCTAssertEqual(expected.finishedPasses.count, 5)
        XCTAssertTrue(expected.assignments.allSatisfy { (0..<7).contains($0) })
        for (workers, slots) in [(1, 1), (2, 1), (3, 1), (3, 2)] {
            for orderSeed: UInt64 in [1, 2, 3] {
                var cluster = Self.cluster(workers: workers, slots: slots, orderSeed: orderSeed)
                cluster.start()
                cluster.runToEnd()
                let run = try XCTUnwrap(cluster.outcome, "workers \(workers) order \(orderSeed): \(cluster.log.suffix(3))")
                XCTAssertEqual(run.passes, expected, "workers \(workers), order \(orderSeed)")
                XCTAssertEqual(run.passSeconds.count, 5)
                // Three iterations fit on a sample (three blocks each), the last iteration and the
                // last pass read the pool's nine blocks; only a straggler's backup adds a lease.
                XCTAssertEqual([expected.fitBlocks.count, expected.finalBlocks.count], [3, 9])
                XCTAssertEqual(run.workers.reduce(0) { $0 + $1.chunkTasks }, 27)
                XCTAssertEqual(run.counters.leasesIssued, 27 + run.counters.backupsIssued + run.counters.leasesReissued)
                if workers > 1 { XCTAssertTrue(run.workers.allSatisfy { $0.chunkTasks > 0 }, "\(run.workers)") }
            }
        }
    }

    /// Unit rows (dedup's geometry) travel in the configuration and give the reference's centroids.
    func testNormalizedRowsMatchTheDirectWalk() throws {
        var settings = Self.settings
        settings.normalizesRows = true
        var cluster = Self.cluster(workers: 2, orderSeed: 4, settings: settings)
        cluster.start()
        cluster.runToEnd()
        XCTAssertEqual(try XCTUnwrap(cluster.outcome).passes, Self.reference(settings))
    }

    /// A worker that falls silent mid-pass: its blocks go to the others, and the result is unchanged.
    func testAWorkerLostMidPassChangesNothing() throws {
        var cluster = Self.cluster(workers: 3, orderSeed: 9)
        cluster.start()
        // Into the second pass, then worker 1 goes quiet holding a block.
        while cluster.coordinator.book.passes.pass < 1 || !cluster.running.contains(where: { $0.0 == 1 }) {
            XCTAssertTrue(
                cluster.step()
                    || {
                        cluster.advance(.milliseconds(100)); return true
                    }())
        }
        cluster.workers[1].silent = true
        cluster.runToEnd()
        let run = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(3))")
        XCTAssertEqual(run.passes, Self.reference())
        XCTAssertEqual(run.counters.workersLost, 1)
        XCTAssertTrue(run.workers.contains { $0.gone })
    }

    /// Results that do not fit their block are dropped and the block is leased again. The lone worker
    /// then runs that copy while the good result comes in: the copy is cancelled, and its slot stays
    /// taken until the worker lets it go (leased into at once, the worker gave the new lease back "over
    /// credit" and was retired: this run used to wait forever).
    func testResultsThatDoNotFitAreRefused() throws {
        var cluster = Self.cluster(workers: 1, orderSeed: 2)
        cluster.start()
        while !cluster.toCoordinator.contains(where: { if case .assignResult = $0.1 { true } else { false } }) { XCTAssertTrue(cluster.step()) }
        let index = cluster.toCoordinator.firstIndex { if case .assignResult = $0.1 { true } else { false } }!
        guard case .assignResult(let good) = cluster.toCoordinator.remove(at: index).1 else { return XCTFail() }
        func tampered(_ change: (inout AssignResult) -> Void) -> WorkerMessage {
            var r = good
            change(&r)
            return .assignResult(r)
        }
        let k = Self.settings.k, d = Self.vectors.dimension
        let bad: [(String, WorkerMessage)] = [
            (
                "a cluster short",
                tampered {
                    $0.outcome.partial = KMeansPartial(
                        sums: Array(repeating: 0, count: (k - 1) * d),
                        counts: Array(repeating: 0, count: k - 1), inertia: 0, dimension: d)
                }
            ),
            (
                "counts not adding up",
                tampered {
                    var counts = $0.outcome.partial.counts
                    counts[0] += 1
                    $0.outcome.partial = KMeansPartial(sums: $0.outcome.partial.sums, counts: counts, inertia: 0, dimension: d)
                }
            ),
            (
                "a NaN sum",
                tampered {
                    var sums = $0.outcome.partial.sums
                    sums[3] = .nan
                    $0.outcome.partial = KMeansPartial(sums: sums, counts: $0.outcome.partial.counts, inertia: 0, dimension: d)
                }
            ),
            ("no sums before the last pass", tampered { $0.outcome.partial = $0.outcome.partial.withoutSums() }),
            ("assignments in the first pass", tampered { $0.outcome.assignments = Array(repeating: 0, count: 600) }),
            ("a later pass", tampered { $0.node = MergeTree.Node(level: 1, index: $0.node.index) }),
        ]
        XCTAssertEqual(cluster.unrefused(bad, from: 0), [])
        cluster.deliver(.assignResult(good), from: 0)
        cluster.runToEnd()
        let run = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(8)) \(cluster.coordinator.counters)")
        XCTAssertEqual(run.passes, Self.reference())
        // The good result came after its block was leased again: that copy was cancelled.
        XCTAssertGreaterThanOrEqual(run.counters.leasesReissued, 1)
    }
}

extension ClusteringCoordinatorTests {
    /// The last pass moves no centroid, so its results carry counts, inertia and assignments but no
    /// sums (30 MB a block at k = 10,000); one that brings sums is refused, and the run still ends as
    /// the direct walk.
    func testTheLastPassSendsNoSums() throws {
        var cluster = Self.cluster(workers: 2, orderSeed: 4)
        cluster.start()
        func lastPassResult() -> Int? {
            cluster.toCoordinator.firstIndex {
                if case .assignResult(let r) = $0.1 { r.node.level == Self.settings.iterations } else { false }
            }
        }
        while lastPassResult() == nil { XCTAssertTrue(cluster.step()) }
        let (worker, message) = cluster.toCoordinator.remove(at: lastPassResult()!)
        guard case .assignResult(let good) = message else { return XCTFail() }
        XCTAssertEqual(good.outcome.partial.sums, [])
        XCTAssertNotNil(good.outcome.assignments)
        var withSums = good
        let k = Self.settings.k, d = Self.vectors.dimension
        withSums.outcome.partial = KMeansPartial(
            sums: Array(repeating: 0, count: k * d), counts: good.outcome.partial.counts, inertia: good.outcome.partial.inertia, dimension: d)
        XCTAssertEqual(cluster.unrefused([("sums in the last pass", .assignResult(withSums))], from: worker), [])
        cluster.deliver(.assignResult(good), from: worker)
        cluster.runToEnd()
        let run = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(8))")
        XCTAssertEqual(run.passes, Self.reference())
    }
}

/// De-duplication's within-cluster pass on simulated workers: groups of clusters leased in any order
/// to any number of workers give the plan's direct walk; results that do not fit their group are refused.
final class DedupCoordinatorTests: XCTestCase {
    /// Rows with planted near-copies, and a clustering of them that puts copies together.
    static let (vectors, assignments): (VectorBlock, [Int32]) = {
        var random = SeededRandom(seed: 8)
        var values = (0..<900 * 6).map { _ in Float(random.normal()) }
        for _ in 0..<300 {
            let j = random.index(below: 900)
            values += (0..<6).map { values[j * 6 + $0] + Float(random.normal()) * 0.001 }
        }
        let block = VectorBlock(values: values, dimension: 6)
        // Clusters by the sign pattern of the first three coordinates: copies land with their originals.
        var clusters: [Int32] = []
        for i in 0..<block.rows {
            var c: Int32 = 0
            for t in 0..<3 where values[i * 6 + t] > 0 { c |= 1 << Int32(t) }
            clusters.append(c)
        }
        return (block, clusters)
    }()

    static let plan = DedupPlan(assignments: assignments, clusters: 8, settings: DedupSettings(threshold: 0.99), groupRows: 200)

    static func cluster(workers: Int, orderSeed: UInt64, plan: DedupPlan = plan) -> InMemoryCoordination<DedupBook> {
        var config = RunConfig(
            files: [.init(path: "memory", rows: vectors.rows, bytes: 0, dtype: "<f4")],
            dimension: vectors.dimension, totalRows: vectors.rows, settings: SelectionSettings(budget: 1), skipNonfinite: false)
        config.dedup = plan.settings
        let welcome = Welcome(configHash: [7], config: config, heartbeat: .seconds(1), liveness: 5)
        return InMemoryCoordination(
            coordinator: Coordinator(
                book: DedupBook(plan: plan, totalRows: vectors.rows), welcome: welcome, runID: "test",
                epoch: 7, settings: CoordinationSettings()),
            vectors: vectors, settings: SelectionSettings(budget: 1), workers: workers, orderSeed: orderSeed)
    }

    func testGroupsCoverEveryClusteredRowOnceInClusterOrder() {
        let plan = Self.plan
        XCTAssertGreaterThan(plan.groups.count, 3)
        let clusters = plan.groups.flatMap { $0.map(\.cluster) }
        XCTAssertEqual(clusters, clusters.sorted())
        XCTAssertEqual(plan.groups.flatMap { $0.flatMap(\.rows) }.sorted(), (0..<Int64(Self.vectors.rows)).map { $0 })
        for g in plan.groups where g.count > 1 { XCTAssertLessThanOrEqual(g.reduce(0) { $0 + $1.rows.count }, 200) }
        // A row left out (cluster −1) is in no group.
        var assignments = Self.assignments
        assignments[5] = -1
        XCTAssertFalse(
            DedupPlan(assignments: assignments, clusters: 8, settings: DedupSettings(threshold: 0.99)).groups.flatMap { $0.flatMap(\.rows) }.contains(5))
    }

    /// Kept in row order and kept nearest the centre (clusters of more than 150 rows split into parts
    /// of ~60): any number of workers gives the direct walk's rows and similarities.
    func testAnyWorkerCountGivesTheDirectWalk() throws {
        var central = DedupSettings(threshold: 0.99)
        central.keep = .central
        central.splitRows = 150
        central.partRows = 60
        let split = DedupPlan(assignments: Self.assignments, clusters: 8, settings: central, groupRows: 200)
        for plan in [Self.plan, split] {
            let found = plan.groups.indices.map { plan.task($0).run(read: { Self.vectors.gather($0.map { Int($0) }) }) }
            let expected = DedupFinding(kept: found.flatMap(\.kept), dropped: found.flatMap(\.dropped), maxSimilarity: []).sorted()
            let similarity = plan.combined(found, totalRows: Self.vectors.rows).maxSimilarity
            XCTAssertGreaterThanOrEqual(expected.dropped.count, 250)
            XCTAssertTrue(similarity.allSatisfy { !$0.isNaN }, "every cluster keeps more than one row here")
            for workers in [1, 2, 3] {
                var cluster = Self.cluster(workers: workers, orderSeed: UInt64(workers), plan: plan)
                cluster.start()
                cluster.runToEnd()
                let run = try XCTUnwrap(cluster.outcome, "\(cluster.log.suffix(3))")
                XCTAssertEqual(run.finding, expected, "\(workers) workers, keep \(plan.settings.keep)")
                XCTAssertEqual(run.maxSimilarity, similarity, "\(workers) workers, keep \(plan.settings.keep)")
            }
        }
    }

    func testFindingsThatDoNotFitTheirGroupAreRefused() throws {
        var cluster = Self.cluster(workers: 1, orderSeed: 3)
        cluster.start()
        while !cluster.toCoordinator.contains(where: { if case .dedupResult = $0.1 { true } else { false } }) { XCTAssertTrue(cluster.step()) }
        let index = cluster.toCoordinator.firstIndex { if case .dedupResult = $0.1 { true } else { false } }!
        guard case .dedupResult(let good) = cluster.toCoordinator.remove(at: index).1 else { return XCTFail() }
        XCTAssertFalse(good.finding.dropped.isEmpty)
        func tampered(_ change: (inout DedupFinding) -> Void) -> WorkerMessage {
            var r = good
            change(&r.finding)
            return .dedupResult(r)
        }
        let drop = good.finding.dropped[0]
        let bad: [(String, WorkerMessage)] = [
            ("a row missing", tampered { $0.kept.removeLast() }),
            ("a similarity missing", tampered { $0.maxSimilarity.removeLast() }),
            ("a similarity over 1", tampered { $0.maxSimilarity[0] = 1.5 }),
            ("a row twice", tampered { $0.kept[0] = $0.kept[1] }),
            (
                "a dropped row kept too",
                tampered {
                    $0.kept.append(drop.pair.row); $0.dropped.removeFirst(); $0.kept.removeFirst()
                }
            ),
            (
                "dropped for a later row",
                tampered {
                    $0.dropped[0] = ClusterDrop(pair: .init(row: drop.pair.row, nearestKept: drop.pair.row + 1, similarity: 1), cluster: drop.cluster)
                }
            ),
            (
                "below the threshold",
                tampered {
                    $0.dropped[0] = ClusterDrop(pair: .init(row: drop.pair.row, nearestKept: drop.pair.nearestKept, similarity: 0.5), cluster: drop.cluster)
                }
            ),
            (
                "another cluster",
                tampered {
                    $0.dropped[0] = ClusterDrop(pair: drop.pair, cluster: drop.cluster + 1)
                }
            ),
        ]
        XCTAssertEqual(cluster.unrefused(bad, from: 0), [])
        cluster.deliver(.dedupResult(good), from: 0)
        cluster.runToEnd()
        XCTAssertNotNil(cluster.outcome, "\(cluster.log.suffix(3))")
    }
}
