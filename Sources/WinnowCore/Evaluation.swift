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

    /// Both from one scan: every target's best value over `selected` and the position of the pick
    /// holding it (ties: smaller row).
    public static func bestAndNearest(
        targets: VectorBlock, selected: VectorBlock, selectedRows: [Int64],
        objective: Objective
    ) -> (best: [Float], nearest: [Int]) {
        scan(targets: targets, selected: selected, selectedRows: selectedRows, objective: objective)
    }

    /// How many rows each pick stands for: every candidate's weight (1 when nil) goes to the pick it is
    /// most similar to (by `objective`'s measure; ties: smaller row). For objectives whose greedy does
    /// not track coverage itself.
    public static func shares(
        of selection: [Int], among candidates: VectorBlock, rows: [Int64], weights: [Double]?,
        objective: Objective = .facilityLocation(.shiftedCosine)
    ) -> [Double] {
        guard !selection.isEmpty else { return [] }
        let kernel = PairwiseKernel(targets: candidates, candidates: PreparedRows(candidates.gather(selection), for: objective.measure))
        return shares(
            of: Array(selection.indices), in: kernel, candidateRows: selection.map { rows[$0] }, weights: weights,
            maximise: maximises(objective))
    }

    /// The same over a kernel already built: every target's weight goes to its best candidate among
    /// `picks` (indices of the kernel's candidates, whose rows are `candidateRows`; ties: smaller row).
    public static func shares(
        of picks: [Int], in kernel: PairwiseKernel, candidateRows: [Int64], weights: [Double]?,
        maximise: Bool = true
    ) -> [Double] {
        let owner = scan(kernel, picks: picks, pickRows: picks.map { candidateRows[$0] }, maximise: maximise).1
        var totals = [Double](repeating: 0, count: picks.count)
        for (i, s) in owner.enumerated() where s >= 0 { totals[s] += weights?[i] ?? 1 }
        return totals
    }

    private static func scan(targets: VectorBlock, selected: VectorBlock, selectedRows: [Int64]?, objective: Objective) -> ([Float], [Int]) {
        scan(targets: targets, selected: PreparedRows(selected, for: objective.measure), selectedRows: selectedRows, objective: objective)
    }

    private static func scan(targets: VectorBlock, selected prepared: PreparedRows, selectedRows: [Int64]?, objective: Objective) -> ([Float], [Int]) {
        scan(
            PairwiseKernel(targets: targets, candidates: prepared), picks: Array(0..<prepared.count), pickRows: selectedRows,
            maximise: maximises(objective))
    }

    /// Facility location and its baselines maximise a similarity; k-center minimises a distance.
    private static func maximises(_ objective: Objective) -> Bool {
        if case .kCenter = objective { return false }
        return true
    }

    /// Every target's best value over the kernel's candidates `picks` and, when `pickRows` tell picks
    /// apart on ties (smaller row wins), the position in `picks` of the one holding it (−1: no picks).
    private static func scan(_ kernel: PairwiseKernel, picks: [Int], pickRows: [Int64]?, maximise: Bool) -> ([Float], [Int]) {
        let nt = kernel.targetCount
        var best = [Float](repeating: maximise ? -.infinity : .infinity, count: nt)
        var arg = [Int](repeating: -1, count: nt)
        guard !picks.isEmpty else { return (best, arg) }
        let batch = max(1, min(256, (1 << 24) / max(1, nt)))
        var out: [Float] = [], scratch: [Float] = []
        var start = 0
        while start < picks.count {
            let ids = Array(start..<min(picks.count, start + batch))
            kernel.values(for: ids.map { picks[$0] }, into: &out, scratch: &scratch)
            guard let pickRows else {
                // Values alone (no owner to tell apart on ties): one vectorised pass per column.
                for b in ids.indices { Kernels.keepBest(out, offset: b * nt, into: &best, largest: maximise) }
                start += batch
                continue
            }
            for (b, j) in ids.enumerated() {
                let base = b * nt
                for i in 0..<nt {
                    let v = out[base + i]
                    let wins = maximise ? v > best[i] : v < best[i]
                    let ties = v == best[i] && arg[i] >= 0 && pickRows[j] < pickRows[arg[i]]
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
