/// Rows a merge node covers besides its candidates (design §2b, `SelectionSettings.mergeSample`): a
/// seeded uniform sample of the rows beneath a node, each standing for `weights[i]` pool rows. A
/// node's greedy then measures how well its picks cover the rows themselves, not only each other.
public struct RowSample: Sendable, Equatable {
    public var rows: [Int64]
    public var vectors: VectorBlock
    public var weights: [Double]

    public init(rows: [Int64], vectors: VectorBlock, weights: [Double]) {
        precondition(rows.count == vectors.rows && rows.count == weights.count, "RowSample: column lengths differ")
        self.rows = rows
        self.vectors = vectors
        self.weights = weights
    }

    public var count: Int { rows.count }

    /// Pool rows the sample stands for.
    public var totalWeight: Double { weights.reduce(0, +) }

    /// `count` of the given rows drawn uniformly without replacement (all of them when there are no
    /// more), in the order given, each standing for an equal share of `standsFor` rows.
    public static func draw(_ count: Int, of rows: [Int64], vectors: VectorBlock,
                            standsFor total: Double, random: inout SeededRandom) -> RowSample {
        let picks = random.sample(count, of: rows.count)
        let each = picks.isEmpty ? 0 : total / Double(picks.count)
        return RowSample(rows: picks.map { rows[$0] }, vectors: vectors.gather(picks),
                         weights: [Double](repeating: each, count: picks.count))
    }

    /// A node's children's samples, in child order: the rows its greedy covers.
    public static func union(_ samples: [RowSample], dimension: Int) -> RowSample {
        RowSample(rows: samples.flatMap(\.rows), vectors: VectorBlock.concatenate(samples.map(\.vectors), dimension: dimension),
                  weights: samples.flatMap(\.weights))
    }

    /// What this node hands its parent: `count` of its rows drawn uniformly, standing for the same
    /// number of pool rows in total.
    public func subsample(_ count: Int, random: inout SeededRandom) -> RowSample {
        RowSample.draw(count, of: rows, vectors: vectors, standsFor: totalWeight, random: &random)
    }
}
