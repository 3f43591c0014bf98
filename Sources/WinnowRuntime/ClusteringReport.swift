import WinnowCore
import WinnowIO

/// `report.json` of `winnow cluster`.
struct ClusteringReport: Encodable {
    /// nil inside `dedup`'s report, which has its own.
    let tool: RunReport.Tool?
    let k: Int
    /// Lloyd iterations asked for; `passes` holds those that ran (fewer once no centroid moved).
    let iterations: Int
    let seed: UInt64
    let seedRowsPerCluster: Int
    let chunkRows: Int
    /// `--fit-rows-per-cluster`, and the rows the iterations fit on (every finite row when not sampled):
    /// the iterations' inertia is that of these rows, `final`'s that of every row.
    let fitRowsPerCluster: Int
    let fitRows: Int
    /// `--full-iterations`: the last iterations, which read every row.
    let fullIterations: Int
    /// `--levels`; with 2, the first level's k-means (`passes` and `seed_seconds` are its).
    let levels: Int
    let firstLevel: ClusteringOutcome.FirstLevel?
    let inputs: [String]
    let totalRows: Int
    let dimension: Int
    let seedSeconds: Double
    let passes: [ClusteringOutcome.Pass]
    let final: ClusteringOutcome.Pass
    let secondsPerIteration: Double
    let wallSeconds: Double
    let skippedRows: [Int64]
    let sizes: [Int]
    let peakRssBytes: Int
    /// Local worker processes (0: the passes ran in this process).
    let workers: Int
    /// The coordinator's view of the workers (their tasks, busy seconds, peak memory), with workers.
    let cluster: CoordinationReport?

    init(
        settings: KMeansSettings, pool: Pool, outcome: ClusteringOutcome, seconds: Double, workers: Int, cluster: CoordinationReport?,
        tool: RunReport.Tool? = RunReport.Tool(command: "cluster")
    ) {
        self.tool = tool
        k = settings.k
        iterations = settings.iterations
        seed = settings.seed
        seedRowsPerCluster = settings.seedRowsPerCluster
        chunkRows = settings.chunkRows
        fitRowsPerCluster = settings.fitRowsPerCluster
        fitRows = outcome.fitRows
        fullIterations = settings.fullIterations
        levels = settings.levels
        firstLevel = outcome.firstLevel
        inputs = pool.files.map(\.path)
        totalRows = pool.totalRows
        dimension = pool.dimension
        seedSeconds = outcome.seedSeconds
        passes = outcome.iterations
        final = outcome.final
        secondsPerIteration = outcome.iterations.isEmpty ? 0 : outcome.iterations.map(\.seconds).reduce(0, +) / Double(outcome.iterations.count)
        wallSeconds = seconds
        skippedRows = outcome.skippedRows
        sizes = outcome.sizes
        peakRssBytes = ResourceUsage.peakResidentBytes()
        self.workers = workers
        self.cluster = cluster
    }
}
