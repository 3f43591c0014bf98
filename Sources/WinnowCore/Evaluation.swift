import WinnowNative

/// The objective of a finished selection over a set of target rows (the full pool, or a sample of
/// it): reported, never used to select (design §2, phase 5).
public enum Evaluation {
    /// Running best value per target over the selected rows, a few hundred selected rows per `sgemm`.
    /// Facility location: the best similarity; k-center: the smallest distance.
    public static func best(targets: VectorBlock, selected: VectorBlock, objective: Objective) -> [Float] {
        let (values, _) = scan(targets: targets, selected: selected, selectedRows: nil, objective: objective)
        return values
    }

    /// For each target, the index in `selected` of its best selected row (ties: smaller row).
    public static func nearest(targets: VectorBlock, selected: VectorBlock, selectedRows: [Int64], objective: Objective) -> [Int] {
        scan(targets: targets, selected: selected, selectedRows: selectedRows, objective: objective).1
    }

    /// How many rows each pick stands for: every candidate's weight (1 when nil) goes to the pick it is
    /// most similar to (by `objective`'s measure; ties: smaller row). For objectives whose greedy does
    /// not track coverage itself.
    public static func shares(of selection: [Int], among candidates: VectorBlock, rows: [Int64], weights: [Double]?,
                              objective: Objective = .facilityLocation(.shiftedCosine)) -> [Double] {
        guard !selection.isEmpty else { return [] }
        let owner = nearest(targets: candidates, selected: candidates.gather(selection),
                            selectedRows: selection.map { rows[$0] }, objective: objective)
        var totals = [Double](repeating: 0, count: selection.count)
        for (i, s) in owner.enumerated() { totals[s] += weights?[i] ?? 1 }
        return totals
    }

    private static func scan(targets: VectorBlock, selected: VectorBlock, selectedRows: [Int64]?, objective: Objective) -> ([Float], [Int]) {
        scan(targets: targets, selected: PreparedRows(selected, for: objective.measure), selectedRows: selectedRows, objective: objective)
    }

    private static func scan(targets: VectorBlock, selected prepared: PreparedRows, selectedRows: [Int64]?, objective: Objective) -> ([Float], [Int]) {
        let nt = targets.rows
        let maximise: Bool
        if case .kCenter = objective { maximise = false } else { maximise = true }
        var best = [Float](repeating: maximise ? -.infinity : .infinity, count: nt)
        var arg = [Int](repeating: -1, count: nt)
        let selected = prepared.block
        guard selected.rows > 0 else { return (best, arg) }
        let kernel = PairwiseKernel(targets: targets, candidates: prepared)
        let batch = max(1, min(256, (1 << 24) / max(1, nt)))
        var out: [Float] = [], scratch: [Float] = []
        var start = 0
        while start < selected.rows {
            let ids = Array(start ..< min(selected.rows, start + batch))
            kernel.values(for: ids, into: &out, scratch: &scratch)
            guard let selectedRows else {
                // Values alone (no owner to tell apart on ties): one vectorised pass per column.
                for b in ids.indices { Kernels.keepBest(out, offset: b * nt, into: &best, largest: maximise) }
                start += batch
                continue
            }
            for (b, j) in ids.enumerated() {
                let base = b * nt
                for i in 0 ..< nt {
                    let v = out[base + i]
                    let wins = maximise ? v > best[i] : v < best[i]
                    let ties = v == best[i] && arg[i] >= 0 && selectedRows[j] < selectedRows[arg[i]]
                    if wins || ties {
                        best[i] = v
                        arg[i] = j
                    }
                }
            }
            start += batch
        }
        return (best, arg)
    }

    /// The objective over two disjoint sets of targets from the objective over each: their sum, for
    /// k-center the larger radius, and for log-det (a value of the selection alone) either.
    public static func combine(_ a: Double, _ b: Double, objective: Objective) -> Double {
        switch objective {
        case .kCenter: max(a, b)
        case .logDeterminant: a
        case .facilityLocation, .random, .coverageCentric: a + b
        }
    }

    /// Facility location `Σ_i w_i max_s sim(i, s)`, the k-center covering radius `max_i min_s dist(i, s)`,
    /// or log-det's `log det(L_S)` (of the selected rows alone). Random and coverage-centric selections
    /// are scored by facility location with the shifted cosine, the representativeness any baseline is
    /// compared on.
    public static func objective(targets: VectorBlock, selected: VectorBlock, objective: Objective, weights: [Double]? = nil) -> Double {
        if case .logDeterminant(let ridge) = objective { return LogDeterminant.value(of: selected, ridge: ridge) }
        return self.objective(targets: targets, selected: PreparedRows(selected, for: objective.measure), objective: objective, weights: weights)
    }

    /// The same, with the selected rows prepared once for many blocks of targets (not log-det, whose
    /// value is the selection's alone).
    public static func objective(targets: VectorBlock, selected: PreparedRows, objective: Objective, weights: [Double]? = nil) -> Double {
        precondition(objective.measure == selected.measure, "Evaluation: rows prepared for another measure")
        let values = scan(targets: targets, selected: selected, selectedRows: nil, objective: objective).0
        switch objective {
        case .facilityLocation, .random, .logDeterminant, .coverageCentric:
            var total = 0.0
            for (i, v) in values.enumerated() { total += (weights?[i] ?? 1) * Double(max(0, v)) }
            return total
        case .kCenter:
            var radius = 0.0
            for (i, v) in values.enumerated() { radius = max(radius, (weights?[i] ?? 1) * Double(v)) }
            return radius
        }
    }
}
