import Logging
import WinnowCore
import WinnowIO

/// What `winnow dedup` found: the rows kept (ascending) and, for each row dropped, its nearest kept
/// row in its cluster.
public struct DedupOutcome: Sendable {
    public var kept: [Int64]
    public var dropped: [ClusterDrop]
    /// Every pool row's highest cosine to a kept row of its cluster (NaN: none, or left out).
    public var maxSimilarity: [Float]
    public var clustering: ClusteringOutcome
    public var clusterSeconds: Double
    public var dedupSeconds: Double
}

/// Semantic de-duplication (SemDeDup's recipe): given the k-means of the pool on unit rows (one
/// process or many: `LocalClustering`, `DistributedClustering`), `NearDuplicates.within` inside each
/// cluster on its rows in row order — the groups of `DedupPlan`, run here in group order by the same
/// `DedupTask.run` workers use (`DistributedDedup`).
public enum LocalDedup {
    /// - Parameter quality: every pool row's score (to keep by quality).
    public static func run(
        pool: Pool, plan: DedupPlan, quality: [Float]?, clustering: ClusteringOutcome, clusterSeconds: Double, log: Logger
    ) -> DedupOutcome {
        let clock = ContinuousClock(), start = clock.now
        let found = plan.groups.indices.map { g in
            let task = plan.task(g)
            return task.run(
                read: { pool.read(rows: $0.map(Int.init)) }, quality: plan.settings.keep == .quality ? quality.map { q in task.rows.map { q[Int($0)] } } : nil)
        }
        let all = DedupFinding(kept: found.flatMap(\.kept), dropped: found.flatMap(\.dropped), maxSimilarity: [])
        return outcome(
            all, maxSimilarity: plan.maxSimilarity(found, totalRows: pool.totalRows), clustering: clustering, clusterSeconds: clusterSeconds,
            dedupSeconds: (clock.now - start).seconds, log: log)
    }

    public static func outcome(
        _ found: DedupFinding, maxSimilarity: [Float], clustering: ClusteringOutcome, clusterSeconds: Double, dedupSeconds: Double,
        log: Logger
    ) -> DedupOutcome {
        let sorted = found.sorted()
        log.info("kept \(sorted.kept.count) rows, dropped \(sorted.dropped.count) near-duplicates")
        return DedupOutcome(
            kept: sorted.kept, dropped: sorted.dropped, maxSimilarity: maxSimilarity, clustering: clustering,
            clusterSeconds: clusterSeconds, dedupSeconds: dedupSeconds)
    }
}
