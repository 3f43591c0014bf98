import Foundation
import Synchronization
import WinnowNative

/// Every candidate's facility-location gain kept current as the cover rises, whenever the block is
/// computed on the fly: the candidates as targets (`--exact`, a chunk too large to hold) or a merge
/// node's candidates against a row sample too large to hold with them.
///
/// Why: lazy greedy on the flat shifted-cosine landscape re-evaluates thousands of candidates per
/// pick in the early steps (every stale bound stays above the falling best gain), and each
/// evaluation reads all N targets: with the block computed on the fly that is most of a run. Here a
/// pick costs what it changes instead. Target `i`'s term in candidate `j`'s gain,
/// `w_i · max(0, s_ij − c_i)`, moves only when the cover `c_i` rises, so a commit touches only the
/// targets it now covers better; their rows are computed (or read from the target's stored live
/// pairs) and each candidate's sum moves by the difference. A pair with `s_ij ≤ c_i` adds nothing ever
/// after (covers only rise), so once few of a target's pairs are live they are stored and its row is
/// never computed again.
///
/// The sums are estimates for lazy greedy's bounds, never its answer: `bounds()` widens them by more
/// than the gain kernel's own Float rounding, and every pick is still decided by fresh evaluations,
/// so the selection is exactly the plain greedy's.
struct TrackedGains {
    struct LivePair: Sendable {
        var candidate: Int32
        var value: Float
    }

    /// Rows of the block multiplied together when tiling it or computing targets' rows.
    static let tile = 1024
    /// Why 512 raised targets to a product: `sgemm` packs every candidate of the thread's range on
    /// each call, so small batches pay that copy again and again (at 128 rows it was 14 % of an
    /// `--exact` run's CPU at 35,000 × 128). Measured, `--exact` k = 1,000: 20,000 × 64 3.1 → 2.6 s,
    /// 35,000 × 128 12.2 → 10.7 s; 1,024 rows was slower again (the product outgrows the cache).
    static let rowBatch = 512

    private let kernel: PairwiseKernel
    /// Each target's row over the candidates: the kernel itself when symmetric, else its transpose.
    private let targetRows: PairwiseKernel
    private let weights: [Float]?
    private let threads: Int
    /// Moved as rows are computed: a worker's heartbeats carry it, and the pass after the first pick
    /// is one long call (hours for an `--exact` of a million rows) that must not look stuck.
    private let meter: ProgressMeter?
    /// `sums[j] ≈ Σ_i w_i · max(0, s_ij − c_i)`, added in Double from the Float terms the gain kernel adds.
    private(set) var sums: [Double]
    /// A target's pairs still live (`s_ij > c_i`), once they are few enough to keep.
    private var lists: [[LivePair]?]
    private var storedPairs = 0
    private let pairLimit: Int
    private let storeAtMost: Int
    /// Covers the Double rounding of every addition a sum has seen (at most a few per target).
    private let slack: Double

    /// - Parameters:
    ///   - cover: the current cover (one pick made): the sums start from it in one pass over the block.
    ///   - pairLimit: live pairs kept in all (8 bytes each).
    ///   - threads: threads for the pass and for each commit's rows (the sums are the same for any count).
    init(kernel: PairwiseKernel, weights: [Float]?, cover: [Float], pairLimit: Int, threads: Int, meter: ProgressMeter? = nil) {
        self.kernel = kernel
        targetRows = kernel.isSymmetric ? kernel : kernel.transposed
        self.meter = meter
        self.weights = weights
        self.threads = max(1, threads)
        self.pairLimit = pairLimit
        let n = kernel.candidateCount
        storeAtMost = max(64, n / 16)
        lists = [[LivePair]?](repeating: nil, count: kernel.targetCount)
        sums = Self.initialSums(kernel: kernel, weights: weights, cover: cover, threads: self.threads, meter: meter)
        slack = (sums.max() ?? 0) * 0x1p-30
    }

    /// An upper bound on each candidate's fresh gain (`Kernels.facilityGain`): its sum widened by the
    /// kernel's Float rounding (lanes of 64 terms: under 2⁻¹⁸ of the gain) with room to spare.
    func bounds() -> [Double] {
        sums.map { $0 + $0 * 0x1p-12 + slack }
    }

    /// The cover of `targets[t]` rose from `old[t]` to `new[t]`.
    mutating func raise(_ targets: [Int], from old: [Float], to new: [Float]) {
        let unstored = targets.indices.filter { lists[targets[$0]] == nil }
        for t in targets.indices where lists[targets[t]] != nil {
            lowerStored(targets[t], from: old[t], to: new[t])
        }
        guard !unstored.isEmpty else { return }
        // The candidates are split between the threads (each computes every row's part in its range
        // and moves only its own sums): even a commit that raises a handful of targets uses them all.
        let n = kernel.candidateCount
        let ranges = (0..<n).split(into: unstored.count >= 8 ? threads : 1, minimum: PairwiseKernel.minimumSplit)
        let partLimit = storeAtMost / ranges.count
        let results = Mutex([(delta: [Double], found: [[LivePair]?])?](repeating: nil, count: ranges.count))
        let targetRows = targetRows, weights = weights, meter = meter
        DispatchQueue.concurrentPerform(iterations: ranges.count) { p in
            let range = ranges[p], width = range.count
            var delta = [Double](repeating: 0, count: width)
            var found = [[LivePair]?](repeating: nil, count: unstored.count)
            var rows: [Float] = [], scratch: [Float] = [], hits: [Int] = []
            var start = 0
            while start < unstored.count {
                let batch = Array(unstored[start..<min(unstored.count, start + Self.rowBatch)])
                targetRows.values(for: batch.map { targets[$0] }, targets: range, into: &rows, scratch: &scratch)
                for (r, t) in batch.enumerated() {
                    let i = targets[t]
                    let live = Kernels.lowerTerms(
                        rows, offset: r * width, from: old[t], to: new[t],
                        weight: weights?[i] ?? 1, into: &delta)
                    if live <= partLimit {
                        Kernels.indicesReaching(rows, offset: r * width, count: width, threshold: new[t].nextUp, into: &hits)
                        found[start + r] = hits.map { LivePair(candidate: Int32(range.lowerBound + $0), value: rows[r * width + $0]) }
                    }
                }
                meter?.add(batch.count)
                start += Self.rowBatch
            }
            results.withLock { $0[p] = (delta, found) }
        }
        let parts = results.withLock { $0 }.map { $0! }
        for (p, part) in parts.enumerated() {
            let lower = ranges[p].lowerBound
            for j in part.delta.indices { sums[lower + j] -= part.delta[j] }
        }
        // A target's pairs are kept when every part found few enough, in candidate order.
        for (u, t) in unstored.enumerated() {
            let pieces = parts.compactMap { $0.found[u] }
            guard pieces.count == parts.count else { continue }
            let pairs = Array(pieces.joined())
            guard storedPairs + pairs.count <= pairLimit else { continue }
            lists[targets[t]] = pairs
            storedPairs += pairs.count
        }
    }

    /// A stored target's rise: only its live pairs can move, and those it now covers drop out.
    private mutating func lowerStored(_ i: Int, from a: Float, to b: Float) {
        guard var pairs = lists[i] else { return }
        lists[i] = nil
        let w = weights?[i] ?? 1
        var kept = 0
        for p in pairs {
            // The same Float terms as `Kernels.lowerTerms`, so a sum gives back exactly what it got.
            sums[Int(p.candidate)] -= Double(max(0, p.value - a) * w) - Double(max(0, p.value - b) * w)
            if p.value > b {
                pairs[kept] = p
                kept += 1
            }
        }
        storedPairs -= pairs.count - kept
        pairs.removeLast(pairs.count - kept)
        lists[i] = pairs
    }

    /// One pass over the block's upper triangle, a tile at a time: a tile `(targets I, candidates J)`
    /// gives both `j`'s terms over `I` and, read the other way, `i`'s terms over `J`. Each thread keeps
    /// sums of its own (tiles dealt round-robin) and they are added in thread order: the same sums for
    /// any timing.
    private static func initialSums(
        kernel: PairwiseKernel, weights: [Float]?, cover: [Float], threads: Int,
        meter: ProgressMeter?
    ) -> [Double] {
        guard kernel.isSymmetric else {
            return initialSums(candidatesOf: kernel, weights: weights, cover: cover, threads: threads, meter: meter)
        }
        let n = kernel.candidateCount
        let starts = Array(stride(from: 0, to: n, by: tile))
        let tiles = starts.indices.flatMap { a in (a..<starts.count).map { (a, $0) } }
        let parts = max(1, min(threads, tiles.count))
        meter?.beginPass(tiles: tiles.count)
        let results = Mutex([[Double]](repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            var sums = [Double](repeating: 0, count: n)
            var block: [Float] = []
            for index in stride(from: p, to: tiles.count, by: parts) {
                let (a, b) = tiles[index]
                let targets = starts[a]..<min(n, starts[a] + tile)
                let candidates = starts[b]..<min(n, starts[b] + tile)
                kernel.values(candidates: candidates, targets: targets, into: &block)
                let width = targets.count
                for (r, j) in candidates.enumerated() {
                    sums[j] += Kernels.termSum(
                        block, offset: r * width, count: width, cover: cover,
                        coverOffset: targets.lowerBound, weights: weights)
                    if a != b {
                        Kernels.addTerms(
                            block, offset: r * width, count: width, cover: cover[j],
                            weight: weights?[j] ?? 1, into: &sums, at: targets.lowerBound)
                    }
                }
                meter?.tileDone(rows: candidates.count)
            }
            results.withLock { $0[p] = sums }
        }
        let all = results.withLock { $0 }
        var total = all[0]
        for part in all.dropFirst() {
            for j in 0..<n { total[j] += part[j] }
        }
        return total
    }

    /// One pass over a block whose candidates are not its targets: each thread takes whole tiles of
    /// candidates and walks every target tile in order, so each sum is added in one order whatever the
    /// thread count.
    private static func initialSums(
        candidatesOf kernel: PairwiseKernel, weights: [Float]?, cover: [Float], threads: Int,
        meter: ProgressMeter?
    ) -> [Double] {
        let n = kernel.candidateCount, nt = kernel.targetCount
        let candidateStarts = Array(stride(from: 0, to: n, by: tile))
        let targetStarts = Array(stride(from: 0, to: nt, by: tile))
        let parts = max(1, min(threads, candidateStarts.count))
        meter?.beginPass(tiles: candidateStarts.count * targetStarts.count)
        let results = Mutex([[Double]](repeating: [], count: candidateStarts.count))
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            var block: [Float] = []
            for c in stride(from: p, to: candidateStarts.count, by: parts) {
                let candidates = candidateStarts[c]..<min(n, candidateStarts[c] + tile)
                var sums = [Double](repeating: 0, count: candidates.count)
                for start in targetStarts {
                    let targets = start..<min(nt, start + tile)
                    kernel.values(candidates: candidates, targets: targets, into: &block)
                    for r in 0..<candidates.count {
                        sums[r] += Kernels.termSum(
                            block, offset: r * targets.count, count: targets.count, cover: cover,
                            coverOffset: targets.lowerBound, weights: weights)
                    }
                    meter?.tileDone(rows: candidates.count)
                }
                results.withLock { $0[c] = sums }
            }
        }
        return results.withLock { $0 }.flatMap { $0 }
    }
}
