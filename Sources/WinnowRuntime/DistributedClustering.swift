import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// The k-means of `LocalClustering`, run by a coordinator that leases the blocks of each Lloyd pass to
/// worker processes over ZeroMQ and merges their partial sums in block order. Seeding, plan and
/// block function are the same, so centroids and assignments are byte-identical to the
/// single-process run whatever the number of workers.
public enum DistributedClustering {
    /// - Parameter serving: as `DistributedSelection.run`'s; its journal holds the accepted pass results,
    ///   which the same command after an interruption replays in order, each pass's centroids following
    ///   from the one before (`keepJournal` for a k-means before a selection, `nextRunFollows` when the
    ///   command's next run binds the same endpoint).
    public static func run(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, serving: ServeContext, log: Logger
    ) throws -> (ClusteringOutcome, CoordinationReport) {
        let clock = ContinuousClock(), start = clock.now
        let seeds = try LocalClustering.seed(pool: pool, settings: settings, nonfinite: nonfinite, log: log)
        try StopSignals.throwIfPending()
        let seedSeconds = (clock.now - start).seconds
        var config = RunConfig(pool: pool, settings: SelectionSettings(budget: 1), skipNonfinite: nonfinite == .skip)
        config.clustering = settings
        let book = ClusteringBook(totalRows: pool.totalRows, settings: settings, seeds: seeds)
        LocalClustering.logFit(book.passes, log: log)
        let (run, report) = try JournaledServer.run(book: book, config: config, serving: serving, log: log)
        for (i, pass) in run.passes.finishedPasses.dropLast().enumerated() { log.info("iteration \(i + 1): inertia \(pass.inertia)") }
        return (ClusteringOutcome(run.passes, seconds: run.passSeconds, seedSeconds: seedSeconds), report)
    }
}
