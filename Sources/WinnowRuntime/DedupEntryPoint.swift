import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative

/// What `winnow dedup` asks for: the within-cluster pass, the k-means it searches within, where its
/// outputs go.
public struct DedupRequest: Sendable {
    public var settings: DedupSettings
    /// The k-means of the rows scaled to unit length (`normalizesRows`).
    public var kMeans: KMeansSettings
    public var nonfinite = RunOptions.Default.nonfinite
    public var out: String
    public var logLevel: Logger.Level = .info
    /// `--ids`: one external id per pool row, carried into `dropped.csv` and `kept_ids.txt`.
    public var idsPath: String?
    /// `--quality`: one float32 score per pool row, to keep the highest-scored row of each group.
    public var qualityPath: String?

    public init(settings: DedupSettings, kMeans: KMeansSettings, out: String) {
        self.settings = settings
        self.kMeans = kMeans
        self.out = out
    }
}

/// The one call of `winnow dedup`: process set-up, the k-means, the within-cluster pass, the outputs
/// (kept rows, dropped pairs, report) and the clean-up of a run that failed for good.
public enum DedupEntryPoint {
    public static func run(_ request: DedupRequest, pool: Pool, on place: WorkerPlace) throws {
        _ = RunClock.started
        let log = LogSetup.make(level: request.logLevel)
        BLAS.useSingleThread()  // one thread per process, as for select (design §2): same sums, fair timings
        KernelAdvice.note(log)
        // The k-means's journal outlives it: interrupted in the within-cluster pass, the same command
        // finds the k-means whole there. Gone when the command ends, whichever way but an interruption.
        let announced = AnnouncedRuns()
        let kMeansPlace = place.kMeansPlace(announced: announced)
        let kMeansJournal = JournalFiles(path: kMeansPlace.usesWorkers ? RunJournal.dedupKMeans.path(in: request.out) : nil)
        // Every score checked here, before any work; the passes then read the column a task at a time.
        let ids = try SideColumns.load(ids: request.idsPath, quality: request.qualityPath, labels: nil, rows: pool.totalRows).ids
        let folder = try OutputFolder.claim(request.out)
        defer { withExtendedLifetime(folder) {} }
        try OutputFolder.removedIfFailed(folder) {
            try JournalFiles.discarded(after: [kMeansJournal]) {
                try deduplicate(
                    request, pool: pool, ids: ids, place: place, kMeansPlace: kMeansPlace, kMeansJournal: kMeansJournal,
                    announced: announced, log: log)
            }
        }
    }

    private static func deduplicate(
        _ request: DedupRequest, pool: Pool, ids: [String]?, place: WorkerPlace, kMeansPlace: KMeansExecution.Place,
        kMeansJournal: JournalFiles,
        announced: AnnouncedRuns, log: Logger
    ) throws {
        let start = ContinuousClock.now, out = request.out
        let (clustering, coordination) = try KMeansExecution.run(
            pool: pool, settings: request.kMeans, nonfinite: request.nonfinite, on: kMeansPlace,
            slots: 1, journal: kMeansJournal.path, keepJournal: true, log: log)
        let clusterSeconds = (ContinuousClock.now - start).seconds
        let column = try request.qualityPath.map { path throws(InputError) in try QualityColumn.open(path, rows: pool.totalRows, what: "--quality") }
        var outcome = try within(
            request, pool: pool, quality: column, clustering: clustering, clusterSeconds: clusterSeconds, place: place,
            earlierRuns: announced.hashes, log: log)
        if request.settings.checksBorders {
            outcome = try DedupBorder.run(outcome, pool: pool, settings: request.settings, quality: column, log: log)
        }
        let seconds = (ContinuousClock.now - start).seconds
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var csv = ids == nil ? "row,nearest_kept,similarity,cluster\n" : "row,id,nearest_kept,nearest_kept_id,similarity,cluster\n"
        for d in outcome.dropped {
            if let ids {
                let row = ids[Int(d.pair.row)], kept = ids[Int(d.pair.nearestKept)]
                csv +=
                    "\(d.pair.row),\(OutputWriter.quote(row)),\(d.pair.nearestKept),\(OutputWriter.quote(kept)),\(similarity(d.pair.similarity)),\(d.cluster)\n"
            } else {
                csv += "\(d.pair.row),\(d.pair.nearestKept),\(similarity(d.pair.similarity)),\(d.cluster)\n"
            }
        }
        let report = DedupReport(
            settings: request.settings,
            clustering: ClusteringReport(
                settings: request.kMeans, pool: pool, outcome: outcome.clustering,
                seconds: outcome.clusterSeconds, workers: kMeansPlace.workers(coordination),
                cluster: coordination, tool: nil),
            outcome: outcome, rows: pool.totalRows, seconds: seconds)
        var files = [
            (out + "/kept.npy", Data(NpyWriter.int64Image(outcome.kept))), (out + "/dropped.csv", Data(csv.utf8)),
            (out + "/max_similarity.npy", Data(NpyWriter.float32Column(outcome.maxSimilarity))),
            (out + "/report.json", try ReportJSON.encode(report)),
        ]
        if let ids { files.append((out + "/kept_ids.txt", Data(outcome.kept.map { ids[Int($0)] + "\n" }.joined().utf8))) }
        try AtomicFile.writeAll(files)
        print(
            "kept \(outcome.kept.count) of \(pool.totalRows) rows (dropped \(outcome.dropped.count) above cosine \(request.settings.threshold)) → \(out)/kept.npy; \(Int(report.rowsPerSecond)) rows/s"
        )
    }

    /// A cosine as float32 holds it: seven significant digits, and at most 1 (a row and its exact copy
    /// can sum to 1.0000002).
    static func similarity(_ s: Float) -> String { String(format: "%.7g", Double(min(s, 1))) }

    /// The within-cluster pass: groups of clusters on the workers that join, on local workers, or all here.
    private static func within(
        _ request: DedupRequest, pool: Pool, quality column: QualityColumn?, clustering: ClusteringOutcome, clusterSeconds: Double, place: WorkerPlace,
        earlierRuns: [[UInt8]], log: Logger
    ) throws -> DedupOutcome {
        let plan = DedupPlan(assignments: clustering.assignments, clusters: clustering.centroids.rows, settings: request.settings)
        if case .local(let workers, _, _) = place, workers == 0 {
            MemoryTuning.reuseLargeBlocks()
            return try LocalDedup.run(pool: pool, plan: plan, quality: column, clustering: clustering, clusterSeconds: clusterSeconds, log: log)
        }
        let start = ContinuousClock.now
        let journal = RunJournal.run.path(in: request.out), skip = request.nonfinite == .skip
        let found: DedupRun
        switch place {
        case .served(let bind, let security, let coordination, let announce):
            var serving = ServeContext.joined(
                bind: bind, security: security, coordination: coordination, journal: journal, log: log, announce: announce)
            serving.followsRun = true
            serving.earlierRuns = earlierRuns
            found = try DistributedDedup.run(pool: pool, plan: plan, quality: column, skipNonfinite: skip, serving: serving, log: log).0
        case .local(let workers, _, _):
            found = try EmbeddedWorkers.run(count: workers, slots: 1, logLevel: max(log.logLevel, .warning)) { serving in
                var serving = serving
                serving.journal = journal
                return try DistributedDedup.run(pool: pool, plan: plan, quality: column, skipNonfinite: skip, serving: serving, log: log).0
            }
        }
        return LocalDedup.outcome(
            found.finding, maxSimilarity: found.maxSimilarity, clustering: clustering, clusterSeconds: clusterSeconds,
            dedupSeconds: (ContinuousClock.now - start).seconds, log: log)
    }
}
