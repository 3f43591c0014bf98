/// The parts an oversized cluster is de-duplicated in: a k-means of its own unit rows into about
/// `partRows`-row parts (k-means++ on a seeded sample, Lloyd on a larger one but for a last iteration
/// on every row, then every row to its nearest centre), seeded by the run's seed and the cluster's number so that whoever splits it gets
/// the same parts. Near-duplicates sit close together, so they mostly share a part; the pairs a split
/// separates are what `BENCHMARKS.md`'s recall figures count.
public enum ClusterSplit {
    /// Rows k-means++ seeds from, and rows the iterations fit on, per part (as `KMeansSettings`).
    static let seedRowsPerPart = KMeansSettings.Default.seedRowsPerCluster
    static let fitRowsPerPart = KMeansSettings.Default.fitRowsPerCluster

    /// The cluster's rows (offsets into `vectors`, ascending) in parts, in part order; one part
    /// holding every row when the cluster is not over `settings.splitRows`.
    public static func parts(of vectors: VectorBlock, cluster: Int, settings: DedupSettings) -> [[Int]] {
        let n = vectors.rows, k = settings.parts(ofClusterWith: n)
        guard k > 1 else { return [Array(0..<n)] }
        let unit = vectors.normalized()
        var random = SeededRandom(seed: settings.seed, stream: .clusterSplit, cluster)
        var centroids = KMeans.seed(unit.gather(random.sample(min(n, k * seedRowsPerPart), of: n)), k: k, random: &random)
        let fit = unit.gather(random.sample(min(n, k * fitRowsPerPart), of: n))
        for i in 0..<DedupSettings.Default.iterations {
            // The last iterations over every row, as the pool-wide k-means's.
            let rows = i < DedupSettings.Default.iterations - KMeansSettings.Default.fullIterations ? fit : unit
            centroids = KMeans.update(centroids, with: KMeans.assign(rows, to: centroids).partial)
        }
        var parts = [[Int]](repeating: [], count: k)
        for (i, c) in KMeans.assign(unit, to: centroids).assignments.enumerated() { parts[Int(c)].append(i) }
        return parts.filter { !$0.isEmpty }
    }
}
