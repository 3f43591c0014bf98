import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// De-duplication's within-cluster pass run by a coordinator that leases groups of clusters
/// (`DedupPlan`) to worker processes: each worker reads its clusters' rows from the shared pool and
/// runs the same `DedupTask.run` as `LocalDedup`, so the rows kept and dropped are the same bytes.
public enum DistributedDedup {
    /// - Parameter serving: as `DistributedSelection.run`'s (the journal holds the groups' findings).
    /// - Parameter quality: the scores each worker reads to keep by quality.
    public static func run(
        pool: Pool, plan: DedupPlan, quality: QualityColumn?, skipNonfinite: Bool, serving: ServeContext, log: Logger
    ) throws -> (DedupRun, CoordinationReport) {
        var config = RunConfig(
            pool: pool, settings: SelectionSettings(budget: 1), skipNonfinite: skipNonfinite, quality: plan.settings.keep == .quality ? quality : nil)
        config.dedup = plan.settings
        return try JournaledServer.run(book: DedupBook(plan: plan, totalRows: pool.totalRows), config: config, serving: serving, log: log)
    }
}
