import HeapModule
import Foundation

/// The greedy loop every objective runs through: one pick per step, the candidate of largest marginal
/// gain, found as the `Optimizer` says; its result is a `GreedySelection`.
public enum Greedy {
    /// Runs the optimizer on `objective` until `budget` candidates are picked (or none remain that
    /// `limits` allow: each step then picks the best candidate whose group is not full).
    ///
    /// - Parameter given: candidates chosen before (`--given`), in the order they were picked. They are
    ///   committed first, by the same calls a greedy that picked them makes (a commit, then the tracked
    ///   bounds), so the objective's state is the one that greedy had; they are neither counted in
    ///   `budget` nor returned. The lazy optimizers then pick what that greedy would have picked next
    ///   (a lazy step takes the true best gain under any valid bounds).
    public static func select<O: GreedyObjective>(
        _ objective: inout O, budget: Int, optimizer: Optimizer,
        tuning: OptimizerTuning = .init(), random: inout SeededRandom, limits: GroupLimits? = nil, given: [Int] = []
    ) -> GreedySelection {
        let k = min(budget, objective.candidateCount - given.count)
        var picks: [Int] = [], gains: [Double] = []
        picks.reserveCapacity(k + given.count)
        gains.reserveCapacity(k + given.count)
        guard k > 0 else { return GreedySelection(picks: [], gains: [], weights: []) }
        var limits = limits
        for candidate in given {
            objective.commit(candidate)
            picks.append(candidate)
            gains.append(0)
            // Lazy greedy asks for tracked bounds after every commit but the last.
            if case .lazy = optimizer { _ = objective.trackedBounds() }
        }
        let total = k + given.count
        switch optimizer {
        case .naive:
            naive(&objective, k: total, batch: tuning.scanBatch, limits: &limits, picks: &picks, gains: &gains)
        case .lazy:
            lazy(&objective, k: total, batch: tuning.lazyBatch, limits: &limits, picks: &picks, gains: &gains)
        case .stochastic(let epsilon):
            stochastic(
                &objective, k: total, epsilon: epsilon, batch: tuning.scanBatch,
                random: &random, limits: &limits, picks: &picks, gains: &gains)
        }
        let weights = objective.representedWeights(of: picks)
        return GreedySelection(
            picks: Array(picks.dropFirst(given.count)), gains: Array(gains.dropFirst(given.count)),
            weights: Array(weights.dropFirst(given.count)))
    }

    /// Whether `(g, row)` beats `(best, bestRow)`: larger gain, then smaller row.
    @inline(__always)
    static func better(_ g: Double, _ row: Int64, than best: Double, _ bestRow: Int64) -> Bool {
        g > best || (g == best && row < bestRow)
    }

    private static func naive<O: GreedyObjective>(
        _ objective: inout O, k: Int, batch: Int, limits: inout GroupLimits?, picks: inout [Int], gains: inout [Double]
    ) {
        let chosen = Set(picks)
        var remaining = (0..<objective.candidateCount).filter { !chosen.contains($0) }
        let rows = objective.candidateRows
        for _ in picks.count..<k {
            if let l = limits { remaining.removeAll { !l.allows($0) } }
            guard !remaining.isEmpty else { break }
            let (index, gain) = best(of: remaining, in: &objective, batch: batch, rows: rows)
            objective.commit(remaining[index])
            limits?.take(remaining[index])
            picks.append(remaining[index])
            gains.append(gain)
            remaining.remove(at: index)
        }
    }

    /// The position in `pool` of the best candidate, and its gain.
    private static func best<O: GreedyObjective>(
        of pool: [Int], in objective: inout O, batch: Int, rows: [Int64]
    ) -> (Int, Double) {
        var bestIndex = -1, bestGain = -Double.infinity, bestRow = Int64.max
        var start = 0
        while start < pool.count {
            let slice = Array(pool[start..<min(pool.count, start + batch)])
            for (offset, g) in objective.gains(of: slice).enumerated() {
                let j = slice[offset]
                if better(g, rows[j], than: bestGain, bestRow) {
                    bestIndex = start + offset
                    bestGain = g
                    bestRow = rows[j]
                }
            }
            start += batch
        }
        return (bestIndex, bestGain)
    }

    struct Entry: Comparable {
        var bound: Double
        var row: Int64
        var candidate: Int
        var freshAt: Int
        /// Whether a fresh bound is the gain itself, not a quick bound on it.
        var exact = true

        // Max of the heap = largest bound, then smallest row.
        static func < (a: Entry, b: Entry) -> Bool {
            a.bound < b.bound || (a.bound == b.bound && a.row > b.row)
        }
        static func == (a: Entry, b: Entry) -> Bool { a.bound == b.bound && a.row == b.row }
    }

    private static func lazy<O: GreedyObjective>(
        _ objective: inout O, k: Int, batch: Int, limits: inout GroupLimits?, picks: inout [Int], gains: inout [Double]
    ) {
        let rows = objective.candidateRows
        let bounds = objective.initialBounds()
        let chosen = Set(picks)
        var heap = Heap(bounds.enumerated().filter { !chosen.contains($0.offset) }.map { Entry(bound: $1, row: rows[$0], candidate: $0, freshAt: -1) })
        var stale: [Entry] = []
        var ids: [Int] = []
        // The batch follows the last step's need: steps on a flat gain landscape re-evaluate hundreds
        // of candidates, and then one wide `sgemm` beats many narrow ones. Where a gain is a read of a
        // held block, a batch only adds evaluations: one at a time.
        let batched = objective.evaluatesInBatches
        var width = batched ? batch : 1, evaluatedThisStep = 0
        while picks.count < k, let top = heap.max {
            let step = picks.count
            if let l = limits, !l.allows(top.candidate) {
                // Its group is full: it can never be picked again.
                _ = heap.removeMax()
                continue
            }
            if top.freshAt == step && !top.exact {
                // A quick bound on top: only its gain can settle whether it wins the step.
                _ = heap.removeMax()
                let g = objective.gains(of: [top.candidate])[0]
                heap.insert(Entry(bound: g, row: top.row, candidate: top.candidate, freshAt: step))
                continue
            }
            if top.freshAt == step {
                // Fresh and on top: no stale bound (an upper bound on its gain) beats it.
                _ = heap.removeMax()
                objective.commit(top.candidate)
                limits?.take(top.candidate)
                picks.append(top.candidate)
                gains.append(top.bound)
                width = batched ? min(max(batch, evaluatedThisStep / 2), 16 * batch) : 1
                evaluatedThisStep = 0
                if picks.count < k, let bounds = objective.trackedBounds() {
                    tracked(&objective, bounds: bounds, k: k, limits: &limits, picks: &picks, gains: &gains)
                    return
                }
                continue
            }
            if let fresh = objective.freshPass(evaluated: evaluatedThisStep) {
                // Every candidate still in the heap, fresh and exact: the top is the step's pick.
                heap = Heap(heap.unordered.map { Entry(bound: fresh[$0.candidate], row: $0.row, candidate: $0.candidate, freshAt: step) })
                evaluatedThisStep += heap.count
                continue
            }
            stale.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
            while stale.count < width, let next = heap.max, next.freshAt != step {
                _ = heap.removeMax()
                if let l = limits, !l.allows(next.candidate) { continue }
                stale.append(next)
                ids.append(next.candidate)
            }
            evaluatedThisStep += ids.count
            if let quick = objective.quickBounds(of: ids) {
                // Two upper bounds: the smaller serves.
                for (entry, b) in zip(stale, quick) {
                    heap.insert(Entry(bound: min(b, entry.bound), row: entry.row, candidate: entry.candidate, freshAt: step, exact: false))
                }
                continue
            }
            let fresh = objective.gains(of: ids)
            for (entry, g) in zip(stale, fresh) {
                heap.insert(Entry(bound: g, row: entry.row, candidate: entry.candidate, freshAt: step))
            }
        }
    }

    /// Lazy greedy once the objective keeps every bound tight (`trackedBounds`, asked after each
    /// commit): candidates are visited from the largest bound down, a few at a time, and evaluated
    /// fresh until no bound left can beat the best fresh gain — lazy greedy's own stopping rule, so
    /// the picks are the same; only the heap of stale bounds is gone.
    private static func tracked<O: GreedyObjective>(
        _ objective: inout O, bounds first: [Double], k: Int, limits: inout GroupLimits?,
        picks: inout [Int], gains: inout [Double]
    ) {
        let rows = objective.candidateRows
        var taken = [Bool](repeating: false, count: objective.candidateCount)
        for p in picks { taken[p] = true }
        var bounds = first
        while picks.count < k {
            let eligible = { (j: Int) in !taken[j] && (limits?.allows(j) ?? true) }
            guard let (candidate, gain) = bestFresh(&objective, bounds: bounds, rows: rows, eligible: eligible) else { break }
            objective.commit(candidate)
            limits?.take(candidate)
            taken[candidate] = true
            picks.append(candidate)
            gains.append(gain)
            guard picks.count < k else { break }
            guard let next = objective.trackedBounds() else { preconditionFailure("tracked bounds stopped") }
            bounds = next
        }
    }

    /// The eligible candidate with the largest fresh gain (ties: smaller row), evaluating only those
    /// whose bound could still beat the best found.
    private static func bestFresh<O: GreedyObjective>(
        _ objective: inout O, bounds: [Double], rows: [Int64], eligible: (Int) -> Bool
    ) -> (Int, Double)? {
        // Two at a time: a call costs about one pass over the targets whatever its width, and with
        // tight bounds the runner-up's fresh gain usually settles the step.
        let width = 2
        var best: (candidate: Int, gain: Double)?
        var below: (bound: Double, row: Int64)?
        while true {
            let next = largest(width + 1, of: bounds, rows: rows, below: below, eligible: eligible)
            guard let head = next.first else { break }
            if let b = best, !better(bounds[head], rows[head], than: b.gain, rows[b.candidate]) { break }
            let batch = Array(next.prefix(width))
            for (j, g) in zip(batch, objective.gains(of: batch)) {
                if best.map({ better(g, rows[j], than: $0.gain, rows[$0.candidate]) }) ?? true { best = (j, g) }
            }
            guard next.count > width, let last = batch.last else { break }
            below = (bounds[last], rows[last])
        }
        return best.map { ($0.candidate, $0.gain) }
    }

    /// The `count` eligible candidates with the largest (bound, then smaller row) strictly after
    /// `below` in that order, largest first: one scan with a short insertion list.
    private static func largest(
        _ count: Int, of bounds: [Double], rows: [Int64], below: (bound: Double, row: Int64)?,
        eligible: (Int) -> Bool
    ) -> [Int] {
        var top: [Int] = []
        top.reserveCapacity(count + 1)
        for j in bounds.indices {
            if let below, !better(below.bound, below.row, than: bounds[j], rows[j]) { continue }
            if top.count == count, let last = top.last, !better(bounds[j], rows[j], than: bounds[last], rows[last]) { continue }
            guard eligible(j) else { continue }
            var at = top.count
            while at > 0, better(bounds[j], rows[j], than: bounds[top[at - 1]], rows[top[at - 1]]) { at -= 1 }
            top.insert(j, at: at)
            if top.count > count { top.removeLast() }
        }
        return top
    }

    private static func stochastic<O: GreedyObjective>(
        _ objective: inout O, k: Int, epsilon: Double, batch: Int, random: inout SeededRandom,
        limits: inout GroupLimits?, picks: inout [Int], gains: inout [Double]
    ) {
        let n = objective.candidateCount
        let rows = objective.candidateRows
        let size = max(1, Int((Double(n) / Double(k) * log(1 / epsilon)).rounded(.up)))
        let chosen = Set(picks)
        var remaining = (0..<n).filter { !chosen.contains($0) }
        for _ in picks.count..<k {
            if let l = limits { remaining.removeAll { !l.allows($0) } }
            guard !remaining.isEmpty else { break }
            // Partial Fisher–Yates: the sample is the first `s` slots of `remaining`.
            let s = min(size, remaining.count)
            for i in 0..<s { remaining.swapAt(i, i + random.index(below: remaining.count - i)) }
            let sample = Array(remaining[0..<s])
            let (index, gain) = best(of: sample, in: &objective, batch: batch, rows: rows)
            objective.commit(sample[index])
            limits?.take(sample[index])
            picks.append(sample[index])
            gains.append(gain)
            remaining.swapAt(index, remaining.count - 1)
            remaining.removeLast()
        }
    }
}
