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
    }

    /// Clusters wanted.
    public var k: Int
    /// Lloyd iterations after seeding; the assignments written are to the final centroids.
    public var iterations = Default.iterations
    public var seed = Default.seed
    public var seedRowsPerCluster = Default.seedRowsPerCluster
    /// Rows per block read and assigned at a time (the memory of a pass: rows × (d + k) floats).
    public var chunkRows = Default.chunkRows
    /// Cluster the rows scaled to unit length (cosine geometry, as de-duplication wants), not as stored.
    public var normalizesRows = false

    public init(k: Int) { self.k = k }

    /// What is wrong with these settings, in words a user can act on (empty: nothing).
    public func problems(rows: Int) -> [String] {
        var out: [String] = []
        if k < 1 || k > rows { out.append("--k must be between 1 and the pool's \(rows) rows (got \(k))") }
        if iterations < 0 { out.append("--iterations must be 0 or more (got \(iterations))") }
        if seedRowsPerCluster < 1 { out.append("--seed-rows-per-cluster must be at least 1 (got \(seedRowsPerCluster))") }
        if chunkRows < 1 { out.append("--chunk-rows must be at least 1 (got \(chunkRows))") }
        return out
    }
}
