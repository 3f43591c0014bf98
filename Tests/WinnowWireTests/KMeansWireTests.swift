import XCTest
import WinnowCoordination
import WinnowCore
import WinnowWire

/// The messages of a distributed k-means: a k-means configuration, a block of a Lloyd pass, its partial.
final class KMeansWireTests: XCTestCase {
    let header = MessageHeader(runID: "run", epoch: 42, sender: "w1", sequence: 9)
    let centroids = VectorBlock(values: [1, 2, 3, -4, 5.5, 6], dimension: 3)

    var config: RunConfig {
        var c = RunConfig(
            files: [.init(path: "/p.npy", rows: 40, bytes: 608, dtype: "<f4")], dimension: 3, totalRows: 40,
            settings: SelectionSettings(budget: 1), skipNonfinite: true)
        var k = KMeansSettings(k: 2)
        k.iterations = 3
        k.seed = 9
        k.chunkRows = 16
        k.normalizesRows = true
        c.clustering = k
        return c
    }

    var result: AssignResult {
        let partial = KMeansPartial(sums: [1, 2, 3, 4, 5, 6.25], counts: [3, 12], inertia: 7.5, dimension: 3)
        return AssignResult(
            leaseID: 4, node: .init(level: 3, index: 1),
            outcome: AssignOutcome(
                partial: partial, assignments: [0, 1, -1] + Array(repeating: 1, count: 13), skippedRows: [18]),
            busySeconds: 0.5, peakResidentBytes: 1 << 30)
    }

    func testEveryKMeansMessageRoundTrips() throws {
        var codec = WireCodec(dimension: 3)
        let (_, welcome) = try codec.decodeCoordinatorMessage(
            codec.encode(
                CoordinatorMessage.welcome(Welcome(configHash: config.hash, config: config, heartbeat: .seconds(1), liveness: 4)), header: header))
        guard case .welcome(let w) = welcome else { return XCTFail() }
        XCTAssertEqual(w.config, config)
        // A worker learns from the Welcome whether the run's rows are scaled to unit length.
        codec.normalizesRows = true
        // An iteration on a fit sample carries the sample; the last pass, which assigns every row, cannot.
        for (returns, sample) in [(false, nil), (true, nil), (false, FitSample(seed: 8, fraction: 0.25)), (true, FitSample(seed: 8, fraction: 0.25))] {
            let lease = CoordinatorMessage.lease(
                Lease(
                    id: 3,
                    work: .assign(
                        AssignTask(
                            pass: 2, block: 1, rows: 16..<32, centroids: centroids, returnsAssignments: returns, normalizesRows: true,
                            sample: sample))))
            if returns && sample != nil {
                XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(lease, header: header)))
            } else {
                XCTAssertEqual(try codec.decodeCoordinatorMessage(codec.encode(lease, header: header)).1, lease)
            }
        }
        var noAssignments = result
        noAssignments.outcome.assignments = nil
        noAssignments.outcome.skippedRows = []
        for r in [result, noAssignments] {
            XCTAssertEqual(try codec.decodeWorkerMessage(codec.encode(WorkerMessage.assignResult(r), header: header)).1, .assignResult(r))
        }
    }

    /// De-duplication's pass: a threshold in the configuration, groups of clusters out, findings back.
    func testEveryDedupMessageRoundTrips() throws {
        let codec = WireCodec(dimension: 3)
        var config = self.config
        config.clustering = nil
        config.dedup = DedupSettings(threshold: 0.95)
        for change: (inout DedupSettings) -> Void in [
            { $0.threshold = 0.9 }, { $0.keep = .central }, { $0.keep = .quality }, { $0.splitRows = 9_000 }, { $0.partRows = 900 },
            { $0.seed = 4 },
        ] {
            var other = config
            change(&other.dedup!)
            XCTAssertNotEqual(config.hash, other.hash)
        }
        let welcome = CoordinatorMessage.welcome(Welcome(configHash: config.hash, config: config, heartbeat: .seconds(1), liveness: 4))
        XCTAssertEqual(try codec.decodeCoordinatorMessage(codec.encode(welcome, header: header)).1, welcome)
        var settings = DedupSettings(threshold: 0.95)
        settings.keep = .central
        settings.splitRows = 1_000
        settings.partRows = 300
        settings.seed = 12
        let task = DedupTask(group: 3, clusters: [ClusterMembers(cluster: 4, rows: [1, 5, 9]), ClusterMembers(cluster: 6, rows: [0, 2])], settings: settings)
        let lease = CoordinatorMessage.lease(Lease(id: 8, work: .dedup(task)))
        XCTAssertEqual(try codec.decodeCoordinatorMessage(codec.encode(lease, header: header)).1, lease)
        let result = WorkerMessage.dedupResult(
            DedupResult(
                leaseID: 8, group: 3,
                finding: DedupFinding(
                    kept: [1, 9, 0, 2], dropped: [ClusterDrop(pair: .init(row: 5, nearestKept: 1, similarity: 0.97), cluster: 4)],
                    maxSimilarity: [0.97, 0.97, 0.5, -.infinity, -.infinity]),
                busySeconds: 0.25, peakResidentBytes: 7))
        XCTAssertEqual(try codec.decodeWorkerMessage(codec.encode(result, header: header)).1, result)
        // Rows out of order within a cluster: the lease is refused.
        let unsorted = CoordinatorMessage.lease(
            Lease(
                id: 8,
                work: .dedup(
                    DedupTask(
                        group: 0, clusters: [ClusterMembers(cluster: 0, rows: [5, 1])],
                        settings: DedupSettings(threshold: 0.9)))))
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(unsorted, header: header)))
        // Parts no smaller than the size that splits a cluster: refused.
        var parts = settings
        parts.partRows = 1_000
        let unsplittable = CoordinatorMessage.lease(
            Lease(id: 8, work: .dedup(DedupTask(group: 0, clusters: [ClusterMembers(cluster: 0, rows: [1, 5])], settings: parts))))
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(codec.encode(unsplittable, header: header)))
    }

    /// A worker told to expect one run's configuration cannot join another k-means.
    func testEveryKMeansSettingChangesTheConfigurationHash() {
        var other = config
        XCTAssertNotEqual(
            other.hash,
            {
                var c = config; c.clustering = nil; return c
            }().hash)
        for change: (inout KMeansSettings) -> Void in [
            { $0.k = 3 }, { $0.iterations = 4 }, { $0.seed = 1 }, { $0.chunkRows = 8 },
            { $0.normalizesRows = false }, { $0.seedRowsPerCluster = 2 }, { $0.fitRowsPerCluster = 7 },
        ] {
            other = config
            change(&other.clustering!)
            XCTAssertNotEqual(other.hash, config.hash)
        }
    }

    /// Shapes are the decoder's check: sums for another d, centroids that do not fill k × d.
    func testMisshapenKMeansMessagesAreRefused() throws {
        let codec = WireCodec(dimension: 4)
        XCTAssertThrowsError(try codec.decodeWorkerMessage(WireCodec(dimension: 3).encode(WorkerMessage.assignResult(result), header: header))) {
            XCTAssertEqual(($0 as? WireError)?.code, .inconsistent)
        }
        let lease = CoordinatorMessage.lease(
            Lease(
                id: 3,
                work: .assign(
                    AssignTask(
                        pass: 0, block: 0, rows: 0..<16, centroids: centroids, returnsAssignments: false, normalizesRows: false))))
        XCTAssertThrowsError(try codec.decodeCoordinatorMessage(WireCodec(dimension: 3).encode(lease, header: header))) {
            XCTAssertEqual(($0 as? WireError)?.code, .inconsistent)
        }
    }
}
