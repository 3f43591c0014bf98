import Foundation
import WinnowNative

/// Similarities or distances between a fixed set of *target* rows and any batch of *candidate* rows,
/// one `sgemm` per batch (design §2: blocks come from BLAS, never from hand loops). The result for a
/// batch is row-major `batch × targets`: candidate `b`'s values against every target sit contiguous
/// at `b · targetCount`, which is exactly what a greedy gain evaluation walks.
///
/// Nothing here holds an N × N matrix: callers ask for the columns they need, a batch at a time.
public struct PairwiseKernel: Sendable {
    public let measure: Measure
    public let targets: VectorBlock
    public let candidates: VectorBlock
    private let targetNorms: [Float]
    private let candidateNorms: [Float]
    /// The candidates are the targets: the whole block is symmetric and costs half a product.
    private let candidatesAreTargets: Bool

    public var targetCount: Int { targets.rows }
    public var candidateCount: Int { candidates.rows }
    public var dimension: Int { targets.dimension }

    /// - Parameters:
    ///   - targets: the rows whose coverage is measured.
    ///   - candidates: the rows that may be selected; `nil` means the targets themselves.
    /// The fewest targets a caller cuts a column into, whatever its thread count. Why: OpenBLAS sums
    /// a small product (a few candidates against a few hundred targets, at d ≥ 64) in another order
    /// than a large one, so a column cut in pieces that small has other bits than the whole column,
    /// and a selection would depend on the machine's core count (measured: pieces of 500 targets
    /// differ, 1,500 and more do not).
    public static let minimumSplit = 4096

    public init(measure: Measure, targets: VectorBlock, candidates: VectorBlock? = nil) {
        let t = PreparedRows(targets, for: measure)
        self.init(targets: t, candidates: candidates.map { PreparedRows($0, for: measure) }, same: candidates == nil)
    }

    /// Targets against candidates prepared once for many target blocks (`PreparedRows`).
    public init(targets: VectorBlock, candidates: PreparedRows) {
        self.init(targets: PreparedRows(targets, for: candidates.measure), candidates: candidates, same: false)
    }

    /// Targets and candidates both prepared already (rows another kernel holds).
    init(targets: PreparedRows, candidates: PreparedRows) {
        self.init(targets: targets, candidates: candidates, same: false)
    }

    private init(
        measure: Measure, targets: VectorBlock, candidates: VectorBlock, targetNorms: [Float], candidateNorms: [Float],
        same: Bool
    ) {
        self.measure = measure
        self.targets = targets
        self.candidates = candidates
        self.targetNorms = targetNorms
        self.candidateNorms = candidateNorms
        candidatesAreTargets = same
    }

    /// The same rows with the roles swapped: row `i` of the block is target `i` against every
    /// candidate. The values agree with this kernel's to Float rounding, not always bit for bit
    /// (another product shape may sum in another order).
    public var transposed: PairwiseKernel {
        PairwiseKernel(
            measure: measure, targets: candidates, candidates: targets, targetNorms: candidateNorms,
            candidateNorms: targetNorms, same: candidatesAreTargets)
    }

    private init(targets: PreparedRows, candidates: PreparedRows?, same: Bool) {
        let candidates = candidates ?? targets
        precondition(candidates.block.dimension == targets.block.dimension, "PairwiseKernel: dimension mismatch")
        precondition(candidates.measure == targets.measure, "PairwiseKernel: rows prepared for another measure")
        measure = targets.measure
        self.targets = targets.block
        self.candidates = candidates.block
        targetNorms = targets.norms
        candidateNorms = candidates.norms
        candidatesAreTargets = same
    }

    /// Fills `out[b · targetCount ..< (b+1) · targetCount]` with candidate `batch[b]` against every
    /// target. `out` grows as needed and is reused between calls to avoid per-step allocation.
    public func values(for batch: [Int], into out: inout [Float], scratch: inout [Float]) {
        values(for: batch, targets: 0..<targetCount, into: &out, scratch: &scratch)
    }

    /// The same against the targets `targetRange` only (`batch.count × targetRange.count`): a part
    /// of each column, for callers that split the targets between threads. Each value has the bits
    /// it has in the whole column when the part holds at least `minimumSplit` targets.
    public func values(for batch: [Int], targets targetRange: Range<Int>, into out: inout [Float], scratch: inout [Float]) {
        let nt = targetRange.count, d = dimension
        guard !batch.isEmpty, nt > 0 else { return }
        // Contiguous batches multiply straight out of the candidate matrix (a tile of every target);
        // others are gathered.
        let contiguous = batch.count == 1 || zip(batch, batch.dropFirst()).allSatisfy { $1 == $0 + 1 }
        if contiguous { return values(candidates: batch[0]..<batch[0] + batch.count, targets: targetRange, into: &out) }
        if out.count < batch.count * nt { out = [Float](repeating: 0, count: batch.count * nt) }
        scratch.removeAll(keepingCapacity: true)
        for j in batch { scratch.append(contentsOf: candidates.values[j * d..<(j + 1) * d]) }
        BLAS.multiplyTransposed(scratch, rows: 0..<batch.count, by: targets.values, rows: targetRange, dimension: d, into: &out)
        transform(&out, batch: batch, targets: targetRange)
    }

    /// Every candidate against every target, candidate-major (`candidateCount × targetCount`), in one
    /// `sgemm` (one `ssyrk` when the candidates are the targets). Used when the whole block fits the
    /// dense limit: then each gain evaluation is a read.
    public func allValues() -> [Float] {
        guard candidateCount > 0, targetCount > 0 else { return [Float](repeating: 0, count: candidateCount * targetCount) }
        guard candidatesAreTargets else {
            var out = [Float](repeating: 0, count: candidateCount * targetCount)
            BLAS.multiplyTransposed(
                candidates.values, rows: 0..<candidateCount,
                by: targets.values, rows: 0..<targetCount, dimension: dimension, into: &out)
            transform(&out, batch: Array(0..<candidateCount))
            return out
        }
        // Symmetric: half a product; a measure of the dot product alone is applied while mirroring.
        var out = BLAS.selfProduct(targets.values, rows: targetCount, dimension: dimension, map: measure.elementMap ?? .identity)
        if measure.elementMap != nil { return out }
        transform(&out, batch: Array(0..<candidateCount))
        return out
    }

    /// Whether the candidates are the targets (a chunk against itself): the block is symmetric.
    public var isSymmetric: Bool { candidatesAreTargets }

    /// Candidates `candidateRange` against targets `targetRange` only, candidate-major
    /// (`candidateRange.count × targetRange.count`): a tile of the block, for callers that walk it
    /// tile by tile (a symmetric block's tiles above the diagonal serve for both halves).
    public func values(candidates candidateRange: Range<Int>, targets targetRange: Range<Int>, into out: inout [Float]) {
        let m = candidateRange.count, n = targetRange.count
        guard m > 0, n > 0 else { return }
        if out.count < m * n { out = [Float](repeating: 0, count: m * n) }
        BLAS.multiplyTransposed(
            candidates.values, rows: candidateRange, by: targets.values, rows: targetRange,
            dimension: dimension, into: &out)
        transform(&out, batch: Array(candidateRange), targets: targetRange)
    }

    /// The targets and the candidates as this kernel holds them (prepared for its measure), for
    /// kernels over the same rows that must not prepare them again.
    var preparedTargets: PreparedRows { PreparedRows(prepared: targets, norms: targetNorms, measure: measure) }
    var preparedCandidates: PreparedRows { PreparedRows(prepared: candidates, norms: candidateNorms, measure: measure) }

    /// Turns raw dot products into the measure's values, in place: row `b` of `out` is candidate
    /// `batch[b]` against the targets `targets` (all of them unless a tile says otherwise).
    private func transform(_ out: inout [Float], batch: [Int], targets: Range<Int>? = nil) {
        let targets = targets ?? 0..<targetCount
        let nt = targets.count
        let range = 0..<batch.count * nt
        switch measure {
        case .shiftedCosine, .dot, .cosineDistance:
            Kernels.map(&out, range: range, measure.elementMap ?? .identity)
        case .rbf(let gamma):
            let g = Float(gamma)
            for (b, j) in batch.enumerated() {
                let cn = candidateNorms[j], base = b * nt
                for (i, t) in targets.enumerated() {
                    out[base + i] = exp(-g * max(0, targetNorms[t] + cn - 2 * out[base + i]))
                }
            }
        case .euclidean:
            for (b, j) in batch.enumerated() {
                let cn = candidateNorms[j], base = b * nt
                for (i, t) in targets.enumerated() {
                    out[base + i] = max(0, targetNorms[t] + cn - 2 * out[base + i]).squareRoot()
                }
            }
        }
    }
}
