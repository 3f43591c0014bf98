/// k-center by farthest-first traversal (Gonzalez): start from the row nearest the (weighted) centroid,
/// then repeatedly pick the row farthest from everything picked so far. Minimises the covering radius
/// `max_i w_i · min_{s ∈ S} dist(i, s)` within a factor of 2. O(n · d) per pick, one `sgemm` each.
///
/// Each pick's reported gain is its (weighted) distance to the rows picked before it — for the first
/// pick, its distance to the centroid — so the gain column shows how the covering radius shrinks.
public enum KCenter {
    /// - Parameters:
    ///   - kernel: a distance measure (`.euclidean` or `.cosineDistance`) between targets and candidates;
    ///     for k-center the targets are the candidates themselves.
    ///   - rows: global row numbers (ties go to the smaller row).
    ///   - priority: per-row factors on the distance (nil: 1 each) — the weighted k-center objective.
    ///   - represented: how many rows each candidate stands for, summed into the result's weights.
    ///   - limits: per-group caps on the picks (label budgets); a candidate of a full group is skipped.
    ///   - given: candidates picked before (`--given`), in their order: they are the traversal's first
    ///     steps, neither counted in `budget` nor returned, so the rest is the traversal that picked them.
    public static func select(
        kernel: PairwiseKernel, rows: [Int64], budget: Int,
        priority: [Double]? = nil, represented: [Double]? = nil, limits: GroupLimits? = nil, progress: ProgressMeter? = nil,
        given: [Int] = []
    ) -> GreedySelection {
        var limits = limits
        let n = kernel.candidateCount
        precondition(kernel.targetCount == n, "KCenter: targets must be the candidates")
        precondition(rows.count == n)
        let k = min(budget, n - given.count)
        guard k > 0 else { return GreedySelection(picks: [], gains: [], weights: []) }
        let w = priority ?? [Double](repeating: 1, count: n)
        let rep = represented ?? [Double](repeating: 1, count: n)

        var distance = [Float](repeating: .infinity, count: n)
        var nearest = [Int](repeating: -1, count: n)
        var selected = [Bool](repeating: false, count: n)
        var column: [Float] = [], scratch: [Float] = []
        var picks: [Int] = [], gains: [Double] = []

        // First pick: the row closest to the weighted centroid.
        let centroid = weightedCentroid(kernel.candidates, weights: rep)
        let toCentroid = PairwiseKernel(measure: kernel.measure, targets: kernel.candidates, candidates: centroid)
        toCentroid.values(for: [0], into: &column, scratch: &scratch)
        var first = -1
        for i in 0..<n where limits?.allows(i) ?? true {
            if first < 0 || column[i] < column[first] || (column[i] == column[first] && rows[i] < rows[first]) { first = i }
        }
        guard first >= 0 else { return GreedySelection(picks: [], gains: [], weights: []) }
        var next = given.first ?? first, nextGain = Double(column[next])

        while true {
            selected[next] = true
            if picks.count >= given.count { limits?.take(next) }
            picks.append(next)
            gains.append(nextGain)
            kernel.values(for: [next], into: &column, scratch: &scratch)
            for i in 0..<n {
                let v = selected[i] && i != next ? distance[i] : (i == next ? 0 : column[i])
                if v < distance[i] || (v == distance[i] && nearest[i] >= 0 && rows[next] < rows[nearest[i]]) {
                    distance[i] = v
                    nearest[i] = next
                }
            }
            progress?.add(n - 1)
            progress?.picked()
            if picks.count == k + given.count { break }
            if picks.count < given.count {
                next = given[picks.count]
                nextGain = 0
                continue
            }
            var best = -1, bestValue = -Double.infinity
            for i in 0..<n where !selected[i] && limits?.allows(i) ?? true {
                let v = w[i] * Double(distance[i])
                if Greedy.better(v, rows[i], than: bestValue, best >= 0 ? rows[best] : .max) {
                    best = i
                    bestValue = v
                }
            }
            guard best >= 0 else { break }
            next = best
            nextGain = bestValue
        }

        var totals = [Double](repeating: 0, count: n)
        for i in 0..<n { totals[nearest[i]] += rep[i] }
        let mine = picks.dropFirst(given.count)
        return GreedySelection(picks: Array(mine), gains: Array(gains.dropFirst(given.count)), weights: mine.map { totals[$0] })
    }

    static func weightedCentroid(_ block: VectorBlock, weights: [Double]) -> VectorBlock {
        let d = block.dimension
        var sum = [Double](repeating: 0, count: d)
        var total = 0.0
        for r in 0..<block.rows {
            total += weights[r]
            for k in 0..<d { sum[k] += weights[r] * Double(block.values[r * d + k]) }
        }
        return VectorBlock(values: sum.map { Float($0 / max(total, .leastNonzeroMagnitude)) }, dimension: d)
    }
}
