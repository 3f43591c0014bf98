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
    /// The border check's figures (nil: not run, `DedupSettings.checksBorders` off).
    public var border: BorderOutcome?
}

/// Semantic de-duplication (SemDeDup's recipe): given the k-means of the pool on unit rows (one
/// process or many: `LocalClustering`, `DistributedClustering`), `NearDuplicates.within` inside each
/// cluster on its rows in row order — the groups of `DedupPlan`, run here in group order by the same
/// `DedupTask.run` workers use (`DistributedDedup`).
public enum LocalDedup {
    /// - Parameter quality: the scores to keep by, read a task's rows at a time as workers read them.
    public static func run(
        pool: Pool, plan: DedupPlan, quality: QualityColumn?, clustering: ClusteringOutcome, clusterSeconds: Double, log: Logger
    ) throws(InputError) -> DedupOutcome {
        let clock = ContinuousClock(), start = clock.now
        var found: [DedupFinding] = []
        for g in plan.groups.indices {
            let task = plan.task(g)
            let scores = plan.settings.keep == .quality ? try quality?.values(of: task.rows) : nil
            found.append(task.run(read: { pool.read(rows: $0.map(Int.init)) }, quality: scores))
        }
        let (all, maxSimilarity) = plan.combined(found, totalRows: pool.totalRows)
        return outcome(
            all, maxSimilarity: maxSimilarity, clustering: clustering, clusterSeconds: clusterSeconds,
            dedupSeconds: (clock.now - start).seconds, log: log)
    }

    /// - Parameter found: kept and dropped rows in output order (`DedupPlan.combined`).
    public static func outcome(
        _ found: DedupFinding, maxSimilarity: [Float], clustering: ClusteringOutcome, clusterSeconds: Double, dedupSeconds: Double,
        log: Logger
    ) -> DedupOutcome {
        log.info("kept \(found.kept.count) rows, dropped \(found.dropped.count) near-duplicates")
        return DedupOutcome(
            kept: found.kept, dropped: found.dropped, maxSimilarity: maxSimilarity, clustering: clustering,
            clusterSeconds: clusterSeconds, dedupSeconds: dedupSeconds, border: nil)
    }
}
