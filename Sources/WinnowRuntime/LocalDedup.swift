import Logging
import WinnowCore
import WinnowIO

/// What `winnow dedup` found: the rows kept (ascending) and, for each row dropped, its nearest kept
/// row in its cluster.
public struct DedupOutcome: Sendable {
    public var kept: [Int64]
    public var dropped: [ClusterDrop]
    public var clustering: ClusteringOutcome
    public var clusterSeconds: Double
    public var dedupSeconds: Double
}

/// Semantic de-duplication (SemDeDup's recipe): given the k-means of the pool on unit rows (one
/// process or many: `LocalClustering`, `DistributedClustering`), `NearDuplicates.within` inside each
/// cluster on its rows in row order — the groups of `DedupPlan`, run here in group order by the same
/// `DedupTask.run` workers use (`DistributedDedup`).
public enum LocalDedup {
    public static func run(pool: Pool, threshold: Float, clustering: ClusteringOutcome, clusterSeconds: Double, log: Logger) -> DedupOutcome {
        let clock = ContinuousClock(), start = clock.now
        let plan = DedupPlan(assignments: clustering.assignments, clusters: clustering.centroids.rows, threshold: threshold)
        var all = DedupFinding(kept: [], dropped: [])
        for g in plan.groups.indices {
            let found = plan.task(g).run { pool.read(rows: $0.map(Int.init)) }
            all.kept += found.kept
            all.dropped += found.dropped
        }
        return outcome(all, clustering: clustering, clusterSeconds: clusterSeconds, dedupSeconds: (clock.now - start).seconds, log: log)
    }

    public static func outcome(
        _ found: DedupFinding, clustering: ClusteringOutcome, clusterSeconds: Double, dedupSeconds: Double,
        log: Logger
    ) -> DedupOutcome {
        let sorted = found.sorted()
        log.info("kept \(sorted.kept.count) rows, dropped \(sorted.dropped.count) near-duplicates")
        return DedupOutcome(
            kept: sorted.kept, dropped: sorted.dropped, clustering: clustering, clusterSeconds: clusterSeconds,
            dedupSeconds: dedupSeconds)
    }
}
