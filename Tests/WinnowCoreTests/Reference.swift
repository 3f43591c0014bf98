import WinnowCore

/// Independent, direct implementations in Double: no BLAS, no batching, no heaps.
enum Reference {
    static func similarity(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>, _ measure: Measure) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        switch measure {
        case .shiftedCosine:
            let cos = na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
            return (1 + cos) / 2
        case .dot: return max(0, dot)
        case .rbf(let g): return Foundation.exp(-g * max(0, na + nb - 2 * dot))
        case .euclidean: return max(0, na + nb - 2 * dot).squareRoot()
        case .cosineDistance:
            let cos = na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
            return 1 - cos
        }
    }

    /// `Σ_i w_i max_{s ∈ S} sim(i, s)`.
    static func facilityValue(_ block: VectorBlock, _ selection: [Int], _ measure: Measure, weights: [Double]? = nil) -> Double {
        guard !selection.isEmpty else { return 0 }
        var total = 0.0
        for i in 0..<block.rows {
            let best = selection.map { similarity(block.row(i), block.row($0), measure) }.max()!
            total += (weights?[i] ?? 1) * best
        }
        return total
    }

    /// Whether every pick of `picks` was, given the picks before it, a candidate of largest gain
    /// `f(S + j) − f(S)` to within `tolerance` (float32 similarities round differently from Double).
    static func isGreedySequence(_ block: VectorBlock, _ picks: [Int], _ measure: Measure, tolerance: Double) -> Bool {
        for step in picks.indices {
            let before = Array(picks[0..<step])
            let base = facilityValue(block, before, measure)
            let gains = (0..<block.rows).filter { !before.contains($0) }.map { facilityValue(block, before + [$0], measure) - base }
            let chosen = facilityValue(block, before + [picks[step]], measure) - base
            if chosen < gains.max()! - tolerance { return false }
        }
        return true
    }

    /// Greedy by its definition: each step, the candidate with the largest `f(S + j) − f(S)` (plus
    /// its `bonus`: a modular term) among those `allowed` given the picks so far (a constraint);
    /// it stops early when none is allowed.
    static func greedy(
        _ block: VectorBlock, k: Int, _ measure: Measure, weights: [Double]? = nil, bonus: [Double]? = nil,
        allowed: (_ candidate: Int, _ picks: [Int]) -> Bool = { _, _ in true }
    ) -> [Int] {
        let n = block.rows
        var sims = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in 0..<n { sims[i][j] = similarity(block.row(i), block.row(j), measure) } }
        var cover = [Double](repeating: 0, count: n)
        var picks: [Int] = []
        for _ in 0..<k {
            var best = -1, bestGain = -Double.infinity
            for j in 0..<n where !picks.contains(j) && allowed(j, picks) {
                var g = bonus?[j] ?? 0
                for i in 0..<n { g += (weights?[i] ?? 1) * max(0, sims[i][j] - cover[i]) }
                // Equal gains (to rounding) go to the smaller row, as the rule says.
                if g > bestGain + 1e-9 * max(1, abs(g)) { best = j; bestGain = g }
            }
            guard best >= 0 else { break }
            picks.append(best)
            for i in 0..<n { cover[i] = max(cover[i], sims[i][best]) }
        }
        return picks
    }
}

import Foundation
