import ArgumentParser
import Foundation
import WinnowCore
import WinnowRuntime

/// `winnow dedup`: semantic near-duplicate removal inside k-means clusters (of the rows scaled to unit
/// length: near-duplicates by cosine should fall in one cluster whatever their norms).
struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract:
            "Drop near-duplicates: inside each k-means cluster, a row whose cosine to a row kept before it (in --keep order) exceeds --threshold, then across cluster borders (--no-border-check: within clusters only). Writes DIR/kept.npy (int64 rows), DIR/dropped.csv (row, nearest kept row, similarity, cluster), DIR/max_similarity.npy (float32 per row: its highest cosine to a kept row of its cluster; NaN: none) and DIR/report.json."
    )

    @OptionGroup var pool: PoolOptions

    @Option(help: "Cosine similarity above which a row is a near-duplicate of a kept row.") var threshold: Float
    @Option(
        help:
            "k-means clusters of the pool (default: one per 2,000 rows). Fewer, each then split (over --split-rows) into ~2,000-row parts on the workers, is cheaper and misses more pairs."
    ) var clusters: Int?
    @Option(
        help:
            "Which row of a group of near-duplicates is kept: first (row order), central (nearest the mean of its cluster), or quality (highest --quality score)."
    ) var keep: DedupSettings.Keep = DedupSettings.Default.keep
    @Option(help: "Quality scores (.npy float32, one per pool row) for --keep quality.") var quality: String?
    @Flag(
        inversion: .prefixedNo,
        help:
            "Compare each kept row with the kept rows of the other clusters whose border is nearer to it than a near-duplicate can be, nearest borders first in growing steps (--border-first-step) within --border-budget, and drop across the border in --keep order: near-duplicates a cluster border separates are otherwise both kept. Runs in this process, after the within-cluster pass."
    ) var borderCheck = DedupSettings.Default.checksBorders
    @Option(
        help:
            "Comparisons the border check may make, as a multiple of the within-cluster walk's; inf compares every border a near-duplicate can cross (report.json's border.exact says when none was left out)."
    ) var borderBudget: Double = DedupSettings.Default.borderBudget
    @Option(
        help:
            "The border check's first step, in times the within-cluster walk's comparisons; each next step is twice the last, and the check ends after a step that finds no pair above --threshold. inf: one step, the whole --border-budget (with --border-budget inf: exact)."
    ) var borderFirstStep: Double = DedupSettings.Default.borderFirstStep
    @Option(
        help:
            "A cluster of more rows than this is split by a k-means of its own (on the worker that walks it) into parts of about 2,000 rows, each walked alone (a cluster's walk costs its rows squared)."
    ) var splitRows: Int = DedupSettings.Default.splitRows
    @Option(help: "Lloyd iterations of the clustering.") var iterations: Int = DedupSettings.Default.iterations
    @Option(
        help: "Rows per cluster of the seeded sample the clustering's iterations fit on; every row is then assigned once (0: fit on every row)."
    ) var fitRowsPerCluster: Int = KMeansSettings.Default.fitRowsPerCluster
    @Option(
        help:
            "Lloyd iterations over every row after those on the fit sample. Default: 1 with one level; 0 with two, when both levels fit on the sample and every row is read once, to be assigned."
    )
    var fullIterations: Int?
    @Option(
        help:
            "1: one k-means of --clusters; 2: about √clusters first, each split by a k-means of its own (about 4√clusters distances a row instead of clusters). Default: 2 from \(DedupSettings.Default.levelsFrom) clusters."
    )
    var levels: Int?
    @Option(help: "Seed of the clustering.") var seed: UInt64 = KMeansSettings.Default.seed
    @Option(help: "Rows with NaN/Inf: fail naming the first, or leave them out (neither kept nor dropped).")
    var nonfinite: NonfinitePolicy = RunOptions.Default.nonfinite
    @Option(
        help:
            "Local worker processes for the clustering and the within-cluster pass (0: all in this process). Same result either way. Default: one per usable CPU (affinity, cgroup quota, SLURM_CPUS_PER_TASK)."
    )
    var workers: Int?
    @Option(help: "Output folder.", transform: OutputPath.trimmed) var out: String
    @Option(
        help:
            "External ids (.npy int64/int32, or text with one per line), one per pool row: dropped.csv names them and DIR/kept_ids.txt lists the kept rows' ids."
    ) var ids: String?
    @Flag(help: "Only warnings and errors on stderr.") var quiet = false
    @OptionGroup var serving: ServeOptions

    func validate() throws {
        if let problem = settings.problems.first { throw ValidationError(problem) }
        if (keep == .quality) != (quality != nil) {
            throw ValidationError(keep == .quality ? "--keep quality needs --quality FILE" : "--quality is read only with --keep quality")
        }
        try serving.validate(localWorkers: workers)
        if let workers, workers < 0 { throw ValidationError("--workers must be 0 or more (got \(workers))") }
    }

    @Option(
        help: "Log lines as text (time, level, key=value pairs quoted as logfmt, message) or json (one object per line). Default: WINNOW_LOG_FORMAT, else text."
    )
    var logFormat: LogFormat?

    /// The within-cluster pass's settings from the options.
    var settings: DedupSettings {
        var settings = DedupSettings(threshold: threshold)
        settings.keep = keep
        settings.checksBorders = borderCheck
        settings.borderBudget = borderBudget
        settings.borderFirstStep = borderFirstStep
        settings.splitRows = splitRows
        settings.seed = seed
        return settings
    }

    func run() throws {
        if let logFormat { LogFormat.use(logFormat) }
        let opened = try ExitStatus.reporting { try pool.open() }
        var kMeans = KMeansSettings(k: clusters ?? DedupSettings.Default.clusters(rows: opened.totalRows))
        kMeans.iterations = iterations
        kMeans.seed = seed
        kMeans.fitRowsPerCluster = fitRowsPerCluster
        kMeans.levels = levels ?? DedupSettings.Default.levels(clusters: kMeans.k)
        kMeans.fullIterations = fullIterations ?? DedupSettings.Default.fullIterations(levels: kMeans.levels)
        kMeans.normalizesRows = true
        if let problem = kMeans.problems(rows: opened.totalRows).first {
            throw ValidationError(problem.replacingOccurrences(of: "--k", with: "--clusters"))
        }
        var request = DedupRequest(settings: settings, kMeans: kMeans, out: out)
        request.qualityPath = quality
        request.nonfinite = nonfinite
        request.logLevel = quiet ? .warning : .info
        request.idsPath = ids
        let place: WorkerPlace
        if let served = try serving.served() {
            let security = serving.security
            place = .served(
                bind: served.bind, security: served.security, coordination: served.coordination,
                announce: { security.announce($0, log: $1) })
        } else {
            place = .local(workers: workers ?? UsableProcessors.count())
        }
        try ExitStatus.reporting { try DedupEntryPoint.run(request, pool: opened, on: place) }
    }
}
extension DedupSettings.Keep: ExpressibleByArgument {}
