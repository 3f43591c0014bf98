/// Coverage-centric coreset selection (Zheng, Liu, Jiang & Prakash, ICLR 2023), by difficulty scores
/// alone: drop the hardest β of the rows, cut the rest into `strata` bins of equal score width, and
/// spread the budget over the bins smallest first — each bin gets at most an equal share of what is
/// left, so sparse score ranges keep all their rows and dense ones give way — then draw each bin's
/// share uniformly (seeded). Easy and hard examples alike stay covered at high pruning rates, where
/// picking the hardest rows fails.
public enum CoverageCentric {
    public enum Default {
        /// β: the hardest share pruned first. The paper tunes it per pruning rate (0 at low rates,
        /// up to 0.4–0.5 at 90%); 0.1 is a middle that rarely hurts.
        public static let pruneHard = 0.1
        /// Score bins (the paper's k = 50).
        public static let strata = 50
    }

    /// - Parameters:
    ///   - scores: one difficulty score per candidate (larger: harder).
    ///   - rows: the candidates' global rows (ties in score break on the smaller row).
    ///   - budget: rows to select.
    /// - Returns: indices into `rows`, bin by bin from the easiest, each bin's draw in row order, and
    ///   for each pick the rows its bin holds per pick (what it stands for).
    public static func select(
        scores: [Float], rows: [Int64], budget: Int, pruneHard: Double, strata: Int,
        seed: UInt64
    ) -> (picks: [Int], weights: [Double]) {
        precondition(scores.count == rows.count && strata >= 1 && (0..<1).contains(pruneHard))
        let order = scores.indices.sorted { (scores[$0], rows[$0]) < (scores[$1], rows[$1]) }
        let kept = Array(order.prefix(order.count - Int((Double(order.count) * pruneHard).rounded(.down))))
        guard let lo = kept.first.map({ scores[$0] }), let hi = kept.last.map({ scores[$0] }) else { return ([], []) }
        let width = Double(hi) - Double(lo)
        var bins = [[Int]](repeating: [], count: strata)
        for i in kept {
            let b = width > 0 ? min(strata - 1, Int((Double(scores[i]) - Double(lo)) / width * Double(strata))) : 0
            bins[b].append(i)
        }
        // Smallest bins first (then by score range), each taking at most an equal share of what is left.
        var left = min(budget, kept.count)
        var open = bins.indices.filter { !bins[$0].isEmpty }.sorted { (bins[$0].count, $0) < (bins[$1].count, $1) }
        var take = [Int](repeating: 0, count: strata)
        while let b = open.first, left > 0 {
            let share = min(bins[b].count, left / open.count)
            take[b] = share
            left -= share
            open.removeFirst()
        }
        var picks: [Int] = [], weights: [Double] = []
        for b in bins.indices where take[b] > 0 {
            var random = SeededRandom(seed: seed, stream: .coverage, b)
            let members = bins[b].sorted { rows[$0] < rows[$1] }
            picks += random.sample(take[b], of: members.count).map { members[$0] }
            weights += repeatElement(Double(members.count) / Double(take[b]), count: take[b])
        }
        return (picks, weights)
    }
}
