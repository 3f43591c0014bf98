import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// The k-means of `LocalClustering`, run by a coordinator that leases the blocks of each Lloyd pass to
/// worker processes over ZeroMQ and merges their partial sums in block order. Seeding, plan and
/// block function are the same, so centroids and assignments are byte-identical to the
/// single-process run whatever the number of workers.
public enum DistributedClustering {
    /// - Parameters:
    ///   - journal: where accepted pass results are journaled (`--out`); the same command after an
    ///     interruption replays them in order, each pass's centroids following from the one before.
    ///   - keepJournal: leave the journal when done (a k-means before a selection: `JournaledServer`).
    ///   - nextRunFollows: the selection binds `bind` next; the workers are sent to it when this is done.
    ///   - others: as `DistributedSelection.run`.
    public static func run(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, bind: String, security: TransportSecurity = .plain,
        coordination: CoordinationSettings, journal: String? = nil, keepJournal: Bool = false, nextRunFollows: Bool = false,
        earlierRuns: [[UInt8]] = [], stop: StopSignals?, log: Logger,
        watchdog: () -> RunFailure? = { nil }, listening: (DistributedSelection.Endpoint) throws -> Void
    ) throws -> (ClusteringOutcome, CoordinationReport) {
        let clock = ContinuousClock(), start = clock.now
        let seeds = try LocalClustering.seed(pool: pool, settings: settings, nonfinite: nonfinite, log: log)
        let seedSeconds = (clock.now - start).seconds
        var config = RunConfig(pool: pool, settings: SelectionSettings(budget: 1), skipNonfinite: nonfinite == .skip)
        config.clustering = settings
        let (run, report) = try JournaledServer.run(
            book: ClusteringBook(totalRows: pool.totalRows, settings: settings, seeds: seeds), config: config, bind: bind,
            security: security, coordination: coordination, journal: journal, keepWhenDone: keepJournal, nextRunFollows: nextRunFollows,
            earlierRuns: earlierRuns, stop: stop, log: log,
            watchdog: watchdog, listening: listening)
        for (i, pass) in run.passes.finishedPasses.dropLast().enumerated() { log.info("iteration \(i + 1): inertia \(pass.inertia)") }
        return (ClusteringOutcome(run.passes, seconds: run.passSeconds, seedSeconds: seedSeconds), report)
    }
}
