extension KMeans {
    /// A whole k-means of rows held in memory, the way the pool-wide one runs: k-means++ on a seeded
    /// sample of `seedRowsPerCluster` rows per centroid, Lloyd iterations on a seeded sample of
    /// `fitRowsPerCluster` per centroid but for the last `fullIterations`, which read every row, then
    /// every row to its nearest centroid. For the parts of a cluster, where one task holds all its rows.
    public static func fit(
        _ rows: VectorBlock, k: Int, iterations: Int, seedRowsPerCluster: Int = KMeansSettings.Default.seedRowsPerCluster,
        fitRowsPerCluster: Int = KMeansSettings.Default.fitRowsPerCluster, fullIterations: Int = KMeansSettings.Default.fullIterations,
        random: inout SeededRandom
    ) -> (centroids: VectorBlock, assignments: [Int32], partial: KMeansPartial) {
        let n = rows.rows
        precondition(k >= 1 && k <= n, "KMeans.fit: k must be between 1 and the rows")
        var centroids = seed(rows.gather(random.sample(min(n, k * seedRowsPerCluster), of: n)), k: k, random: &random)
        let fit = rows.gather(random.sample(min(n, k * fitRowsPerCluster), of: n))
        for i in 0..<iterations {
            centroids = update(centroids, with: assign(i < iterations - fullIterations ? fit : rows, to: centroids).partial)
        }
        let (assignments, partial) = assign(rows, to: centroids)
        return (centroids, assignments, partial)
    }
}
