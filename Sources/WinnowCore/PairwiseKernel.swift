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
    public init(measure: Measure, targets: VectorBlock, candidates: VectorBlock? = nil) {
        self.measure = measure
        let t = measure.normalizesRows ? targets.normalized() : targets
        self.targets = t
        if let candidates {
            precondition(candidates.dimension == targets.dimension, "PairwiseKernel: dimension mismatch")
            self.candidates = measure.normalizesRows ? candidates.normalized() : candidates
        } else {
            self.candidates = t
        }
        candidatesAreTargets = candidates == nil
        targetNorms = measure.needsNorms ? self.targets.squaredNorms() : []
        if measure.needsNorms {
            candidateNorms = candidates == nil ? targetNorms : self.candidates.squaredNorms()
        } else {
            candidateNorms = []
        }
    }

    /// Fills `out[b · targetCount ..< (b+1) · targetCount]` with candidate `batch[b]` against every
    /// target. `out` grows as needed and is reused between calls to avoid per-step allocation.
    public func values(for batch: [Int], into out: inout [Float], scratch: inout [Float]) {
        let nt = targetCount, d = dimension
        guard !batch.isEmpty, nt > 0 else { return }
        if out.count < batch.count * nt { out = [Float](repeating: 0, count: batch.count * nt) }
        // Contiguous batches multiply straight out of the candidate matrix; others are gathered.
        let contiguous = batch.count == 1 || zip(batch, batch.dropFirst()).allSatisfy { $1 == $0 + 1 }
        if contiguous {
            BLAS.multiplyTransposed(candidates.values, rows: batch[0] ..< batch[0] + batch.count,
                                    by: targets.values, rows: 0 ..< nt, dimension: d, into: &out)
        } else {
            scratch.removeAll(keepingCapacity: true)
            for j in batch { scratch.append(contentsOf: candidates.values[j * d ..< (j + 1) * d]) }
            BLAS.multiplyTransposed(scratch, rows: 0 ..< batch.count,
                                    by: targets.values, rows: 0 ..< nt, dimension: d, into: &out)
        }
        transform(&out, batch: batch)
    }

    /// Every candidate against every target, candidate-major (`candidateCount × targetCount`), in one
    /// `sgemm` (one `ssyrk` when the candidates are the targets). Used when the whole block fits the
    /// dense limit: then each gain evaluation is a read.
    public func allValues() -> [Float] {
        var out = [Float](repeating: 0, count: candidateCount * targetCount)
        guard candidateCount > 0, targetCount > 0 else { return out }
        guard candidatesAreTargets else {
            BLAS.multiplyTransposed(candidates.values, rows: 0 ..< candidateCount,
                                    by: targets.values, rows: 0 ..< targetCount, dimension: dimension, into: &out)
            transform(&out, batch: Array(0 ..< candidateCount))
            return out
        }
        // Symmetric: half a product; a measure of the dot product alone is applied while mirroring.
        BLAS.multiplySelfTransposed(targets.values, rows: targetCount, dimension: dimension, into: &out,
                                    map: measure.elementMap ?? .identity)
        if measure.elementMap != nil { return out }
        transform(&out, batch: Array(0 ..< candidateCount))
        return out
    }

    /// Turns raw dot products into the measure's values, in place.
    private func transform(_ out: inout [Float], batch: [Int]) {
        let nt = targetCount
        let range = 0 ..< batch.count * nt
        switch measure {
        case .shiftedCosine, .dot, .cosineDistance:
            Kernels.map(&out, range: range, measure.elementMap ?? .identity)
        case .rbf(let gamma):
            let g = Float(gamma)
            for (b, j) in batch.enumerated() {
                let cn = candidateNorms[j], base = b * nt
                for i in 0 ..< nt {
                    out[base + i] = exp(-g * max(0, targetNorms[i] + cn - 2 * out[base + i]))
                }
            }
        case .euclidean:
            for (b, j) in batch.enumerated() {
                let cn = candidateNorms[j], base = b * nt
                for i in 0 ..< nt {
                    out[base + i] = max(0, targetNorms[i] + cn - 2 * out[base + i]).squareRoot()
                }
            }
        }
    }
}
