import Logging
import WinnowCluster
import WinnowCore
import WinnowIO

/// De-duplication's within-cluster pass run by a coordinator that leases groups of clusters
/// (`DedupPlan`) to worker processes: each worker reads its clusters' rows from the shared pool and
/// runs the same `DedupTask.run` as `LocalDedup`, so the rows kept and dropped are the same bytes.
public enum DistributedDedup {
    public static func run(
        pool: Pool, plan: DedupPlan, skipNonfinite: Bool, bind: String, security: TransportSecurity = .plain, cluster: ClusterSettings,
        stop: StopSignals?, log: Logger, watchdog: () -> RunFailure? = { nil }, listening: (DistributedSelection.Endpoint) throws -> Void
    ) throws -> (DedupFinding, ClusterReport) {
        var config = RunConfig(pool: pool, settings: SelectionSettings(budget: 1), skipNonfinite: skipNonfinite)
        config.dedupThreshold = plan.threshold
        let server = try CoordinatorServer(book: DedupBook(plan: plan, totalRows: pool.totalRows), config: config, bind: bind,
                                           cluster: cluster, journalPath: nil, security: security, log: log)
        try listening(DistributedSelection.Endpoint(address: server.endpoint, configHash: server.configHash))
        let (run, report) = try server.run(stop: stop, watchdog: watchdog)
        return (run.finding, report)
    }
}
