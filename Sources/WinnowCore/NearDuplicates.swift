import WinnowNative

/// Semantic de-duplication inside one group of rows (a k-means cluster): walking the rows in row
/// order, a row is dropped when its cosine similarity to an earlier *kept* row exceeds the threshold,
/// and kept otherwise. Similarities come from `sgemm` a block of rows at a time against the rows kept
/// so far, so memory stays at `block × kept` however large the group.
public enum NearDuplicates {
    public struct Dropped: Sendable, Equatable {
        public let row: Int64
        /// The kept row it is most similar to.
        public let nearestKept: Int64
        public let similarity: Float

        public init(row: Int64, nearestKept: Int64, similarity: Float) {
            self.row = row
            self.nearestKept = nearestKept
            self.similarity = similarity
        }
    }

    public static let blockRows = 512

    /// `winnow dedup`'s defaults for the clustering it searches within.
    public enum Default {
        /// One k-means cluster per this many rows when the number of clusters is not given.
        public static let rowsPerCluster = 2000
        /// Lloyd iterations: clusters only bound the search, so fewer than `winnow cluster` runs.
        public static let iterations = 10
    }

    /// - Parameters:
    ///   - vectors: the group's rows, in the order of `rows` (ascending global row numbers).
    ///   - threshold: drop a row whose cosine to a kept row is above this.
    public static func within(_ vectors: VectorBlock, rows: [Int64], threshold: Float) -> (kept: [Int64], dropped: [Dropped]) {
        precondition(vectors.rows == rows.count, "NearDuplicates: rows")
        let unit = vectors.normalized(), d = vectors.dimension
        var keptIndices: [Int] = [], keptValues: [Float] = []
        var dropped: [Dropped] = []
        var sims: [Float] = [], inner: [Float] = []
        var start = 0
        while start < rows.count {
            let block = start..<min(rows.count, start + blockRows)
            let earlier = keptIndices.count
            // Against rows kept before this block: one product. Within the block: one more, read
            // only where the earlier row turned out kept.
            if earlier > 0 {
                if sims.count < block.count * earlier { sims = [Float](repeating: 0, count: block.count * earlier) }
                BLAS.multiplyTransposed(unit.values, rows: block, by: keptValues, rows: 0..<earlier, dimension: d, into: &sims)
            }
            if inner.count < block.count * block.count { inner = [Float](repeating: 0, count: block.count * block.count) }
            BLAS.multiplyTransposed(unit.values, rows: block, by: unit.values, rows: block, dimension: d, into: &inner)
            var keptInBlock: [Int] = []
            for (b, i) in block.enumerated() {
                var best = -Float.infinity, bestIndex = -1
                for t in 0..<earlier where sims[b * earlier + t] > best {
                    best = sims[b * earlier + t]
                    bestIndex = keptIndices[t]
                }
                for c in keptInBlock where inner[b * block.count + c] > best {
                    best = inner[b * block.count + c]
                    bestIndex = block.lowerBound + c
                }
                if best > threshold {
                    dropped.append(Dropped(row: rows[i], nearestKept: rows[bestIndex], similarity: best))
                } else {
                    keptInBlock.append(b)
                }
            }
            for b in keptInBlock {
                keptIndices.append(block.lowerBound + b)
                keptValues += unit.row(block.lowerBound + b)
            }
            start = block.upperBound
        }
        return (keptIndices.map { rows[$0] }, dropped)
    }
}
