import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative

/// What a selection command asks for besides the selection's own settings (`RunOptions`): where the
/// outputs go, the side columns, the k-means its objective or partition needs, and how it reports.
public struct SelectionRequest: Sendable {
    public var options: RunOptions
    /// The output folder (`--out`): outputs, journals and metrics.
    public var out: String
    public var idsPath: String?
    /// `--objective cluster-balanced`: label the rows by a k-means of this many clusters (nil: the
    /// default for k and the pool's rows) and cap each cluster's picks.
    public var clusterBalanced = false
    public var balanceClusters: Int?
    /// `--objective sensitivity`: draw rows by their sensitivity to a k-means of `balanceClusters`
    /// clusters (nil: the default for k and the pool's rows), weighted by their inverse chance.
    public var sensitivity = false
    /// Lloyd iterations of the k-means of cluster-balanced and `--partition cluster`.
    public var clusterIterations = KMeansSettings.Default.iterations
    public var progress = ProgressSettings()
    public var logLevel: Logger.Level = .info
    /// The subcommand, for report.json: select or coordinator.
    public var command = "select"

    public init(options: RunOptions, out: String) {
        self.options = options
        self.out = out
    }
}

/// The one call of `winnow select` and `winnow coordinator`: process set-up, the k-means the run
/// needs, the selection, its outputs and summary, and the clean-up of a run that failed for good.
public enum SelectionEntryPoint {
    public static func run(_ request: SelectionRequest, pool: Pool, on place: WorkerPlace) throws {
        _ = RunClock.started
        var options = request.options
        let out = request.out
        let console = ProgressConsole(style: ProgressConsole.style(for: request.progress.mode))
        let log = LogSetup.make(level: request.logLevel, console: console)
        BLAS.useSingleThread()
        KernelAdvice.note(log)
        options.eligibleRows = try RowSet.eligible(rows: options.rowsPath, exclude: options.excludePath, poolRows: pool.totalRows)
        if let eligible = options.eligibleRows {
            log.info("--rows/--exclude: selecting among \(eligible.count) of \(pool.totalRows) pool rows")
        }
        if let targets = options.targetsPath {
            let vectors = try TargetVectors.load(targets, dimension: pool.dimension)
            log.info("--targets: facility location covers \(vectors.rows) target rows instead of the pool")
        }
        if let given = options.givenPath {
            options.givenRows = try RowSet.given(given, among: options.eligibleRows, poolRows: pool.totalRows)
        }
        let folder = try OutputFolder.claim(out)
        defer { withExtendedLifetime(folder) {} }
        if options.settings.budget > pool.totalRows {
            log.warning(
                "--budget is larger than the pool: the selection holds at most every row",
                metadata: [
                    "budget": "\(options.settings.budget)", "rows": "\(pool.totalRows)",
                ])
        }
        let monitor = RunMonitor(settings: request.progress, console: console, metricsPath: out + "/metrics.prom")
        let kMeansJournals = [RunJournal.clusterLabels, .partition].map { JournalFiles(path: $0.path(in: out)) }
        let announced = AnnouncedRuns()
        let kMeans = place.kMeansPlace(announced: announced)
        do {
            let report = try JournalFiles.discarded(after: kMeansJournals) {
                if request.sensitivity {
                    let columns = try SideColumns.load(ids: request.idsPath, quality: options.qualityPath, labels: nil, rows: pool.totalRows)
                    let outcome = try sensitivitySample(
                        request, options: &options, pool: pool, place: place.kMeansPlace(announced: announced, nextRunFollows: false),
                        monitor: monitor, log: log)
                    return try OutputWriter.write(outcome, options: options, pool: pool, columns: columns, to: out, command: request.command)
                }
                if request.clusterBalanced {
                    options.clusterBalance = try clusterLabels(request, pool: pool, place: kMeans, log: log)
                    options.labelsPath = options.clusterBalance!.assignments
                }
                if options.settings.partition == .cluster && !options.exact {
                    var k = KMeansSettings(k: max(1, (pool.totalRows + options.settings.chunkRows - 1) / options.settings.chunkRows))
                    k.iterations = request.clusterIterations
                    k.seed = options.settings.seed
                    k.levels = k.k >= KMeansSettings.Default.partitionLevelsFrom ? 2 : 1
                    let (clustering, _) = try KMeansExecution.run(
                        pool: pool, settings: k, nonfinite: options.nonfinite, on: kMeans,
                        slots: 1, journal: RunJournal.partition.path(in: out), keepJournal: true,
                        log: log)
                    log.info("--partition cluster: \(k.k) k-means clusters (sizes \(clustering.sizes.min() ?? 0)–\(clustering.sizes.max() ?? 0))")
                    options.partitionClusters = clustering.assignments
                }
                let columns = try SideColumns.load(
                    ids: request.idsPath, quality: options.qualityPath, labels: options.labelsPath,
                    rows: pool.totalRows)
                if let ids = columns.ids, let repeated = SideColumns.firstRepeated(ids) {
                    log.warning(
                        "--ids names a row id more than once: selection.csv cannot tell those rows apart by id",
                        metadata: [
                            "id": "\(repeated.id)", "rows": "\(repeated.rows.map(String.init).joined(separator: ","))",
                        ])
                }
                var outcome = try select(
                    pool: pool, options: options, request: request, on: place, announced: announced,
                    monitor: monitor, log: log)
                ExactWeights.apply(to: &outcome, pool: pool, options: options, log: log)
                // The k-means journals (cluster-balanced, partition cluster) stayed for a resumed selection.
                return try OutputWriter.write(outcome, options: options, pool: pool, columns: columns, to: out, command: request.command)
            }
            let st = report.statistics
            if st.zeroRows > 0 {
                log.warning(
                    "rows of all zeros have no direction: their cosine similarity to every row is taken as 0; drop them, or check how they were made",
                    metadata: ["zero_rows": "\(st.zeroRows)"])
            }
            if st.finiteRows > 1 && st.totalVariance == 0 {
                log.warning("every row is the same vector: any selection covers the pool as well as any other")
            }
            let among = options.eligibleRows.map { "\($0.count) rows (--rows/--exclude; the pool has \(report.totalRows))" } ?? "\(report.totalRows) rows"
            print("selected \(report.selection.count) of \(among) → \(out)/selection.npy")
            if let q = report.quality { print(q.summary) }
        } catch let failure as RunFailure where failure.isInterruption {
            throw failure  // the journals and the metrics stay: the same command resumes
        } catch {
            // A run that failed for good leaves nothing behind, not even the folder it made.
            monitor.metrics?.remove()
            folder.removeIfMadeAndEmpty()
            throw error
        }
    }

    /// The selection itself, where `place` says.
    private static func select(
        pool: Pool, options: RunOptions, request: SelectionRequest, on place: WorkerPlace,
        announced: AnnouncedRuns, monitor: RunMonitor, log: Logger
    ) throws -> SelectionOutcome {
        let journal = RunJournal.run.path(in: request.out)
        switch place {
        case .served(let bind, let security, let coordination, let announce):
            // After a k-means on these workers (cluster-balanced, partition cluster) the selection is their next run.
            let followsRun = options.clusterBalance != nil || options.partitionClusters != nil
            var serving = ServeContext.joined(
                bind: bind, security: security, coordination: coordination, journal: journal, log: log, announce: announce)
            serving.followsRun = followsRun
            serving.earlierRuns = announced.hashes
            return try DistributedSelection.run(pool: pool, options: options, serving: serving, monitor: monitor, log: log)
        case .local(let workers, let slots, let coordination):
            if case .coverageCentric = options.settings.objective {
                if workers > 0 { log.info("coverage-centric selection reads scores, not vectors: it runs in this process") }
                MemoryTuning.reuseLargeBlocks()
                return try CoverageSelection.run(pool: pool, options: options, monitor: monitor, log: log)
            }
            if workers == 0 || options.exact {
                MemoryTuning.reuseLargeBlocks()
                return try LocalSelection.run(pool: pool, options: options, monitor: monitor, log: log)
            }
            // Local workers share this terminal: under a live progress line their routine info
            // lines would tear it, so they say only what goes wrong unless debugging was asked for.
            let quiet = monitor.console.style == .live && request.logLevel > .debug
            let workerLevel = quiet ? max(request.logLevel, .warning) : request.logLevel
            return try EmbeddedWorkers.run(count: workers, slots: slots, logLevel: workerLevel) { serving in
                var serving = serving
                serving.coordination = coordination
                serving.journal = journal
                return try DistributedSelection.run(pool: pool, options: options, serving: serving, monitor: monitor, log: log)
            }
        }
    }

    /// `--objective sensitivity`: the k-means where `place` says, then the draw in this process.
    private static func sensitivitySample(
        _ request: SelectionRequest, options: inout RunOptions, pool: Pool, place: KMeansExecution.Place, monitor: RunMonitor, log: Logger
    ) throws -> SelectionOutcome {
        let start = ContinuousClock.now
        let k = try kMeansSettings(request, pool: pool)
        let (clustering, _) = try KMeansExecution.run(
            pool: pool, settings: k, nonfinite: request.options.nonfinite, on: place, slots: 1,
            journal: RunJournal.clusterLabels.path(in: request.out), keepJournal: true, log: log)
        let seconds = (ContinuousClock.now - start).seconds
        MemoryTuning.reuseLargeBlocks()
        let (outcome, draws) = try SensitivitySelection.run(pool: pool, options: options, clustering: clustering, monitor: monitor, log: log)
        options.sensitivity = SensitivitySample(
            clusters: k.k, inertia: clustering.final.inertia, seconds: seconds, draws: draws.isFinite ? draws : nil)
        return outcome
    }

    /// The k-means of cluster-balanced and sensitivity: `--clusters` (default: about ten picks per cluster).
    private static func kMeansSettings(_ request: SelectionRequest, pool: Pool) throws -> KMeansSettings {
        let settings = request.options.settings
        var k = KMeansSettings(k: request.balanceClusters ?? ClusterBalance.Default.clusters(budget: settings.budget, rows: pool.totalRows))
        k.iterations = request.clusterIterations
        k.seed = settings.seed
        if let problem = k.problems(rows: pool.totalRows).first {
            throw RunFailure(.usage, problem.replacingOccurrences(of: "--k", with: "--clusters"))
        }
        return k
    }

    /// The k-means of `--objective cluster-balanced`, its clusters written as the run's labels.
    private static func clusterLabels(_ request: SelectionRequest, pool: Pool, place: KMeansExecution.Place, log: Logger) throws -> ClusterBalance {
        let k = try kMeansSettings(request, pool: pool)
        let start = ContinuousClock.now
        let (clustering, _) = try KMeansExecution.run(
            pool: pool, settings: k, nonfinite: request.options.nonfinite, on: place, slots: 1,
            journal: RunJournal.clusterLabels.path(in: request.out), keepJournal: true, log: log)
        let path = request.out + "/clusters.npy"
        try NpyWriter.writeInt64(clustering.assignments.map(Int64.init), to: path)
        log.info("cluster-balanced: \(k.k) k-means clusters (sizes \(clustering.sizes.min() ?? 0)–\(clustering.sizes.max() ?? 0)) → \(path)")
        return ClusterBalance(clusters: k.k, inertia: clustering.final.inertia, seconds: (ContinuousClock.now - start).seconds, assignments: path)
    }
}
