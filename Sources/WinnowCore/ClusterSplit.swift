/// The parts an oversized cluster is de-duplicated in: a k-means of its own unit rows into about
/// `partRows`-row parts (k-means++ on a seeded sample, Lloyd on a larger one but for a last iteration
/// on every row, then every row to its nearest centre), seeded by the run's seed and the cluster's number so that whoever splits it gets
/// the same parts. Near-duplicates sit close together, so they mostly share a part; the pairs a split
/// separates are what `BENCHMARKS.md`'s recall figures count.
public enum ClusterSplit {
    /// The cluster's rows (offsets into `vectors`, ascending) in parts, in part order; one part
    /// holding every row when the cluster is not over `settings.splitRows`.
    public static func parts(of vectors: VectorBlock, cluster: Int, settings: DedupSettings) -> [[Int]] {
        let n = vectors.rows, k = settings.parts(ofClusterWith: n)
        guard k > 1 else { return [Array(0..<n)] }
        let unit = vectors.normalized()
        var random = SeededRandom(seed: settings.seed, stream: .clusterSplit, cluster)
        let assignments = KMeans.fit(unit, k: k, iterations: DedupSettings.Default.iterations, random: &random).assignments
        var parts = [[Int]](repeating: [], count: k)
        for (i, c) in assignments.enumerated() { parts[Int(c)].append(i) }
        return parts.filter { !$0.isEmpty }
    }
}
