import ArgumentParser
import Foundation
import WinnowCoordination
import WinnowCore
import WinnowRuntime

/// `winnow cluster`: k-means over the pool (k-means++ seeding on a seeded sample, then Lloyd).
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract:
            "k-means over a pool: writes DIR/centroids.npy (k × d float32), DIR/assignments.npy (int32 per row, −1 for a row left out) and DIR/report.json.")

    @OptionGroup var pool: PoolOptions

    @Option(help: "Clusters.") var k: Int
    @Option(help: "Lloyd iterations after seeding.") var iterations: Int = KMeansSettings.Default.iterations
    @Option(help: "Lloyd iterations over every row after those on the fit sample.")
    var fullIterations: Int = KMeansSettings.Default.fullIterations
    @Option(help: "Seed of the seeding sample and of k-means++.") var seed: UInt64 = KMeansSettings.Default.seed
    @Option(help: "Rows sampled for k-means++ per cluster.") var seedRowsPerCluster: Int = KMeansSettings.Default.seedRowsPerCluster
    @Option(
        help:
            "Rows per cluster of the seeded sample the Lloyd iterations fit on; the last pass assigns every row (0: fit on every row)."
    ) var fitRowsPerCluster: Int = KMeansSettings.Default.fitRowsPerCluster
    @Option(help: "Rows read and assigned at a time.") var chunkRows: Int = KMeansSettings.Default.chunkRows
    @Option(
        help:
            "1: one k-means of k clusters; 2: about √k clusters on the workers, then each split in this process into a share of k in proportion to its rows (for k of 10,000 and more)."
    ) var levels: Int = KMeansSettings.Default.levels
    @Option(help: "Rows with NaN/Inf: fail naming the first, or leave them out (assignment −1).")
    var nonfinite: NonfinitePolicy = RunOptions.Default.nonfinite
    @Option(
        help:
            "Local worker processes, each running blocks of every Lloyd pass (0: all in this process). Same result either way. Default: one per usable CPU (affinity, cgroup quota, SLURM_CPUS_PER_TASK)."
    )
    var workers: Int?
    @Option(help: "Tasks each local worker runs at once.") var slots: Int = CoordinationSettings.Default.slots
    @Option(help: "Output folder.", transform: OutputPath.trimmed) var out: String
    @Option(help: "External ids (.npy int64/int32, or text with one per line), one per pool row: DIR/assignments.csv (row, id, cluster) is written too.")
    var ids: String?
    @Flag(help: "Only warnings and errors on stderr.") var quiet = false
    @OptionGroup var serving: ServeOptions

    func validate() throws {
        try serving.validate(localWorkers: workers)
        if let workers, workers < 0 { throw ValidationError("--workers must be 0 or more (got \(workers))") }
        if slots < 1 { throw ValidationError("--slots must be at least 1 (got \(slots))") }
    }

    @Option(
        help: "Log lines as text (time, level, key=value pairs quoted as logfmt, message) or json (one object per line). Default: WINNOW_LOG_FORMAT, else text."
    )
    var logFormat: LogFormat?

    func run() throws {
        if let logFormat { LogFormat.use(logFormat) }
        let opened = try ExitStatus.reporting { try pool.open() }
        var settings = KMeansSettings(k: k)
        settings.iterations = iterations
        settings.seed = seed
        settings.seedRowsPerCluster = seedRowsPerCluster
        settings.chunkRows = chunkRows
        settings.fitRowsPerCluster = fitRowsPerCluster
        settings.fullIterations = fullIterations
        settings.levels = levels
        if let problem = settings.problems(rows: opened.totalRows).first { throw ValidationError(problem) }
        var request = ClusteringRequest(settings: settings, out: out)
        request.nonfinite = nonfinite
        request.slots = slots
        request.logLevel = quiet ? .warning : .info
        request.idsPath = ids
        let place = serving.place(try serving.served(), nextRunFollows: false) ?? .local(workers: workers ?? UsableProcessors.count())
        try ExitStatus.reporting { try ClusteringEntryPoint.run(request, pool: opened, on: place) }
    }
}
