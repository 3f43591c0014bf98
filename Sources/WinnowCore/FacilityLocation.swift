import Foundation
import Synchronization
import WinnowNative

/// Facility location: `f(S) = Σ_i w_i · max_{s ∈ S} sim(i, s)` over the target rows `i`.
/// Rewards a selection in which every target has a similar selected row (representativeness).
///
/// Gains are computed from similarity columns that `PairwiseKernel` produces a batch at a time; the
/// last batch is kept so that committing a candidate just evaluated costs nothing more.
public struct FacilityLocation: GreedyObjective {
    public let kernel: PairwiseKernel
    public let candidateRows: [Int64]
    /// Target weights (nil: all 1), as the gain kernels read them.
    public let weights: [Float]?
    /// The same weights as given: what the picks are reported to represent (a row sample's weights,
    /// rows / sample, lose digits in Float, and a node's weights should sum to its rows).
    private let reportedWeights: [Double]?
    /// `cover[i] = max(0, best similarity of target i to the selection)`.
    public private(set) var cover: [Float]
    /// For each target, the selected candidate it is most similar to (−1 before any pick).
    public private(set) var nearest: [Int]
    private var nearestValue: [Float]

    /// The whole candidate × target block when it fits `denseLimitBytes`; otherwise empty, and
    /// columns are computed a batch at a time into `columns`.
    private let dense: [Float]
    private var columns: [Float] = []
    private var scratch: [Float] = []
    private var cachedBatch: [Int: Int] = [:]
    /// Every candidate's gain kept current once lazy greedy asks for tracked bounds: for a block
    /// computed on the fly (`--exact`, a chunk too large to hold, a merge over a large sample). A held block's lazy
    /// evaluations are Float reads, cheaper than the Double bookkeeping tracking would add (measured on
    /// the default pipeline's 8,192-row chunks: no faster, and 1.7× the memory).
    private var tracker: TrackedGains?
    /// The held block's 16-bit levels (`GainBounds`), made once lazy greedy has spent a pass over the
    /// block on exact gains, or a step a share of one (`freshPass`; small budgets never pay for
    /// them), and the cover's levels beside.
    private var levels: [UInt16] = []
    private var coverLevels: [UInt16] = []
    /// Whether the block's values fall outside what levels can bound (another measure's range).
    private var levelsRefused = false
    /// Exact gains read from the held block so far, and upper bounds read from its levels.
    public private(set) var exactEvaluations = 0
    public private(set) var boundEvaluations = 0
    /// Passes that read every gain afresh and made the levels (`freshPass`).
    public private(set) var freshPasses = 0
    private let tuning: OptimizerTuning
    private let meter: ProgressMeter?

    /// - Parameters:
    ///   - kernel: similarities between the targets and the candidates.
    ///   - candidateRows: global row number of each candidate.
    ///   - targetWeights: how many rows each target stands for (nil: 1 each).
    ///   - tuning: `denseLimitBytes`: precompute the whole similarity block when it takes at most this
    ///     much, and keep at most this much of tracked live pairs; `threads`: for tracking gains.
    ///   - meter: moved while tracked gains are set up and kept (lazy evaluations are counted by
    ///     `MeteredObjective`).
    public init(
        kernel: PairwiseKernel, candidateRows: [Int64], targetWeights: [Double]? = nil,
        tuning: OptimizerTuning = .init(), meter: ProgressMeter? = nil
    ) {
        precondition(candidateRows.count == kernel.candidateCount, "FacilityLocation: candidate rows")
        if let targetWeights { precondition(targetWeights.count == kernel.targetCount, "FacilityLocation: weights") }
        self.kernel = kernel
        self.candidateRows = candidateRows
        self.weights = targetWeights.map { $0.map(Float.init) }
        reportedWeights = targetWeights
        cover = [Float](repeating: 0, count: kernel.targetCount)
        nearest = [Int](repeating: -1, count: kernel.targetCount)
        nearestValue = [Float](repeating: -.infinity, count: kernel.targetCount)
        self.tuning = tuning
        self.meter = meter
        dense =
            Self.holdsBlock(candidates: kernel.candidateCount, targets: kernel.targetCount, tuning: tuning)
            ? kernel.allValues() : []
    }

    /// Whether a candidates × targets similarity block is computed once and held (`denseLimitBytes`).
    public static func holdsBlock(candidates: Int, targets: Int, tuning: OptimizerTuning) -> Bool {
        let bytes = candidates.multipliedReportingOverflow(by: targets * MemoryLayout<Float>.stride)
        return !bytes.overflow && bytes.partialValue <= tuning.denseLimitBytes
    }

    /// Whether the similarity block is held whole.
    public var isDense: Bool { !dense.isEmpty }

    public var candidateCount: Int { kernel.candidateCount }

    public var evaluatesInBatches: Bool { !isDense }

    public mutating func initialBounds() -> [Double] {
        if kernel.measure == .shiftedCosine {
            return shiftedCosineBounds()
        }
        // No closed form: one pass over all columns, batch by batch, with the gain code itself.
        var bounds: [Double] = []
        bounds.reserveCapacity(candidateCount)
        let batch = 64
        var start = 0
        while start < candidateCount {
            bounds += gains(of: Array(start..<min(candidateCount, start + batch)))
            start += batch
        }
        return bounds
    }

    /// With cover = 0, the gain of `j` is `Σ_i w_i (1 + t_i·c_j) / 2 = (W + c_j · Σ_i w_i t_i) / 2`:
    /// O((targets + candidates) · d) instead of a full pass. Rounding differs from the gain kernel's,
    /// so the bound is widened a little: it must never fall below the fresh gain, or lazy greedy
    /// could accept the wrong candidate.
    private func shiftedCosineBounds() -> [Double] {
        let d = kernel.dimension, t = kernel.targets.values, c = kernel.candidates.values
        var u = [Double](repeating: 0, count: d)
        var total = 0.0
        for i in 0..<kernel.targetCount {
            let w = Double(weights?[i] ?? 1)
            total += w
            for k in 0..<d { u[k] += w * Double(t[i * d + k]) }
        }
        return (0..<candidateCount).map { j in
            var dot = 0.0
            for k in 0..<d { dot += Double(c[j * d + k]) * u[k] }
            let g = max(0, (total + dot) / 2)
            return g * (1 + 1e-4) + 1e-3 + 1e-6 * total
        }
    }

    public mutating func gains(of batch: [Int]) -> [Double] {
        let nt = kernel.targetCount
        if isDense {
            exactEvaluations += batch.count
            return batch.map { Kernels.facilityGain(dense, offset: $0 * nt, cover: cover, weights: weights) }
        }
        computeColumns(batch)
        cachedBatch.removeAll(keepingCapacity: true)
        var out: [Double] = []
        out.reserveCapacity(batch.count)
        for (b, j) in batch.enumerated() {
            cachedBatch[j] = b
            out.append(Kernels.facilityGain(columns, offset: b * nt, cover: cover, weights: weights))
        }
        return out
    }

    /// Bounds from the held block's levels once they are made: a bound costs half the bytes of a
    /// gain (`GainBounds`). They are made in a pass of fresh gains (`freshPass`), or on their own
    /// once lazy greedy has read as many exact gains as the block has columns.
    public mutating func quickBounds(of batch: [Int]) -> [Double]? {
        guard isDense, !levelsRefused else { return nil }
        if levels.isEmpty {
            guard exactEvaluations >= candidateCount else { return nil }
            guard let made = GainBounds.levels(of: dense) else {
                levelsRefused = true
                return nil
            }
            hold(levels: made)
        }
        boundEvaluations += batch.count
        let nt = kernel.targetCount
        return batch.map { GainBounds.bound(levels, offset: $0 * nt, covers: coverLevels, weights: weights) }
    }

    private mutating func hold(levels made: [UInt16]) {
        levels = made
        coverLevels = cover.map(GainBounds.coverLevel)
    }

    /// The share of a pass a step spends on exact gains one by one before the rest come from one
    /// pass that also makes the levels: a step that re-reads this many is one where a pick lowered
    /// most gains (the first steps; after an 8,192-row chunk's first pick every gain is re-read),
    /// and the pass reads each column from memory once for both its gain and its levels, which
    /// lazy greedy would otherwise read once each.
    static let freshPassShare = 8

    public mutating func freshPass(evaluated: Int) -> [Double]? {
        guard isDense, levels.isEmpty, !levelsRefused, evaluated >= max(1, candidateCount / Self.freshPassShare) else { return nil }
        let nt = kernel.targetCount
        let (made, gains) = GainBounds.levelsAndGains(of: dense, columns: candidateCount, length: nt, cover: cover, weights: weights)
        if let made { hold(levels: made) } else { levelsRefused = true }
        exactEvaluations += candidateCount
        freshPasses += 1
        return gains
    }

    public mutating func trackedBounds() -> [Double]? {
        guard !isDense, candidateCount > 1 else { return nil }
        if tracker == nil {
            tracker = TrackedGains(
                kernel: kernel, weights: weights, cover: cover,
                pairLimit: tuning.denseLimitBytes / MemoryLayout<TrackedGains.LivePair>.stride,
                threads: tuning.threads, meter: meter)
        }
        return tracker?.bounds()
    }

    /// The batch's columns into `columns`, the targets split between `tuning.threads` threads (each
    /// value has the same bits whatever the split: no piece is smaller than `minimumSplit`).
    private mutating func computeColumns(_ batch: [Int]) {
        let nt = kernel.targetCount
        let ranges = (0..<nt).split(into: tuning.threads, minimum: PairwiseKernel.minimumSplit)
        guard ranges.count > 1 else { return kernel.values(for: batch, into: &columns, scratch: &scratch) }
        let kernel = kernel
        let pieces = Mutex([[Float]](repeating: [], count: ranges.count))
        DispatchQueue.concurrentPerform(iterations: ranges.count) { p in
            var out: [Float] = [], scratch: [Float] = []
            kernel.values(for: batch, targets: ranges[p], into: &out, scratch: &scratch)
            pieces.withLock { $0[p] = out }
        }
        if columns.count < batch.count * nt { columns = [Float](repeating: 0, count: batch.count * nt) }
        for (range, piece) in zip(ranges, pieces.withLock { $0 }) {
            let w = range.count
            for b in batch.indices {
                columns.replaceSubrange(b * nt + range.lowerBound..<b * nt + range.upperBound, with: piece[b * w..<(b + 1) * w])
            }
        }
    }

    public mutating func commit(_ candidate: Int) {
        let nt = kernel.targetCount
        if isDense {
            update(with: dense, base: candidate * nt, candidate: candidate)
            return
        }
        let b: Int
        if let cached = cachedBatch[candidate] {
            b = cached
        } else {
            computeColumns([candidate])
            cachedBatch = [candidate: 0]
            b = 0
        }
        update(with: columns, base: b * nt, candidate: candidate)
    }

    private mutating func update(with values: [Float], base: Int, candidate: Int) {
        let row = candidateRows[candidate]
        let tracking = tracker != nil, leveled = !levels.isEmpty
        var raised: [Int] = [], old: [Float] = [], new: [Float] = []
        for i in 0..<kernel.targetCount {
            let v = values[base + i]
            if v > nearestValue[i] || (v == nearestValue[i] && row < candidateRows[nearest[i]]) {
                nearestValue[i] = v
                nearest[i] = candidate
            }
            if v > cover[i] {
                if tracking {
                    raised.append(i)
                    old.append(cover[i])
                    new.append(v)
                }
                cover[i] = v
                if leveled { coverLevels[i] = GainBounds.coverLevel(v) }
            }
        }
        if tracking { tracker?.raise(raised, from: old, to: new) }
    }

    public func representedWeights(of selection: [Int]) -> [Double] {
        var totals: [Int: Double] = [:]
        for i in 0..<kernel.targetCount where nearest[i] >= 0 {
            totals[nearest[i], default: 0] += reportedWeights?[i] ?? 1
        }
        return selection.map { totals[$0] ?? 0 }
    }

    /// `f` of the current selection: `Σ_i w_i · cover[i]`.
    public var value: Double { Kernels.weightedSum(cover, offset: 0, count: cover.count, weights: weights) }
}
