import ArgumentParser
import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative
import WinnowRuntime

/// `winnow dedup`: semantic near-duplicate removal inside k-means clusters (of the rows scaled to unit
/// length: near-duplicates by cosine should fall in one cluster whatever their norms).
struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract:
            "Drop near-duplicates: inside each k-means cluster, a row whose cosine to an earlier kept row (by row number) exceeds --threshold. Writes DIR/kept.npy (int64 rows), DIR/dropped.csv (row, nearest kept row, similarity, cluster) and DIR/report.json."
    )

    @OptionGroup var pool: PoolOptions

    @Option(help: "Cosine similarity above which a row is a near-duplicate of a kept row.") var threshold: Float
    @Option(help: "k-means clusters to search within (default: one per 2,000 rows).") var clusters: Int?
    @Option(help: "Lloyd iterations of the clustering.") var iterations: Int = NearDuplicates.Default.iterations
    @Option(help: "Seed of the clustering.") var seed: UInt64 = KMeansSettings.Default.seed
    @Option(help: "Rows with NaN/Inf: fail naming the first, or leave them out (neither kept nor dropped).")
    var nonfinite: NonfinitePolicy = RunOptions.Default.nonfinite
    @Option(
        help: "Local worker processes for the clustering and the within-cluster pass (0: all in this process). Same result either way. Default: one per core.")
    var workers: Int?
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Only warnings and errors on stderr.") var quiet = false
    @OptionGroup var serving: ServeOptions

    private var localWorkers: Int { workers ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        guard threshold.isFinite, threshold > -1, threshold <= 1 else {
            throw ValidationError("--threshold must be a cosine in (−1, 1] (got \(threshold))")
        }
        try serving.validate(localWorkers: workers)
        if let workers, workers < 0 { throw ValidationError("--workers must be 0 or more (got \(workers))") }
    }

    /// The within-cluster pass: groups of clusters on the workers that join (`--serve`), on local
    /// workers, or all here.
    private func within(
        _ pool: Pool, clustering: ClusteringOutcome, clusterSeconds: Double, served: ServeOptions.Served?,
        earlierRuns: [[UInt8]], log: Logger
    ) throws -> DedupOutcome {
        guard served != nil || localWorkers > 0 else {
            MemoryTuning.reuseLargeBlocks()
            return LocalDedup.run(pool: pool, threshold: threshold, clustering: clustering, clusterSeconds: clusterSeconds, log: log)
        }
        let start = ContinuousClock.now
        let plan = DedupPlan(assignments: clustering.assignments, clusters: clustering.centroids.rows, threshold: threshold)
        let journal = RunJournal.run.path(in: out), skip = nonfinite == .skip
        let found: DedupFinding
        if let served {
            let security = serving.security
            found = try DistributedDedup.run(
                pool: pool, plan: plan, skipNonfinite: skip, bind: served.bind, security: served.security,
                coordination: served.coordination, journal: journal, followsRun: true, earlierRuns: earlierRuns,
                stop: StopSignals.process, log: log,
                listening: { security.announce($0, log: log) }
            ).0
        } else {
            found = try EmbeddedWorkers.run(count: localWorkers, slots: 1, logLevel: max(log.logLevel, .warning)) { bind, stop, watchdog, listening in
                try DistributedDedup.run(
                    pool: pool, plan: plan, skipNonfinite: skip, bind: bind, coordination: CoordinationSettings(),
                    journal: journal, stop: stop, log: log, watchdog: watchdog, listening: listening
                ).0
            }
        }
        return LocalDedup.outcome(
            found, clustering: clustering, clusterSeconds: clusterSeconds,
            dedupSeconds: (ContinuousClock.now - start).seconds, log: log)
    }

    func run() throws {
        let opened = try ExitStatus.reporting { try pool.open() }
        var settings = KMeansSettings(k: clusters ?? max(1, opened.totalRows / NearDuplicates.Default.rowsPerCluster))
        settings.iterations = iterations
        settings.seed = seed
        settings.normalizesRows = true
        if let problem = settings.problems(rows: opened.totalRows).first {
            throw ValidationError(problem.replacingOccurrences(of: "--k", with: "--clusters"))
        }
        let log = LogSetup.make(level: quiet ? .warning : .info)
        BLAS.useSingleThread()  // one thread per process, as for select (design §2): same sums, fair timings
        // The k-means's journal outlives it: interrupted in the within-cluster pass, the same command
        // finds the k-means whole there. Gone when the command ends, whichever way but an interruption.
        let announced = AnnouncedRuns(), served = try serving.served()
        let place = serving.place(served, nextRunFollows: true, announced: announced) ?? .local(workers: localWorkers)
        let kMeansJournal = JournalFiles(path: place.usesWorkers ? RunJournal.dedupKMeans.path(in: out) : nil)
        try ExitStatus.reporting {
            let folder = try OutputFolder.claim(out)
            defer { withExtendedLifetime(folder) {} }
            try OutputFolder.removedIfFailed(folder) {
                try JournalFiles.discarded(after: [kMeansJournal]) {
                    try deduplicate(
                        opened, settings: settings, place: place, served: served, kMeansJournal: kMeansJournal,
                        announced: announced, log: log)
                }
            }
        }
    }

    private func deduplicate(
        _ opened: Pool, settings: KMeansSettings, place: KMeansExecution.Place, served: ServeOptions.Served?,
        kMeansJournal: JournalFiles, announced: AnnouncedRuns, log: Logger
    ) throws {
        let start = ContinuousClock.now
        let (clustering, coordination) = try KMeansExecution.run(
            pool: opened, settings: settings, nonfinite: nonfinite, on: place,
            slots: 1, journal: kMeansJournal.path, keepJournal: true, log: log)
        let clusterSeconds = (ContinuousClock.now - start).seconds
        let outcome = try within(
            opened, clustering: clustering, clusterSeconds: clusterSeconds, served: served,
            earlierRuns: announced.hashes, log: log)
        let seconds = (ContinuousClock.now - start).seconds
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var csv = "row,nearest_kept,similarity,cluster\n"
        for d in outcome.dropped { csv += "\(d.pair.row),\(d.pair.nearestKept),\(d.pair.similarity),\(d.cluster)\n" }
        let report = DedupReport(
            threshold: threshold,
            clustering: ClusteringReport(
                settings: settings, pool: opened, outcome: outcome.clustering,
                seconds: outcome.clusterSeconds, workers: place.workers(coordination),
                cluster: coordination),
            outcome: outcome, rows: opened.totalRows, seconds: seconds)
        try AtomicFile.writeAll([
            (out + "/kept.npy", Data(NpyWriter.int64Image(outcome.kept))), (out + "/dropped.csv", Data(csv.utf8)),
            (out + "/report.json", try ReportJSON.encode(report)),
        ])
        print(
            "kept \(outcome.kept.count) of \(opened.totalRows) rows (dropped \(outcome.dropped.count) above cosine \(threshold)) → \(out)/kept.npy; \(Int(report.rowsPerSecond)) rows/s"
        )
    }
}
