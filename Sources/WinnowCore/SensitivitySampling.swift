import Foundation
import HeapModule

/// Clustering-based sensitivity sampling (Axiotis, Cohen-Addad, Henzinger, Jerome, Mirrokni, Saulpic,
/// Woodruff & Wunder, "Data-efficient learning via clustering-based sensitivity sampling", ICML 2024):
/// after a k-means of the embeddings, rows are drawn in proportion to an upper bound on their share of
/// any cost that varies smoothly with the embedding, and each pick is weighted by the inverse of its
/// chance, so that the weighted picks estimate the pool's average loss without bias. Unlike the
/// coverage objectives, its guarantee is about that average, not about how far a row is from a pick.
public enum SensitivitySampling {
    /// Each row's chance in one draw. Half of the mass follows the row's squared distance to its centroid
    /// (its share of the k-means cost: rows far from their centroid are where a loss can differ most
    /// from the centroid's); the other half is spread evenly over the clusters and within a cluster
    /// evenly over its rows (so a small cluster is not missed). Both halves give each row at least half
    /// of what its term alone would, so a row's cost over its chance is at most twice the average cost
    /// and the estimate of any quantity bounded by the cost has the bounded range Hoeffding's
    /// inequality needs. With no cost at all (every row on its centroid) the size half has all the mass.
    ///
    /// - Parameters:
    ///   - cost: each row's squared distance to its centroid (≥ 0, finite).
    ///   - cluster: each row's cluster (≥ 0).
    public static func probabilities(cost: [Double], cluster: [Int32]) -> [Double] {
        precondition(cost.count == cluster.count, "SensitivitySampling: column lengths differ")
        precondition(cost.allSatisfy { $0 >= 0 && $0.isFinite } && cluster.allSatisfy { $0 >= 0 }, "SensitivitySampling: cost or cluster")
        guard !cost.isEmpty else { return [] }
        var sizes = [Int: Int]()
        for c in cluster { sizes[Int(c), default: 0] += 1 }
        let clusters = Double(sizes.count), total = cost.reduce(0, +)
        let costShare = total > 0 ? 0.5 : 0
        return cost.indices.map { i in
            (total > 0 ? costShare * cost[i] / total : 0) + (1 - costShare) / (clusters * Double(sizes[Int(cluster[i])]!))
        }
    }

    /// What a draw picked: positions in the rows given, in the order they were drawn, each with the
    /// number of rows it stands for.
    public struct Draw: Sendable, Equatable {
        public var picks: [Int]
        public var weights: [Double]
        /// τ, the draws with replacement the sample stands for: a pick's chance of being in it is
        /// `1 − exp(−p τ)`. Infinite when every row was taken.
        public var draws: Double
    }

    /// `count` distinct rows drawn one after another, each time in proportion to `probability` among the
    /// rows not yet drawn (draws with replacement that skip repeats). Each row's exponential key `E/p`
    /// (E from the seed and its global row number) orders the rows as such draws would; the rows with
    /// the `count` smallest keys are the sample, so it is the same whoever computes it and in whatever
    /// order the rows arrive, and the first picks of a larger sample are a smaller one. With τ the next
    /// key, a pick is in the sample with chance `1 − exp(−p τ)` given the other rows' keys, and its
    /// weight is the inverse (rank-conditioned Horvitz–Thompson: Cohen & Kaplan, "Bottom-k sketches",
    /// 2007): the weighted sum of any per-row quantity over the picks estimates its pool sum without bias.
    public static func draw(_ count: Int, rows: [Int64], probability: [Double], seed: UInt64) -> Draw {
        precondition(rows.count == probability.count, "SensitivitySampling.draw: column lengths differ")
        precondition(probability.allSatisfy { $0 > 0 && $0.isFinite }, "SensitivitySampling.draw: probabilities must be positive")
        let n = rows.count, take = max(0, min(count, n))
        // The `take + 1` smallest keys, largest on top: one pass, memory for the sample only.
        var heap = Heap<Key>()
        for i in 0..<n {
            let k = Key(value: key(row: rows[i], seed: seed) / probability[i], row: rows[i], position: i)
            if heap.count <= take {
                heap.insert(k)
            } else if k < heap.max! {
                heap.replaceMax(with: k)
            }
        }
        let smallest = heap.unordered.sorted()
        let picked = smallest.prefix(take)
        guard take < n else {
            return Draw(picks: picked.map(\.position), weights: [Double](repeating: 1, count: take), draws: .infinity)
        }
        let tau = smallest[take].value
        return Draw(
            picks: picked.map(\.position),
            weights: picked.map { 1 / -expm1(-probability[$0.position] * tau) },
            draws: tau)
    }

    /// The draw's weights rescaled so that each cluster's picks stand for exactly its rows, and a
    /// cluster with no pick has its rows shared by all picks in proportion (post-stratification).
    /// The weighted picks then count every cluster right, and an estimate keeps only the error from
    /// how a quantity varies within clusters, which the draw's cost half targets; the Horvitz–Thompson
    /// weights alone also carry the error of how many rows of each cluster the draw happened to take,
    /// which for a quantity nearly constant over the pool is most of their error.
    ///
    /// - Parameters:
    ///   - cluster: the cluster of each row the draw was made from (`draw`'s positions index it).
    public static func calibrated(_ drawn: Draw, cluster: [Int32]) -> [Double] {
        var size = [Int32: Double](), drawnWeight = [Int32: Double]()
        for c in cluster { size[c, default: 0] += 1 }
        for (i, w) in zip(drawn.picks, drawn.weights) { drawnWeight[cluster[i], default: 0] += w }
        var weights = zip(drawn.picks, drawn.weights).map { i, w in w * size[cluster[i]]! / drawnWeight[cluster[i]]! }
        let covered = drawnWeight.keys.reduce(0.0) { $0 + size[$1]! }
        let scale = Double(cluster.count) / covered
        if scale != 1 { weights = weights.map { $0 * scale } }
        return weights
    }

    /// A row's standard exponential draw, −ln U with U in (0, 1]: fixed by the seed and the row.
    public static func key(row: Int64, seed: UInt64) -> Double {
        var random = SeededRandom(seed: seed, stream: .sensitivity, Int(truncatingIfNeeded: row))
        return -log(Double((random.next() >> 11) + 1) * 0x1p-53)
    }

    /// Ties (vanishingly rare) go to the smaller row, so the order never depends on arrival.
    struct Key: Comparable {
        var value: Double
        var row: Int64
        var position: Int
        static func < (a: Key, b: Key) -> Bool { (a.value, a.row) < (b.value, b.row) }
    }
}
