/// What a chunk task or a merge task returns: the picked rows in greedy order with their vectors,
/// marginal gains and weights (how many pool rows each stands for). Candidate vectors travel with
/// the coreset, so a merge needs nothing but its children's coresets. Above a partitioned top nothing
/// merges them, and the coordinator keeps its picks without vectors (`withoutVectors`): at k = 10^6,
/// d = 384 they were 1.5 GB, held twice while the root's union was made.
public struct Coreset: Sendable, Equatable {
    public var rows: [Int64]
    public var vectors: VectorBlock
    public var gains: [Double]
    public var weights: [Double]
    /// Pool rows beneath this node (chunk rows for a leaf); the node's weights sum to this.
    public var rowsBeneath: Int
    /// With `SelectionSettings.mergeSample`: the rows beneath this node that its parent covers.
    public var sample: RowSample?
    /// With a quality term (`SelectionSettings.qualityWeight` ≠ 0): each pick's score, so a merge
    /// needs no side column.
    public var quality: [Float]?
    /// With label budgets: each pick's label, so a merge can keep to its caps without a side column.
    public var labels: [Int64]?

    public init(
        rows: [Int64], vectors: VectorBlock, gains: [Double], weights: [Double], rowsBeneath: Int,
        sample: RowSample? = nil
    ) {
        precondition(
            (vectors.rows == rows.count || vectors.rows == 0) && rows.count == gains.count && rows.count == weights.count,
            "Coreset: column lengths differ")
        self.rows = rows
        self.vectors = vectors
        self.gains = gains
        self.weights = weights
        self.rowsBeneath = rowsBeneath
        self.sample = sample
    }

    public var count: Int { rows.count }

    /// Whether the picks' vectors are here (none left behind by `withoutVectors`).
    public var carriesVectors: Bool { vectors.rows == rows.count }

    /// The picks without their vectors, for a node whose picks no greedy merges again.
    public var withoutVectors: Coreset {
        var c = self
        c.vectors = VectorBlock(values: [], dimension: vectors.dimension)
        return c
    }

    /// The picks with their vectors, read by `read` (global rows in, their vectors in that order out)
    /// when they were left behind.
    public func withVectors(_ read: ([Int64]) -> VectorBlock) -> Coreset {
        guard !carriesVectors else { return self }
        var c = self
        c.vectors = read(rows)
        return c
    }

    /// A node with nothing to offer (every row beneath it was excluded), still standing for its rows.
    public static func empty(dimension: Int, rowsBeneath: Int) -> Coreset {
        Coreset(rows: [], vectors: VectorBlock(values: [], dimension: dimension), gains: [], weights: [], rowsBeneath: rowsBeneath)
    }
}
