import Logging
import WinnowCluster
import WinnowCore
import WinnowIO

/// The k-means of `LocalClustering`, run by a coordinator that leases the blocks of each Lloyd pass to
/// worker processes over ZeroMQ and merges their partial sums in block order. Seeding, plan and
/// block function are the same, so centroids and assignments are byte-identical to the
/// single-process run whatever the number of workers.
public enum DistributedClustering {
    /// - Parameters: as `DistributedSelection.run`; k-means keeps no journal (a pass is cheap to redo).
    public static func run(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, bind: String, security: TransportSecurity = .plain,
        cluster: ClusterSettings, stop: StopSignals?, log: Logger, watchdog: () -> RunFailure? = { nil },
        listening: (DistributedSelection.Endpoint) throws -> Void
    ) throws -> (ClusteringOutcome, ClusterReport) {
        let clock = ContinuousClock(), start = clock.now
        let seeds = try LocalClustering.seed(pool: pool, settings: settings, nonfinite: nonfinite, log: log)
        let seedSeconds = (clock.now - start).seconds
        var config = RunConfig(pool: pool, settings: SelectionSettings(budget: 1), skipNonfinite: nonfinite == .skip)
        config.clustering = settings
        let server = try CoordinatorServer(book: ClusteringBook(totalRows: pool.totalRows, settings: settings, seeds: seeds), config: config,
                                           bind: bind, cluster: cluster, journalPath: nil, security: security, log: log)
        try listening(DistributedSelection.Endpoint(address: server.endpoint, configHash: server.configHash))
        let (run, report) = try server.run(stop: stop, watchdog: watchdog)
        for (i, pass) in run.passes.finishedPasses.dropLast().enumerated() { log.info("iteration \(i + 1): inertia \(pass.inertia)") }
        return (ClusteringOutcome(run.passes, seconds: run.passSeconds, seedSeconds: seedSeconds), report)
    }
}
