import Logging
import WinnowCore
import WinnowIO

/// What `winnow dedup` found: the rows kept (ascending) and, for each row dropped, its nearest kept
/// row in its cluster.
public struct DedupOutcome: Sendable {
    public struct Dropped: Sendable {
        public let pair: NearDuplicates.Dropped
        public let cluster: Int32
    }

    public var kept: [Int64]
    public var dropped: [Dropped]
    public var clustering: ClusteringOutcome
    public var clusterSeconds: Double
    public var dedupSeconds: Double
}

/// Semantic de-duplication (SemDeDup's recipe): given the k-means of the pool on unit rows (one
/// process or many: `LocalClustering`, `DistributedClustering`), `NearDuplicates.within` inside each
/// cluster on its rows in row order. Clusters are independent, so the result does not depend on the
/// order they are visited in.
public enum LocalDedup {
    public static func run(pool: Pool, threshold: Float, clustering: ClusteringOutcome, clusterSeconds: Double, log: Logger) -> DedupOutcome {
        let clock = ContinuousClock(), start = clock.now
        var members = [[Int64]](repeating: [], count: clustering.centroids.rows)
        for (row, cluster) in clustering.assignments.enumerated() where cluster >= 0 {
            members[Int(cluster)].append(Int64(row))
        }
        var kept: [Int64] = [], dropped: [DedupOutcome.Dropped] = []
        for (cluster, rows) in members.enumerated() where !rows.isEmpty {
            let found = NearDuplicates.within(pool.read(rows: rows.map(Int.init)), rows: rows, threshold: threshold)
            kept += found.kept
            dropped += found.dropped.map { DedupOutcome.Dropped(pair: $0, cluster: Int32(cluster)) }
        }
        kept.sort()
        dropped.sort { $0.pair.row < $1.pair.row }
        log.info("kept \(kept.count) rows, dropped \(dropped.count) near-duplicates above cosine \(threshold)")
        return DedupOutcome(kept: kept, dropped: dropped, clustering: clustering, clusterSeconds: clusterSeconds,
                            dedupSeconds: (clock.now - start).seconds)
    }
}
