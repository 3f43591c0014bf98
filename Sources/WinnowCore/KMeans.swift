import WinnowNative

/// Lloyd's k-means (squared Euclidean distance) as pure steps over blocks of rows: k-means++ seeding,
/// one block's assignment with its partial sums, and the centroid update from merged partials. Who
/// reads the blocks, and in how many processes, is the caller's business; the result depends only on
/// the blocks and the order their partials are merged in (design §4).
public enum KMeans {
    /// k-means++ (Arthur & Vassilvitskii 2007) on `sample`: the first centroid uniform, each next one
    /// drawn with probability proportional to its squared distance to the nearest centroid so far.
    ///
    /// A row is compared with a new centroid only when the triangle inequality allows it to be nearer
    /// than the row's nearest so far: a new centroid at least 2.002 × √D from that nearest one is at
    /// least 1.002 × √D from the row (D its squared distance), far beyond the rounding of either
    /// distance, so skipping it changes nothing (`testPrunedSeedingIsPlainKMeansPlusPlus`). At large
    /// k most rows skip most centroids: plain k-means++ reads the whole sample for every centroid.
    ///
    /// `stopped` is asked every 16 centroids: seeding 20,000 centroids takes minutes, and a run told to
    /// stop must not wait for it. Once it says yes the seeding ends early, with fewer than k centroids,
    /// which the caller must not use.
    public static func seed(_ sample: VectorBlock, k: Int, random: inout SeededRandom, stopped: () -> Bool = { false }) -> VectorBlock {
        seed(sample, k: k, pruned: true, random: &random, stopped: stopped)
    }

    /// `seed` with the pruning on or off (off: the plain algorithm, every row against every centroid).
    public static func seed(
        _ sample: VectorBlock, k: Int, pruned: Bool, random: inout SeededRandom, stopped: () -> Bool = { false }
    ) -> VectorBlock {
        let n = sample.rows, d = sample.dimension, x = sample.values
        precondition(k >= 1 && k <= n, "KMeans.seed: need 1 ≤ k ≤ sample rows")
        var chosen = [random.index(below: n)]
        var nearest = [Double](repeating: .infinity, count: n)
        // Which centroid (its place in `chosen`) each row's `nearest` is to; −1 before the first.
        var owner = [Int](repeating: -1, count: n)
        while chosen.count < k {
            if chosen.count % 16 == 0 && stopped() { break }
            let newest = chosen.count - 1, c = chosen[newest]
            // How far the newest centroid is from each earlier one.
            let apart: [Double] =
                pruned ? chosen.dropLast().map { Double(Kernels.squaredDistance(x, offset: $0 * d, x, offset: c * d, count: d)).squareRoot() } : []
            var total = 0.0
            for i in 0..<n {
                if pruned, owner[i] >= 0, apart[owner[i]] >= 2.002 * nearest[i].squareRoot() {
                    total += nearest[i]
                    continue
                }
                let distance = Double(Kernels.squaredDistance(x, offset: i * d, x, offset: c * d, count: d))
                if distance < nearest[i] {
                    nearest[i] = distance
                    owner[i] = newest
                }
                total += nearest[i]
            }
            // All remaining rows coincide with a centroid: any row not yet chosen will do.
            guard total > 0 else {
                let taken = Set(chosen)
                chosen.append((0..<n).first { !taken.contains($0) } ?? chosen[0])
                continue
            }
            var target = random.unit() * total, pick = -1
            for i in 0..<n where nearest[i] > 0 {
                pick = i  // rounding may leave `target` just above 0 after the last row: that row, then
                target -= nearest[i]
                if target < 0 { break }
            }
            chosen.append(pick)
        }
        return sample.gather(chosen)
    }

    /// Rows whose distances to every centroid are computed at once: 1,024 × k floats (1 MiB at k =
    /// 256) stay in cache between the `sgemm` and the argmin; a whole 8,192-row block's did not, and
    /// two worker processes then fought over memory bandwidth (2 workers were 1.5× slower per block).
    public static let assignRows = 1024

    /// Each row's nearest centroid (equal distances: the smaller index) and the block's partial sums.
    /// Distances come from one `sgemm` per `assignRows` rows: `‖x‖² − 2 x·c + ‖c‖²`.
    public static func assign(_ block: VectorBlock, to centroids: VectorBlock) -> (assignments: [Int32], partial: KMeansPartial) {
        let n = block.rows, k = centroids.rows, d = block.dimension
        precondition(centroids.dimension == d, "KMeans.assign: dimension mismatch")
        var partial = KMeansPartial(clusters: k, dimension: d)
        guard n > 0 else { return ([], partial) }
        let centroidNorms = centroids.squaredNorms()
        let x = block.values, c = centroids.values
        var assignments = [Int32](repeating: 0, count: n)
        var dots = [Float](repeating: 0, count: min(n, assignRows) * k)
        for start in stride(from: 0, to: n, by: assignRows) {
            let end = min(n, start + assignRows)
            BLAS.multiplyTransposed(x, rows: start..<end, by: c, rows: 0..<k, dimension: d, into: &dots)
            for i in start..<end {
                let best = Kernels.nearest(dots, offset: (i - start) * k, norms: centroidNorms)
                assignments[i] = Int32(best)
                // The inertia from exact differences, as `VectorBlock.squaredDistance` sums them, in the
                // same loop as the sums: this is the hot path of every pass, and a second loop over the
                // row cost 3–7 % of a pass at k = 141.
                var distance = 0.0
                let row = i * d, centre = best * d
                for t in 0..<d {
                    let v = Double(x[row + t])
                    partial.sums[centre + t] += v
                    let diff = v - Double(c[centre + t])
                    distance += diff * diff
                }
                partial.counts[best] += 1
                partial.inertia += distance
            }
        }
        return (assignments, partial)
    }

    /// New centroids: each cluster's mean; a cluster that lost every row keeps its centroid.
    public static func update(_ centroids: VectorBlock, with partial: KMeansPartial) -> VectorBlock {
        let k = centroids.rows, d = centroids.dimension
        var values = centroids.values
        for c in 0..<k where partial.counts[c] > 0 {
            let n = Double(partial.counts[c])
            for j in 0..<d { values[c * d + j] = Float(partial.sums[c * d + j] / n) }
        }
        return VectorBlock(values: values, dimension: d)
    }

}

/// A block's contribution to one Lloyd iteration: per-cluster sums and counts, and the squared
/// distances of its rows to their centroids. Partials merge exactly as often as wanted, but Double
/// sums depend on the order: callers merge in block order.
public struct KMeansPartial: Sendable, Equatable {
    /// Empty in the last pass's partials (`withoutSums`): nothing moves after it, and at k = 10,000 a
    /// block's sums are 30 MB on the wire and in the journal.
    public internal(set) var sums: [Double]
    public internal(set) var counts: [Int]
    public internal(set) var inertia: Double = 0
    public let dimension: Int

    public init(clusters: Int, dimension: Int) {
        sums = [Double](repeating: 0, count: clusters * dimension)
        counts = [Int](repeating: 0, count: clusters)
        self.dimension = dimension
    }

    /// A partial as a message carried it (shapes checked by the caller).
    public init(sums: [Double], counts: [Int], inertia: Double, dimension: Int) {
        precondition(sums.isEmpty || sums.count == counts.count * dimension, "KMeansPartial: shapes")
        self.sums = sums
        self.counts = counts
        self.inertia = inertia
        self.dimension = dimension
    }

    /// The counts and inertia alone.
    public func withoutSums() -> KMeansPartial {
        var out = self
        out.sums = []
        return out
    }

    /// Adds `other`'s counts and inertia, and its sums unless it has none.
    public mutating func merge(_ other: KMeansPartial) {
        precondition(other.counts.count == counts.count && other.dimension == dimension, "KMeansPartial: shapes")
        if !other.sums.isEmpty {
            precondition(other.sums.count == sums.count, "KMeansPartial: shapes")
            for i in sums.indices { sums[i] += other.sums[i] }
        }
        for c in counts.indices { counts[c] += other.counts[c] }
        inertia += other.inertia
    }
}
