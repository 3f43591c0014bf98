import WinnowNative

/// Semantic de-duplication inside one group of rows (a k-means cluster): walking the rows in the
/// order given, a row is dropped when its cosine similarity to an earlier *kept* row exceeds the
/// threshold, and kept otherwise. Similarities come from `sgemm` a block of rows at a time against the rows kept
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

    /// What the walk found: rows kept and dropped (in walk order), and each row's highest cosine to a
    /// kept row it was compared with (by position in the walk; −∞: none) — for a dropped row, to the
    /// rows kept before it (its `similarity`); for a kept row, to every other kept row.
    public struct Walk: Sendable, Equatable {
        public var kept: [Int64]
        public var dropped: [Dropped]
        public var maxSimilarity: [Float]
    }

    /// - Parameters:
    ///   - vectors: the group's rows, in the order of `rows` (the walk's order).
    ///   - threshold: drop a row whose cosine to a kept row is above this.
    public static func within(_ vectors: VectorBlock, rows: [Int64], threshold: Float) -> Walk {
        precondition(vectors.rows == rows.count, "NearDuplicates: rows")
        let unit = vectors.normalized(), d = vectors.dimension
        var keptIndices: [Int] = [], keptValues: [Float] = []
        // The highest cosine of each kept row so far (by its place in `keptIndices`): kept dense so
        // that a kept row raises them all in one vector pass; written to `maxSimilarity` at the end.
        var keptMax: [Float] = []
        var dropped: [Dropped] = []
        var maxSimilarity = [Float](repeating: -.infinity, count: rows.count)
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
            // The block against itself: one triangle (`ssyrk`), half of a full product's work.
            BLAS.multiplySelfTransposed(Array(unit.values[block.lowerBound * d..<block.upperBound * d]), rows: block.count, dimension: d, into: &inner)
            // The first largest cosine to an earlier kept row is the smallest 0 − 2 · cosine.
            let zeros = [Float](repeating: 0, count: earlier)
            var keptInBlock: [Int] = []
            for (b, i) in block.enumerated() {
                var best = -Float.infinity, bestIndex = -1
                if earlier > 0 {
                    let t = Kernels.nearest(sims, offset: b * earlier, norms: zeros)
                    best = sims[b * earlier + t]
                    bestIndex = keptIndices[t]
                }
                for c in keptInBlock where inner[b * block.count + c] > best {
                    best = inner[b * block.count + c]
                    bestIndex = block.lowerBound + c
                }
                maxSimilarity[i] = best
                if best > threshold {
                    dropped.append(Dropped(row: rows[i], nearestKept: rows[bestIndex], similarity: best))
                } else {
                    // Kept: the rows kept before it meet it here, and it is their partner too.
                    if earlier > 0 { Kernels.keepBest(sims, offset: b * earlier, into: &keptMax, largest: true) }
                    for c in keptInBlock {
                        maxSimilarity[block.lowerBound + c] = max(maxSimilarity[block.lowerBound + c], inner[b * block.count + c])
                    }
                    keptInBlock.append(b)
                }
            }
            for b in keptInBlock {
                keptIndices.append(block.lowerBound + b)
                keptMax.append(maxSimilarity[block.lowerBound + b])
                keptValues += unit.row(block.lowerBound + b)
            }
            start = block.upperBound
        }
        for (t, i) in keptIndices.enumerated() { maxSimilarity[i] = keptMax[t] }
        return Walk(kept: keptIndices.map { rows[$0] }, dropped: dropped, maxSimilarity: maxSimilarity)
    }
}
