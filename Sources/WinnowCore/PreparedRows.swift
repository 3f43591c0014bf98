/// Candidate rows made ready for a measure once — their unit copy for the cosine measures, their
/// squared norms for the distance-based ones — so that many blocks of targets can be scored against
/// them without preparing (and holding another copy of) the same rows again for every block. The
/// evaluation of a k = 100,000 selection reads its targets in blocks; preparing the selection per
/// block held a second 154 MB copy of it at a time.
public struct PreparedRows: Sendable {
    public let measure: Measure
    /// The rows as the kernel multiplies them.
    public let block: VectorBlock
    /// Squared norms of `block`'s rows when the measure needs them, else empty.
    let norms: [Float]

    public init(_ rows: VectorBlock, for measure: Measure) {
        self.measure = measure
        block = measure.normalizesRows ? rows.normalized() : rows
        norms = measure.needsNorms ? block.squaredNorms() : []
    }

    /// Rows already prepared for `measure`, with their norms as the measure needs them.
    init(prepared block: VectorBlock, norms: [Float], measure: Measure) {
        self.measure = measure
        self.block = block
        self.norms = norms
    }

    public var count: Int { block.rows }

    /// The rows at `indices`, in that order, still prepared.
    func gather(_ indices: [Int]) -> PreparedRows {
        PreparedRows(prepared: block.gather(indices), norms: norms.isEmpty ? [] : indices.map { norms[$0] }, measure: measure)
    }
}
