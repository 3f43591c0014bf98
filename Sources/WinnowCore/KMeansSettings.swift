/// Every knob of `winnow cluster`, with its one default.
public struct KMeansSettings: Sendable, Equatable {
    public enum Default {
        public static let iterations = 20
        public static let seed: UInt64 = 0
        /// Rows k-means++ seeds from, per centroid (faiss trains on at most 256 per centroid).
        public static let seedRowsPerCluster = 16
        public static let chunkRows = SelectionSettings.Default.chunkRows
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
