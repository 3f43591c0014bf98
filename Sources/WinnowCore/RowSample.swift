/// Rows a merge node covers besides its candidates (design §2b, `SelectionSettings.mergeSample`): a
/// seeded sample of the rows beneath a node (drawn by sensitivity in the chunks, uniformly above),
/// each standing for `weights[i]` pool rows. A
/// node's greedy then measures how well its picks cover the rows themselves, not only each other.
///
/// On the wire a sample is its rows and weights only: rows of the shared pool, which whoever runs the
/// merge reads back (`carriesVectors` false until then), as chunk tasks read their rows.
public struct RowSample: Sendable, Equatable {
    public var rows: [Int64]
    /// The rows' vectors, or empty while not read.
    public var vectors: VectorBlock
    public var weights: [Double]

    public init(rows: [Int64], vectors: VectorBlock, weights: [Double]) {
        precondition(
            rows.count == weights.count && (rows.count == vectors.rows || vectors.values.isEmpty),
            "RowSample: column lengths differ")
        self.rows = rows
        self.vectors = vectors
        self.weights = weights
    }

    public var count: Int { rows.count }

    public var carriesVectors: Bool { vectors.rows == rows.count }

    /// The sample as it travels: rows and weights.
    public var withoutVectors: RowSample {
        RowSample(rows: rows, vectors: VectorBlock(values: [], dimension: vectors.dimension), weights: weights)
    }

    /// The sample with its vectors, read by `read` (global rows in, their vectors in that order out).
    public func withVectors(_ read: ([Int64]) -> VectorBlock) -> RowSample {
        carriesVectors ? self : RowSample(rows: rows, vectors: read(rows), weights: weights)
    }

    /// Pool rows the sample stands for.
    public var totalWeight: Double { weights.reduce(0, +) }

    /// `count` of the given rows drawn uniformly without replacement (all of them when there are no
    /// more), in the order given, each standing for an equal share of `standsFor` rows.
    public static func draw(
        _ count: Int, of rows: [Int64], vectors: VectorBlock,
        standsFor total: Double, random: inout SeededRandom
    ) -> RowSample {
        let picks = random.sample(count, of: rows.count)
        let each = picks.isEmpty ? 0 : total / Double(picks.count)
        return kept(picks, of: rows, vectors: vectors, weights: [Double](repeating: each, count: picks.count))
    }

    /// The rows at `picks` of `rows`, with their vectors when `vectors` holds one per row (rows read
    /// later otherwise), each standing for its weight.
    static func kept(_ picks: [Int], of rows: [Int64], vectors: VectorBlock, weights: [Double]) -> RowSample {
        RowSample(
            rows: picks.map { rows[$0] }, vectors: vectors.rows == rows.count ? vectors.gather(picks) : vectors,
            weights: weights)
    }

    /// A node's children's samples, in child order: the rows its greedy covers (without vectors
    /// unless every child carries them).
    public static func union(_ samples: [RowSample], dimension: Int) -> RowSample {
        let carried = samples.allSatisfy(\.carriesVectors)
        return RowSample(
            rows: samples.flatMap(\.rows),
            vectors: carried
                ? VectorBlock.concatenate(samples.map(\.vectors), dimension: dimension)
                : VectorBlock(values: [], dimension: dimension),
            weights: samples.flatMap(\.weights))
    }

    /// What this node hands its parent: `count` of its rows drawn uniformly, standing for the same
    /// number of pool rows in total. Each keeps its weight relative to the others: a row drawn with
    /// a higher probability below (by sensitivity) still stands for fewer rows than one drawn
    /// with a lower, so a uniform draw of the union is still a draw by sensitivity.
    public func subsample(_ count: Int, random: inout SeededRandom) -> RowSample {
        guard count < self.count else { return self }
        let picks = random.sample(count, of: self.count)
        let kept = picks.reduce(0.0) { $0 + weights[$1] }
        let scale = kept > 0 ? totalWeight / kept : 0
        return RowSample.kept(picks, of: rows, vectors: vectors, weights: picks.map { weights[$0] * scale })
    }
}
