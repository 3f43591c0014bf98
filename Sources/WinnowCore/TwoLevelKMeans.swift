import WinnowNative

/// A k-means of many clusters in two levels (as faiss's two-level clustering and the hierarchical
/// k-means of Vo et al., 2024): about √k clusters over the whole pool, then each of them split by a
/// k-means of its own rows into a share of k in proportion to its rows, then every row assigned to the
/// nearest part of its `probes` nearest first-level clusters. A row's distances are computed to √k
/// first-level centroids and about `probes` × √k parts, not to all k.
public enum TwoLevelKMeans {
    /// First-level clusters whose parts a row is finally compared with. Splitting alone leaves a row
    /// in the first-level cluster it fell in even where a neighbour's part is nearer: at 1M × 384 and
    /// k = 20,000 that cost 1.0149 × one level's inertia; comparing with the parts of the 2 nearest
    /// first-level clusters 1.0016, of 3 1.0008 (every part: 1.0007), for (1 + probes) × √k distances.
    public static let probes = 3

    /// First-level clusters for k in all: √k rounded, at least 1.
    public static func firstLevelClusters(_ k: Int) -> Int { max(1, Int(Double(k).squareRoot().rounded())) }

    /// k split over first-level clusters of these sizes in proportion to their rows (largest
    /// remainders first, ties to the smaller index): every cluster with rows gets at least 1 and at most
    /// its rows, an empty one 0. Needs k ≤ the rows in all.
    public static func split(_ k: Int, sizes: [Int]) -> [Int] {
        let total = sizes.reduce(0, +)
        precondition(k >= 1 && k <= total, "TwoLevelKMeans.split: k must be between 1 and the rows")
        let exact = sizes.map { Double(k) * Double($0) / Double(total) }
        var shares = zip(exact, sizes).map { e, size in size == 0 ? 0 : min(size, max(1, Int(e))) }
        var left = k - shares.reduce(0, +)
        // Room to grow, largest remainder first; or, when the floors of 1 overshot, room to shrink,
        // smallest remainder first.
        let order = sizes.indices.sorted { a, b in
            let ra = exact[a] - Double(shares[a]), rb = exact[b] - Double(shares[b])
            return ra != rb ? ra > rb : a < b
        }
        while left > 0 {
            for i in order where left > 0 && shares[i] < sizes[i] {
                shares[i] += 1
                left -= 1
            }
        }
        while left < 0 {
            for i in order.reversed() where left < 0 && shares[i] > 1 {
                shares[i] -= 1
                left += 1
            }
        }
        return shares
    }

    /// Each row of `block` to its nearest part (ties: the smaller part) among those of its `probes`
    /// nearest first-level clusters (ties: the smaller cluster), where `partsOf[j]` are the rows of
    /// `parts` that split first-level cluster `j`; with each row's squared distance to its part, from the
    /// differences.
    /// Distances by `sgemm`, `‖c‖² − 2 x·c`, as `KMeans.assign`'s.
    public static func assign(
        _ block: VectorBlock, firstLevel: VectorBlock, parts: VectorBlock, partsOf: [Range<Int>], probes: Int
    ) -> (assignments: [Int32], distances: [Double]) {
        let n = block.rows, k1 = firstLevel.rows, d = block.dimension
        precondition(partsOf.count == k1 && probes >= 1, "TwoLevelKMeans.assign: one range of parts per first-level cluster")
        guard n > 0 else { return ([], []) }
        let firstNorms = firstLevel.squaredNorms(), partNorms = parts.squaredNorms()
        var dots = [Float](repeating: 0, count: n * k1)
        BLAS.multiplyTransposed(block.values, rows: 0..<n, by: firstLevel.values, rows: 0..<k1, dimension: d, into: &dots)
        var probing = [[Int]](repeating: [], count: k1)
        let take = min(probes, k1)
        for i in 0..<n {
            // The `take` smallest of ‖c‖² − 2 x·c, kept sorted (value, then cluster).
            var nearest: [(value: Float, cluster: Int)] = []
            for j in 0..<k1 where !partsOf[j].isEmpty {
                let v = firstNorms[j] - 2 * dots[i * k1 + j]
                if nearest.count == take, let last = nearest.last, !(v < last.value) { continue }
                var at = nearest.count
                while at > 0 && v < nearest[at - 1].value { at -= 1 }
                nearest.insert((v, j), at: at)
                if nearest.count > take { nearest.removeLast() }
            }
            for (_, j) in nearest { probing[j].append(i) }
        }
        // Each row's smallest (value, part) so far.
        var best = [(value: Float, part: Int32)](repeating: (.infinity, -1), count: n)
        var partDots: [Float] = []
        for j in 0..<k1 where !probing[j].isEmpty && !partsOf[j].isEmpty {
            let rows = probing[j], range = partsOf[j]
            let gathered = block.gather(rows)
            partDots = [Float](repeating: 0, count: rows.count * range.count)
            BLAS.multiplyTransposed(gathered.values, rows: 0..<rows.count, by: parts.values, rows: range, dimension: d, into: &partDots)
            let norms = Array(partNorms[range])
            for (r, i) in rows.enumerated() {
                let at = r * range.count, nearest = Kernels.nearest(partDots, offset: at, norms: norms)
                let v = norms[nearest] - 2 * partDots[at + nearest], p = Int32(range.lowerBound + nearest)
                if best[i].part < 0 || v < best[i].value || (v == best[i].value && p < best[i].part) { best[i] = (v, p) }
            }
        }
        let assignments = best.map(\.part)
        return (assignments, (0..<n).map { block.squaredDistance($0, to: parts, row: Int(assignments[$0])) })
    }
}
