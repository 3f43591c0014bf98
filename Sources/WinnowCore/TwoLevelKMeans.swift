/// A k-means of many clusters in two levels (as faiss's two-level clustering and the hierarchical
/// k-means of Vo et al., 2024): about √k clusters over the whole pool, then each of them split by a
/// k-means of its own rows into a share of k in proportion to its rows. A row's distances are then
/// computed to √k centroids and to those of its own first-level cluster, not to all k; the price is
/// that a row stays in the first-level cluster it fell in, even where a centroid of a neighbouring one
/// is nearer.
public enum TwoLevelKMeans {
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
}
