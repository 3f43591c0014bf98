import WinnowNative

/// The geometry the border check bounds distances with: for a unit row `x` of cluster `a` and any row
/// `y` assigned to cluster `j`, `f(z) = ‖z − c_j‖² − ‖z − c_a‖²` is affine with gradient
/// `2(c_a − c_j)`, so `‖x − y‖ ≥ (f(x) − f(y)) / (2‖c_a − c_j‖)`; and `f(y)` is at most `y`'s slack,
/// how much nearer to its nearest centroid than to its own `y` is (zero when rows go to their nearest
/// centroid; more with two levels, where a row is compared with a few parts only). With `s_j` the
/// largest slack among the rows checked in `j`, no row of `j` is nearer to `x` than
/// `(f(x) − s_j) / (2‖c_a − c_j‖)`, whatever the assignment did: a bound that never rules out a
/// near-duplicate.
public struct BorderCells: Sendable {
    /// A kept row and another cluster whose kept rows it may have a near-duplicate among: `distance`
    /// is a lower bound on the row's distance to any of them. Ordered nearest first, then by row,
    /// then by cluster, so that a budget chooses the same reaches whatever order they are found in.
    public struct Reach: Sendable, Hashable, Comparable {
        // Row first: 16 bytes a reach instead of 24 (a 10M-row check holds millions of them).
        public let row: Int64
        public let distance: Float
        public let cluster: Int32

        public init(distance: Float, row: Int64, cluster: Int32) {
            self.distance = distance
            self.row = row
            self.cluster = cluster
        }

        public static func < (a: Reach, b: Reach) -> Bool {
            a.distance != b.distance ? a.distance < b.distance : a.row != b.row ? a.row < b.row : a.cluster < b.cluster
        }
    }

    public let centroids: VectorBlock
    private let norms: [Float]
    /// `‖c_a − c_j‖` for every pair, rounded up: a longer denominator only lowers the bound.
    private let apart: [Float]
    /// Room for the Float products' rounding in `f` and the slacks (a dot of a unit row with a
    /// centroid of norm ≤ 1 is off by at most ~d · 2^−24 each).
    private let margin: Double

    public init(centroids: VectorBlock) {
        self.centroids = centroids
        let k = centroids.rows
        norms = centroids.squaredNorms()
        var gram = [Float](repeating: 0, count: k * k)
        BLAS.multiplyTransposed(centroids.values, rows: 0..<k, by: centroids.values, rows: 0..<k, dimension: centroids.dimension, into: &gram)
        var apart = [Float](repeating: 0, count: k * k)
        for a in 0..<k {
            for j in 0..<k where j != a {
                let squared = max(Double(norms[a]) + Double(norms[j]) - 2 * Double(gram[a * k + j]), 0) + 1e-5
                apart[a * k + j] = Float(squared.squareRoot() * (1 + 1e-4))
            }
        }
        self.apart = apart
        margin = 1e-5 + 1e-6 * Double(centroids.dimension)
    }

    public var count: Int { centroids.rows }

    /// The other clusters a row of cluster `a` is bounded against: the `limit` whose centroids are
    /// nearest `a`'s (then by number), or all (nil). Near-duplicates across a border lie near both
    /// centroids, so a far centroid's cluster is rarely reached, and never within a budget that spends
    /// on the nearest borders first before it.
    public func candidates(of a: Int, limit: Int?) -> [Int] {
        let others = (0..<count).filter { $0 != a }
        guard let limit, limit < others.count else { return others }
        return Array(others.sorted { apart[a * count + $0] != apart[a * count + $1] ? apart[a * count + $0] < apart[a * count + $1] : $0 < $1 }.prefix(limit))
    }

    /// Each row's dot product with the centroids of `clusters` (`rows × clusters.count`).
    public func dots(_ unit: VectorBlock, with clusters: [Int]) -> [Float] {
        let chosen = centroids.gather(clusters)
        var out = [Float](repeating: 0, count: unit.rows * clusters.count)
        BLAS.multiplyTransposed(
            unit.values, rows: 0..<unit.rows, by: chosen.values, rows: 0..<clusters.count, dimension: unit.dimension, into: &out)
        return out
    }

    /// `‖x − c_j‖² − ‖x − c_a‖²` for `j = clusters[t]`, `a = clusters[0]`, from a row's dots with them,
    /// without `‖x‖²`, which cancels.
    private func rise(_ dots: ArraySlice<Float>, _ clusters: [Int], to t: Int) -> Double {
        Double(norms[clusters[t]]) - Double(norms[clusters[0]]) - 2 * (Double(dots[dots.startIndex + t]) - Double(dots[dots.startIndex]))
    }

    /// How much further each row of `clusters[0]` (unit, with `dots` from `dots(_:with:)`) is from its
    /// own centroid than from the nearest of `clusters`, widened by the margin.
    public func slacks(dots: [Float], clusters: [Int]) -> [Float] {
        let n = clusters.count
        return (0..<dots.count / n).map { i in
            let row = dots[i * n..<(i + 1) * n]
            var worst = 0.0
            for t in 1..<n { worst = max(worst, -rise(row, clusters, to: t)) }
            return Float(worst + margin)
        }
    }

    /// The other clusters each row of `clusters[0]` may have a near-duplicate in, among `clusters`, above
    /// `threshold` (cosine): those whose bound is below `δ = √(2 − 2·threshold)`, widened as the other
    /// tests here are. `slack` is each cluster's largest slack (`slacks`); a cluster with `checked[j]`
    /// false (no kept rows) is skipped. Those nearer than `cut`, row by row, clusters in their order in
    /// `clusters`; and how many there were at any distance.
    public func reaches(
        dots: [Float], rows: [Int64], clusters: [Int], slack: [Float], checked: [Bool], threshold: Float, below cut: Float = .infinity
    ) -> (reaches: [Reach], reachable: Int) {
        let delta = (2 - 2 * Double(threshold)).squareRoot() * (1 + 1e-4) + 1e-6
        let n = clusters.count, a = clusters[0]
        var out: [Reach] = [], reachable = 0
        for i in rows.indices {
            let row = dots[i * n..<(i + 1) * n]
            for t in 1..<n where checked[clusters[t]] {
                let j = clusters[t]
                let bound = (rise(row, clusters, to: t) - Double(slack[j]) - margin) / (2 * Double(apart[a * count + j]))
                guard bound < delta else { continue }
                reachable += 1
                let reach = Reach(distance: Float(max(bound, 0)), row: rows[i], cluster: Int32(j))
                if reach.distance <= cut { out.append(reach) }
            }
        }
        return (out, reachable)
    }
}
