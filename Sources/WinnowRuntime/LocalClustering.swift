import Logging
import WinnowCore
import WinnowIO

/// What `winnow cluster` found: centroids, every row's cluster (−1: a row left out for NaN/Inf), and
/// the inertia (sum of squared distances to the assigned centroid) of every pass.
public struct ClusteringOutcome: Sendable, Equatable {
    public struct Pass: Sendable, Encodable, Equatable {
        public let inertia: Double
        public let seconds: Double

        public init(inertia: Double, seconds: Double) {
            self.inertia = inertia
            self.seconds = seconds
        }
    }

    public var centroids: VectorBlock
    public var assignments: [Int32]
    /// Lloyd iterations in order; each one's inertia is that of the centroids it started from.
    public var iterations: [Pass]
    /// The last pass: every row assigned to the final centroids.
    public var final: Pass
    public var seedSeconds: Double
    public var skippedRows: [Int64]
    public var sizes: [Int]
    /// Rows the iterations fit on (all finite rows unless they fit on a sample).
    public var fitRows: Int
    /// With two levels (`KMeansSettings.levels`): the first level's k-means, whose passes `iterations`
    /// and `seedSeconds` then are; `final` is the second level's, every row to its nearest part among
    /// those of its `TwoLevelKMeans.probes` nearest first-level clusters.
    public var firstLevel: FirstLevel?

    public struct FirstLevel: Sendable, Encodable, Equatable {
        public let clusters: Int
        /// The rows it assigned: every finite row, or the fit sample's when both levels fit on it.
        public let rows: Int
        /// Its final inertia: those rows', each to its nearest first-level centroid.
        public let inertia: Double
        public let seconds: Double
    }

    /// A k-means that made no pass but the last over the pool (both levels fitted on a sample held in
    /// memory): no iterations, no seeding of its own to time.
    public init(
        centroids: VectorBlock, assignments: [Int32], fitRows: Int, final: Pass, sizes: [Int], firstLevel: FirstLevel?
    ) {
        self.centroids = centroids
        self.assignments = assignments
        iterations = []
        self.final = final
        seedSeconds = 0
        skippedRows = assignments.indices.filter { assignments[$0] < 0 }.map(Int64.init)
        self.sizes = sizes
        self.fitRows = fitRows
        self.firstLevel = firstLevel
    }

    /// The outcome of a finished plan, each pass with the seconds it took.
    public init(_ passes: LloydPasses, seconds: [Double], seedSeconds: Double) {
        precondition(passes.isFinished && seconds.count == passes.finishedPasses.count, "ClusteringOutcome: an unfinished plan")
        let all = zip(passes.finishedPasses, seconds).map { Pass(inertia: $0.inertia, seconds: $1) }
        centroids = passes.centroids
        assignments = passes.assignments
        iterations = Array(all.dropLast())
        final = all[all.count - 1]
        self.seedSeconds = seedSeconds
        skippedRows = passes.assignments.indices.filter { passes.assignments[$0] < 0 }.map(Int64.init)
        sizes = passes.finishedPasses[passes.finishedPasses.count - 1].counts
        fitRows = passes.finishedPasses[0].counts.reduce(0, +)
    }
}

/// Lloyd's k-means over the whole pool in this process: the plan of `LloydPasses`, every block run
/// here in block order by the same `AssignRunner` workers use — the reference a distributed run
/// (`DistributedClustering`) matches byte for byte.
public enum LocalClustering {
    public static func run(pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, log: Logger) throws(InputError) -> ClusteringOutcome {
        let clock = ContinuousClock(), seedStart = clock.now
        var passes = LloydPasses(totalRows: pool.totalRows, settings: settings, seeds: try seed(pool: pool, settings: settings, nonfinite: nonfinite, log: log))
        let seedSeconds = (clock.now - seedStart).seconds
        logFit(passes, log: log)
        var seconds: [Double] = []
        while !passes.isFinished {
            let start = clock.now, pass = passes.pass
            for b in passes.blocks.indices {
                _ = passes.record(try AssignRunner.run(passes.task(b), pool: pool, skipNonfinite: nonfinite == .skip), block: b)
            }
            seconds.append((clock.now - start).seconds)
            if pass < passes.iterations { log.info("iteration \(passes.finishedPasses.count): inertia \(passes.finishedPasses.last!.inertia)") }
        }
        return ClusteringOutcome(passes, seconds: seconds, seedSeconds: seedSeconds)
    }

    /// Says what the iterations fit on, when it is a sample.
    static func logFit(_ passes: LloydPasses, log: Logger) {
        guard let sample = passes.sample, passes.firstFullPass > 0 else { return }
        let expected = Int((sample.fraction * Double(passes.finalBlocks.last?.upperBound ?? 0)).rounded())
        log.info(
            "\(passes.firstFullPass) iterations fit on a seeded sample of about \(expected) rows (\(String(format: "%.2f", 100 * sample.fraction)) % of the pool); the last \(counted(passes.iterations - passes.firstFullPass, "iteration")) and the assignment read every row"
        )
    }

    /// k-means++ centroids from a seeded sample of `k × seedRowsPerCluster` rows (non-finite ones
    /// refused or left out), read here: the coordinator of a distributed run seeds the same way.
    public static func seed(pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, log: Logger) throws(InputError) -> VectorBlock {
        let clock = ContinuousClock(), start = clock.now
        var random = SeededRandom(seed: settings.seed, stream: .kMeansSeed)
        let sampleRows = random.sample(min(pool.totalRows, settings.k * settings.seedRowsPerCluster), of: pool.totalRows)
        let sample = pool.read(rows: sampleRows)
        let badSampled = Set(Pool.nonfiniteRows(sample, rows: sampleRows.map(Int64.init)))
        if let first = badSampled.min(), nonfinite == .fail { throw pool.nonfiniteError(row: first, count: badSampled.count) }
        let usable = sampleRows.indices.filter { !badSampled.contains(Int64(sampleRows[$0])) }
        guard usable.count >= settings.k else {
            throw InputError(
                .nonfinite, path: pool.files[0].path,
                "only \(usable.count) finite rows were sampled for \(settings.k) clusters; lower --k")
        }
        let seeds = sample.gather(usable)
        // Only a run on workers installs the stop handlers; a run in one process dies of the signal itself.
        let centroids = KMeans.seed(settings.normalizesRows ? seeds.normalized() : seeds, k: settings.k, random: &random) {
            StopSignals.pending != nil
        }
        guard centroids.rows == settings.k else { return centroids }  // stopped: the caller throws
        log.info("seeded \(settings.k) centroids from \(usable.count) rows in \(String(format: "%.1f", (clock.now - start).seconds)) s")
        return centroids
    }
}
