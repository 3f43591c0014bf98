/// The pure task functions a worker runs (design §2, phases 3–4): (task description, rows) → result.
/// No files, no sockets: the caller reads the rows and ships the result.
public enum SelectionTasks {
    /// A chunk's local coreset: greedy over the chunk's rows, every row weight 1.
    ///
    /// - Parameters:
    ///   - rows: the chunk's global rows (rows excluded as non-finite are already left out).
    ///   - vectors: their vectors, in the same order.
    ///   - plannedRows: rows the chunk had in the plan (weights of a skipped row are simply lost).
    ///   - budget: local budget.
    ///   - chunk: chunk number, which seeds the task's random stream.
    ///   - progress: told of every batch of gains evaluated (a worker's heartbeats report it).
    public static func chunk(
        rows: [Int64], vectors: VectorBlock, plannedRows: Int, budget: Int,
        settings: SelectionSettings, chunk: Int, progress: ProgressMeter? = nil
    ) -> Coreset {
        var random = SeededRandom(seed: settings.seed, stream: .task, 0, chunk)
        let selection = greedy(settings: settings, candidates: vectors, rows: rows, weights: nil,
                               budget: budget, random: &random, progress: progress)
        return coreset(from: selection, rows: rows, vectors: vectors, rowsBeneath: plannedRows)
    }

    /// A merge node: greedy over the union of its children's picks, read in child order, each
    /// candidate weighted by the rows it represents (`MergeMode.weighted`) or by 1 (`.unweighted`).
    /// A non-root node whose candidates fit its budget passes them through unchanged: a greedy with a
    /// budget of every candidate would keep them all anyway.
    public static func merge(
        children: [Coreset], budget: Int, isRoot: Bool, settings: SelectionSettings, node: MergeTree.Node,
        progress: ProgressMeter? = nil
    ) -> Coreset {
        let dimension = children[0].vectors.dimension
        let rows = children.flatMap(\.rows)
        let vectors = VectorBlock.concatenate(children.map(\.vectors), dimension: dimension)
        let weights = children.flatMap(\.weights)
        let gains = children.flatMap(\.gains)
        let beneath = children.reduce(0) { $0 + $1.rowsBeneath }
        if !isRoot && rows.count <= budget {
            return Coreset(rows: rows, vectors: vectors, gains: gains, weights: weights, rowsBeneath: beneath)
        }
        var random = SeededRandom(seed: settings.seed, stream: .task, node.level, node.index)
        let targetWeights = settings.merge == .weighted ? weights : nil
        var selection = greedy(settings: settings, candidates: vectors, rows: rows, weights: targetWeights,
                               budget: budget, random: &random, progress: progress)
        if settings.merge == .unweighted {
            // Report what each pick represents in pool rows even when the greedy ignored it.
            selection.weights = reassign(weights, of: selection, settings: settings, vectors: vectors, rows: rows)
        }
        return coreset(from: selection, rows: rows, vectors: vectors, rowsBeneath: beneath)
    }

    /// One greedy run on a candidate set whose targets are the candidates themselves.
    public static func greedy(
        settings: SelectionSettings, candidates: VectorBlock, rows: [Int64], weights: [Double]?,
        budget: Int, random: inout SeededRandom, progress: ProgressMeter? = nil
    ) -> GreedySelection {
        let kernel = PairwiseKernel(measure: settings.objective.measure, targets: candidates)
        switch settings.objective {
        case .facilityLocation:
            var objective = MeteredObjective(
                base: FacilityLocation(kernel: kernel, candidateRows: rows, targetWeights: weights,
                                       denseLimitBytes: settings.tuning.denseLimitBytes),
                meter: progress)
            return Greedy.select(&objective, budget: budget, optimizer: settings.optimizer, tuning: settings.tuning, random: &random)
        case .kCenter:
            return KCenter.select(kernel: kernel, rows: rows, budget: budget, represented: weights, progress: progress)
        }
    }

    private static func reassign(
        _ weights: [Double], of selection: GreedySelection, settings: SelectionSettings,
        vectors: VectorBlock, rows: [Int64]
    ) -> [Double] {
        let picked = vectors.gather(selection.picks)
        let nearest = Evaluation.nearest(targets: vectors, selected: picked,
                                         selectedRows: selection.picks.map { rows[$0] },
                                         objective: settings.objective)
        var totals = [Double](repeating: 0, count: selection.picks.count)
        for (i, s) in nearest.enumerated() { totals[s] += weights[i] }
        return totals
    }

    private static func coreset(from selection: GreedySelection, rows: [Int64], vectors: VectorBlock, rowsBeneath: Int) -> Coreset {
        Coreset(rows: selection.picks.map { rows[$0] }, vectors: vectors.gather(selection.picks),
                gains: selection.gains, weights: selection.weights, rowsBeneath: rowsBeneath)
    }
}
