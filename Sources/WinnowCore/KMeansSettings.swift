/// Every knob of `winnow cluster`, with its one default.
public struct KMeansSettings: Sendable, Equatable {
    public enum Default {
        public static let iterations = 20
        public static let seed: UInt64 = 0
        /// Rows k-means++ seeds from, per centroid (faiss trains on at most 256 per centroid).
        public static let seedRowsPerCluster = 16
        /// Rows per block (a task of a distributed pass). Larger than a selection's chunk: a block is
        /// only an `sgemm` and a sum, so per-block costs (a k × d partial, a lease round trip, the
        /// wait for a pass's last block) decide; at 200,000 × 128, k = 256, 2 workers took 0.340 s per
        /// pass with 8,192-row blocks, 0.250 with 16,384 and 0.208 with 32,768 (one process: 0.455,
        /// 0.377, 0.383). Fixed, not sized to the worker count: blocks group the Double sums, and the
        /// bytes written must not depend on how many workers ran.
        public static let chunkRows = 32_768
        /// Rows per centroid the Lloyd iterations fit on (a seeded sample; the last pass assigns every
        /// row), as faiss trains on at most 256. With `fullIterations` 1, measured on five pools of
        /// four kinds at 1,000 rows per cluster (`Scripts/bench/fit-sample`): final inertia 1.002–1.017
        /// × plain Lloyd's with 64 (1.002–1.010 with 128, 1.001–1.006 with 256), while a pass over
        /// 10M rows at k = 10,000 costs as much as 16 iterations on a 64-per-cluster sample.
        public static let fitRowsPerCluster = 64
        /// Iterations over every row after those on the sample: each moves every centroid to the mean
        /// of all its rows, which a sample only estimates (without it: 1.010–1.033 × plain Lloyd's
        /// inertia with 64 rows per cluster, on the same pools).
        public static let fullIterations = 1
        /// One k-means over all k centroids. Two levels (`TwoLevelKMeans`) cost about √k instead of
        /// k distances per row and pass; what they give up in inertia is in BENCHMARKS.md.
        public static let levels = 1
        /// Clusters from which `--partition cluster`'s k-means runs in two levels (one cluster per
        /// chunk: from about 82M rows at the default chunk size). One level's k-means++ seeding is
        /// serial and quadratic in k (499.7 s at k = 10,000 on 10M rows) and its passes cost k
        /// distances per row; a partition needs clusters of even size, not the lowest inertia.
        public static let partitionLevelsFrom = 10_000
    }

    /// Clusters wanted.
    public var k: Int
    /// Lloyd iterations after seeding; the assignments written are to the final centroids.
    public var iterations = Default.iterations
    public var seed = Default.seed
    public var seedRowsPerCluster = Default.seedRowsPerCluster
    /// Rows per block read and assigned at a time (the memory of a pass: rows × (d + k) floats).
    public var chunkRows = Default.chunkRows
    /// Rows per centroid of the seeded sample the iterations fit on (0: every row, as plain Lloyd).
    public var fitRowsPerCluster = Default.fitRowsPerCluster
    /// The last iterations that read every row, when the others fit on a sample.
    public var fullIterations = Default.fullIterations
    /// 1: one k-means of k clusters; 2: about √k clusters, each then split by its own k-means into a
    /// share of k in proportion to its rows (`TwoLevelKMeans`).
    public var levels = Default.levels
    /// Cluster the rows scaled to unit length (cosine geometry, as de-duplication wants), not as stored.
    public var normalizesRows = false

    public init(k: Int) { self.k = k }

    /// What is wrong with these settings, in words a user can act on (empty: nothing).
    public func problems(rows: Int) -> [String] {
        var out: [String] = []
        if k < 1 || k > rows { out.append("--k must be between 1 and the pool's \(rows) rows (got \(k))") }
        if iterations < 0 { out.append("--iterations must be 0 or more (got \(iterations))") }
        if seedRowsPerCluster < 1 { out.append("--seed-rows-per-cluster must be at least 1 (got \(seedRowsPerCluster))") }
        if fitRowsPerCluster < 0 { out.append("--fit-rows-per-cluster must be 0 (every row) or more (got \(fitRowsPerCluster))") }
        if fullIterations < 0 { out.append("--full-iterations must be 0 or more (got \(fullIterations))") }
        if !(1...2).contains(levels) { out.append("--levels must be 1 or 2 (got \(levels))") }
        if chunkRows < 1 { out.append("--chunk-rows must be at least 1 (got \(chunkRows))") }
        return out
    }
}
