/// Rows chosen before (`--given`), in the order they were picked, with their vectors: every greedy
/// task starts from them — committed first, neither counted in its budget nor among its picks.
public struct GivenRows: Sendable, Equatable {
    public var rows: [Int64]
    public var vectors: VectorBlock

    public init(rows: [Int64], vectors: VectorBlock) {
        precondition(rows.count == vectors.rows, "GivenRows: one vector per row")
        self.rows = rows
        self.vectors = vectors
    }

    /// A task's candidates with the given rows among them: those already there (a chunk holding
    /// some) stay where they are, the rest are appended. The appended ones weigh 0 as targets (they
    /// are covered by being chosen, and nothing is gained by covering them again), score 0 and carry
    /// no label (they are never offered to the limits).
    struct Joined {
        var rows: [Int64]
        var vectors: VectorBlock
        /// Target weights: nil when nothing was appended (every candidate weighs what it weighed).
        var weights: [Double]?
        var quality: [Float]?
        var labels: [Int64]?
        /// Where each given row is among the candidates, in the given order.
        var positions: [Int]
    }

    func joined(rows: [Int64], vectors: VectorBlock, weights: [Double]?, quality: [Float]?, labels: [Int64]?) -> Joined {
        var position: [Int64: Int] = [:]
        for (i, r) in rows.enumerated() { position[r] = i }
        var outside: [Int] = []
        var positions: [Int] = []
        for (i, r) in self.rows.enumerated() {
            if let p = position[r] {
                positions.append(p)
            } else {
                positions.append(rows.count + outside.count)
                outside.append(i)
            }
        }
        guard !outside.isEmpty else {
            return Joined(rows: rows, vectors: vectors, weights: weights, quality: quality, labels: labels, positions: positions)
        }
        let extra = outside.count
        return Joined(
            rows: rows + outside.map { self.rows[$0] },
            vectors: VectorBlock.concatenate([vectors, self.vectors.gather(outside)], dimension: vectors.dimension),
            weights: (weights ?? [Double](repeating: 1, count: rows.count)) + [Double](repeating: 0, count: extra),
            quality: quality.map { $0 + [Float](repeating: 0, count: extra) },
            labels: labels.map { $0 + [Int64](repeating: .min, count: extra) },
            positions: positions)
    }
}
