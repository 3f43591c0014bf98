/// A chunk's sample drawn by sensitivity instead of uniformly: the importance sampling of coresets
/// for k-median (Feldman & Langberg, STOC 2011; Bachem, Lucic & Krause, KDD 2018). Facility
/// location with a similarity s ≤ the row's own is k-median on the regret `s(i, i) − s(i, S)`, and a
/// chunk's picks B are a good solution for its rows, so a row's share of the cost of any S is bounded
/// by its regret to B over B's total plus one over the size of its B-cluster. Drawing rows in
/// proportion to that bound, each weighted by the inverse of its probability, estimates the cover of
/// every S without bias and with less variance than a uniform draw, where a uniform draw spends most
/// rows in dense regions that any pick there covers and few on the rows that tell picks apart.
extension RowSample {
    /// The sensitivity bound of each row: `regret[i] / Σ regret + 1 / |cluster of i|`, where
    /// `cluster[i]` is the chunk pick nearest to row `i` (each cluster's rows share 1 between them).
    public static func sensitivities(regret: [Double], cluster: [Int], clusters: Int) -> [Double] {
        precondition(regret.count == cluster.count, "sensitivities: column lengths differ")
        let total = regret.reduce(0, +)
        var sizes = [Int](repeating: 0, count: clusters)
        for c in cluster { sizes[c] += 1 }
        return regret.indices.map { i in (total > 0 ? regret[i] / total : 0) + 1 / Double(sizes[cluster[i]]) }
    }

    /// `count` rows drawn without replacement, row `i` with probability ∝ `sensitivity[i]` (at most 1),
    /// by systematic sampling over the rows in a seeded random order (exactly `count` rows; in the
    /// order given, a pattern in the rows that repeats with the sampling step would be hit or missed
    /// whole); each stands for `1 / probability` rows, scaled so that the sample stands for
    /// `standsFor` rows in all. The rows come back in the order given.
    public static func draw(
        _ count: Int, of rows: [Int64], vectors: VectorBlock, sensitivity: [Double],
        standsFor total: Double, random: inout SeededRandom
    ) -> RowSample {
        precondition(sensitivity.count == rows.count && sensitivity.allSatisfy { $0 > 0 && $0.isFinite }, "draw: sensitivities")
        let n = rows.count
        guard count < n else { return draw(count, of: rows, vectors: vectors, standsFor: total, random: &random) }
        // Inclusion probabilities count · p_i, capped at 1: rows over the cap are taken for certain
        // and the rest share what remains.
        var probability = [Double](repeating: 1, count: n)
        var certain = [Bool](repeating: false, count: n)
        while true {
            let open = (0..<n).filter { !certain[$0] }
            let room = Double(count - (n - open.count))
            let mass = open.reduce(0.0) { $0 + sensitivity[$1] }
            var capped = false
            for i in open {
                probability[i] = room * sensitivity[i] / mass
                if probability[i] >= 1 { certain[i] = true; probability[i] = 1; capped = true }
            }
            if !capped { break }
        }
        var picks: [Int] = []
        picks.reserveCapacity(count)
        var order = Array(0..<n)
        random.shuffle(&order)
        var reach = random.unit()
        for i in order {
            let next = reach + probability[i]
            // A probability of 1 always crosses an integer: certain rows are taken.
            if next.rounded(.down) > reach.rounded(.down) { picks.append(i) }
            reach = next
        }
        picks.sort()
        let inverse = picks.map { 1 / probability[$0] }
        let scale = total / inverse.reduce(0, +)
        return kept(picks, of: rows, vectors: vectors, weights: inverse.map { $0 * scale })
    }
}
