/// The pure task functions a worker runs (design §2, phases 3–4): (task description, rows) → result.
/// No files, no sockets: the caller reads the rows and ships the result.
public enum SelectionTasks {
    /// A chunk's local coreset: greedy over the chunk's rows, every row weight 1.
    ///
    /// - Parameters:
    ///   - task: the chunk's number (which seeds the task's random streams), its budget, its planned
    ///     rows (weights of a skipped row are simply lost), its sample share and label caps.
    ///   - rows: the chunk's global rows (rows excluded as non-finite are already left out).
    ///   - vectors: their vectors, in the same order.
    ///   - quality: the rows' quality scores, when the settings weigh them (`qualityWeight` ≠ 0).
    ///   - labels: the rows' labels, with label budgets (the task's `labelCaps`).
    ///   - progress: told of every batch of gains evaluated (a worker's heartbeats report it).
    ///   - given: rows chosen before (`--given`): the greedy starts from them (`GivenRows`).
    ///   - targets: what facility location covers instead of the chunk's rows (`--targets`).
    public static func chunk(
        _ task: ChunkTask, rows: [Int64], vectors: VectorBlock, settings: SelectionSettings, quality: [Float]? = nil,
        labels: [Int64]? = nil, progress: ProgressMeter? = nil, given: GivenRows? = nil, targets: VectorBlock? = nil
    ) -> Coreset {
        let chunk = task.chunk, budget = task.budget, sampleRows = task.sampleRows, labelCaps = task.labelCaps
        var random = SeededRandom(seed: settings.seed, stream: .task, 0, chunk)
        let c =
            given?.joined(rows: rows, vectors: vectors, weights: nil, quality: quality, labels: labels)
            ?? GivenRows.Joined(rows: rows, vectors: vectors, weights: nil, quality: quality, labels: labels, positions: [])
        let selection = greedy(
            settings: settings, candidates: c.vectors, rows: c.rows, weights: c.weights,
            budget: budget, random: &random, targets: targets, quality: c.quality, limits: limits(c.labels, labelCaps),
            progress: progress, given: c.positions)
        var result = coreset(
            from: selection, rows: c.rows, vectors: c.vectors, rowsBeneath: task.plannedRows, quality: c.quality, labels: c.labels)
        if sampleRows > 0 {
            // Drawn from the rows the chunk did not pick: every candidate above is a leaf pick, and a
            // candidate that is also a target covers itself perfectly, weighted by rows/sample —
            // a bonus that drew the merges towards whichever picks happened to be sampled (Fashion-MNIST,
            // α = 8: gap closed 0.74 with such self-matches). Its own stream: the sample must not depend
            // on how many numbers the greedy drew.
            let picked = Set(selection.picks + c.positions)
            let others = rows.indices.filter { !picked.contains($0) }
            var sampling = SeededRandom(seed: settings.seed, stream: .rowSample, 0, chunk)
            result.sample = sample(
                sampleRows, of: others.map { rows[$0] }, vectors: vectors.gather(others),
                picks: result.rows, pickVectors: result.vectors,
                standsFor: Double(rows.count), objective: settings.objective, random: &sampling)
        }
        return result
    }

    /// A merge node: greedy over the union of its children's picks, read in child order. It covers
    /// the union of the children's row samples when they carry them (`mergeSample`), otherwise the
    /// candidates themselves, each weighted by the rows it represents (`MergeMode.weighted`) or by 1
    /// (`.unweighted`). A non-root node whose candidates fit its budget passes them through
    /// unchanged: a greedy with a budget of every candidate would keep them all anyway.
    /// With `targets` (`--targets`) every node covers them instead, as every chunk did.
    public static func merge(
        children: [Coreset], budget: Int, isRoot: Bool, settings: SelectionSettings, node: MergeTree.Node,
        sampleRows: Int = 0, labelCaps: LabelCaps? = nil, progress: ProgressMeter? = nil, targets: VectorBlock? = nil,
        given: GivenRows? = nil
    ) -> Coreset {
        let dimension = children[0].vectors.dimension
        let rows = children.flatMap(\.rows)
        let quality = settings.qualityWeight != 0 ? children.flatMap { $0.quality ?? [] } : nil
        precondition(quality.map { $0.count == rows.count } ?? true, "merge \(node): a child came without its picks' quality scores")
        let labels = labelCaps != nil ? children.flatMap { $0.labels ?? [] } : nil
        precondition(labels.map { $0.count == rows.count } ?? true, "merge \(node): a child came without its picks' labels")
        let beneath = children.reduce(0) { $0 + $1.rowsBeneath }
        let covered =
            children.allSatisfy { $0.sample != nil }
            ? RowSample.union(children.compactMap(\.sample), dimension: dimension) : nil
        var result: Coreset
        if passesThrough(isRoot: isRoot, candidates: rows.count, budget: budget, labels: labels, caps: labelCaps) {
            result = union(of: children, rowsBeneath: beneath)
        } else {
            // Made only here: a node that passes its candidates through has its union make them once.
            let own = rows.count
            let c =
                given?.joined(
                    rows: rows, vectors: VectorBlock.concatenate(children.map(\.vectors), dimension: dimension),
                    weights: children.flatMap(\.weights), quality: quality, labels: labels)
                ?? GivenRows.Joined(
                    rows: rows, vectors: VectorBlock.concatenate(children.map(\.vectors), dimension: dimension),
                    weights: children.flatMap(\.weights), quality: quality, labels: labels, positions: [])
            let given = c.positions, weights = c.weights ?? []
            let limits = Self.limits(c.labels, labelCaps)
            var random = SeededRandom(seed: settings.seed, stream: .task, node.level, node.index)
            var selection: GreedySelection
            if let targets {
                selection = greedy(
                    settings: settings, candidates: c.vectors, rows: c.rows, weights: nil, budget: budget, random: &random,
                    targets: targets, quality: c.quality, limits: limits, progress: progress, given: given)
            } else if let covered, covered.count > 0 {
                precondition(covered.carriesVectors, "merge \(node): the children's sample rows were not read from the pool")
                // The sample is drawn from rows the chunks did not pick, so the candidates cover
                // themselves too, each once (its own row, weight 1: no bonus from being sampled), and
                // the sample stands for the rest of the rows beneath. Without them a large sample
                // left a fifth of the pool uncovered at k = 5 % and lost to the weighted merge
                // (Fashion-MNIST; BENCHMARKS.md § Merges whose sample grows).
                let mass = covered.totalWeight, picks = Double(own)
                let scale = mass > picks ? (mass - picks) / mass : 1
                let targets = VectorBlock.concatenate([c.vectors, covered.vectors], dimension: dimension)
                // Rows chosen before are candidates but no targets of their own: they weigh 0.
                let targetWeights =
                    [Double](repeating: 1, count: own) + [Double](repeating: 0, count: c.rows.count - own) + covered.weights.map { $0 * scale }
                selection = greedy(
                    settings: coverSettings(settings, candidates: c.rows.count, targets: targets.rows),
                    candidates: c.vectors, rows: c.rows, weights: targetWeights,
                    budget: budget, random: &random, targets: targets, quality: c.quality, limits: limits,
                    progress: progress, given: given)
            } else {
                selection = greedy(
                    settings: settings, candidates: c.vectors, rows: c.rows,
                    weights: settings.merge == .weighted
                        ? weights : c.rows.count == own ? nil : [Double](repeating: 1, count: own) + [Double](repeating: 0, count: c.rows.count - own),
                    budget: budget, random: &random, quality: c.quality, limits: limits, progress: progress, given: given)
                if settings.merge == .unweighted {
                    // Report what each pick represents in pool rows even when the greedy ignored it.
                    selection.weights = reassign(weights, of: selection, settings: settings, vectors: c.vectors, rows: c.rows)
                }
            }
            result = coreset(from: selection, rows: c.rows, vectors: c.vectors, rowsBeneath: beneath, quality: c.quality, labels: c.labels)
        }
        if let covered, sampleRows > 0 {
            var sampling = SeededRandom(seed: settings.seed, stream: .rowSample, node.level, node.index)
            result.sample = covered.subsample(sampleRows, random: &sampling)
        }
        return result
    }

    /// A chunk's sample of its unpicked rows, drawn by sensitivity to the chunk's picks
    /// (`RowSample.draw(_:of:vectors:sensitivity:standsFor:random:)`): a row's regret is its own
    /// similarity (1; the squared norm for the dot product) less its best similarity to a pick.
    /// Fashion-MNIST at k = 1 %: 0.925 of the gap closed against 0.916 drawn uniformly (mean of four
    /// seeds, better in each); MiniLM words: 0.841 against 0.840 (BENCHMARKS.md § Where the gap at 1 % goes).
    static func sample(
        _ count: Int, of rows: [Int64], vectors: VectorBlock, picks: [Int64], pickVectors: VectorBlock,
        standsFor total: Double, objective: Objective, random: inout SeededRandom
    ) -> RowSample {
        guard !picks.isEmpty, count < rows.count else {
            return RowSample.draw(count, of: rows, vectors: vectors, standsFor: total, random: &random)
        }
        let (best, nearest) = Evaluation.bestAndNearest(targets: vectors, selected: pickVectors, selectedRows: picks, objective: objective)
        let own: [Float] = objective.measure == .dot ? vectors.squaredNorms() : []
        let regret = best.indices.map { Double(max(0, (own.isEmpty ? 1 : own[$0]) - best[$0])) }
        return RowSample.draw(
            count, of: rows, vectors: vectors,
            sensitivity: RowSample.sensitivities(regret: regret, cluster: nearest, clusters: picks.count),
            standsFor: total, random: &random)
    }

    /// Every pick of `children`, in child order, with their gains, weights, scores and labels: what
    /// a node keeps when its candidates fit its budget, and what a node above `SelectionJob.topLevel` is.
    public static func union(of children: [Coreset], rowsBeneath: Int) -> Coreset {
        let dimension = children[0].vectors.dimension
        var result = Coreset(
            rows: children.flatMap(\.rows),
            vectors: VectorBlock.concatenate(children.map(\.vectors), dimension: dimension),
            gains: children.flatMap(\.gains), weights: children.flatMap(\.weights), rowsBeneath: rowsBeneath)
        // No picks, no scores or labels: nil, as the wire carries them.
        guard result.count > 0 else { return result }
        if children.allSatisfy({ $0.count == 0 || $0.quality != nil }) {
            result.quality = children.flatMap { $0.quality ?? [] }
        }
        if children.allSatisfy({ $0.count == 0 || $0.labels != nil }) {
            result.labels = children.flatMap { $0.labels ?? [] }
        }
        return result
    }

    /// One greedy run over a candidate set. Its targets are the candidates themselves unless
    /// `targets` are given (facility location only); `weights` are the targets'. With a quality term,
    /// `quality` holds the candidates' scores and each gain gains `qualityWeight × score`.
    public static func greedy(
        settings: SelectionSettings, candidates: VectorBlock, rows: [Int64], weights: [Double]?,
        budget: Int, random: inout SeededRandom, targets: VectorBlock? = nil, quality: [Float]? = nil,
        limits: GroupLimits? = nil, progress: ProgressMeter? = nil, given: [Int] = []
    ) -> GreedySelection {
        let bonus: [Double]? =
            settings.qualityWeight == 0
            ? nil
            : {
                guard let quality else { preconditionFailure("a quality term without the candidates' scores") }
                return quality.map { settings.qualityWeight * Double($0) }
            }()
        func run<O: GreedyObjective>(_ base: O, optimizer: Optimizer = settings.optimizer) -> GreedySelection {
            var objective = MeteredObjective(base: QualityTerm(base: base, bonus: bonus), meter: progress)
            return Greedy.select(
                &objective, budget: budget, optimizer: optimizer, tuning: settings.tuning, random: &random, limits: limits, given: given)
        }
        func kernel() -> PairwiseKernel {
            targets.map { PairwiseKernel(measure: settings.objective.measure, targets: $0, candidates: candidates) }
                ?? PairwiseKernel(measure: settings.objective.measure, targets: candidates)
        }
        switch settings.objective {
        case .facilityLocation where settings.neighbors > 0:
            return run(
                SparseFacilityLocation(
                    kernel: kernel(), candidateRows: rows, neighbors: settings.neighbors, targetWeights: weights,
                    threads: settings.tuning.threads))
        case .facilityLocation:
            return run(
                FacilityLocation(
                    kernel: kernel(), candidateRows: rows, targetWeights: weights, tuning: settings.tuning,
                    meter: progress))
        case .kCenter:
            precondition(targets == nil, "k-center covers its candidates")
            return KCenter.select(
                kernel: kernel(), rows: rows, budget: budget, represented: weights, limits: limits, progress: progress, given: given)
        case .logDeterminant(let ridge):
            precondition(targets == nil, "log-det selects among its candidates")
            return run(LogDeterminant(candidates: candidates, candidateRows: rows, ridge: ridge, represented: weights))
        case .coverageCentric:
            preconditionFailure("coverage-centric selection reads scores, not a tree of greedy tasks (CoverageSelection)")
        case .random:
            precondition(targets == nil, "random selects among its candidates")
            return run(RandomKeys(candidates: candidates, candidateRows: rows, seed: settings.seed, represented: weights), optimizer: .lazy)
        }
    }

    /// A merge's settings for covering `targets` sample rows: sparse facility location with
    /// `mergeNeighbors` when the block is too large to hold, unless the run asked for a K of its own.
    static func coverSettings(_ settings: SelectionSettings, candidates: Int, targets: Int) -> SelectionSettings {
        let held = FacilityLocation.holdsBlock(candidates: candidates, targets: targets, tuning: settings.tuning)
        guard settings.neighbors == 0, settings.mergeNeighbors > 0, !held else { return settings }
        var sparse = settings
        sparse.neighbors = settings.mergeNeighbors
        return sparse
    }

    private static func reassign(
        _ weights: [Double], of selection: GreedySelection, settings: SelectionSettings,
        vectors: VectorBlock, rows: [Int64]
    ) -> [Double] {
        Evaluation.shares(of: selection.picks, among: vectors, rows: rows, weights: weights, objective: settings.objective)
    }

    private static func coreset(
        from selection: GreedySelection, rows: [Int64], vectors: VectorBlock, rowsBeneath: Int,
        quality: [Float]?, labels: [Int64]?
    ) -> Coreset {
        var result = Coreset(
            rows: selection.picks.map { rows[$0] }, vectors: vectors.gather(selection.picks),
            gains: selection.gains, weights: selection.weights, rowsBeneath: rowsBeneath)
        // No picks, no scores or labels: nil, as the wire carries them.
        result.quality = selection.picks.isEmpty ? nil : quality.map { q in selection.picks.map { q[$0] } }
        result.labels = selection.picks.isEmpty ? nil : labels.map { l in selection.picks.map { l[$0] } }
        return result
    }

    /// Whether a merge node keeps its candidates as they are: not the root, they fit its budget and
    /// keep to its caps — a greedy allowed every candidate would keep them all anyway.
    public static func passesThrough(isRoot: Bool, candidates: Int, budget: Int, labels: [Int64]?, caps: LabelCaps?) -> Bool {
        !isRoot && candidates <= budget && (caps.map { $0.admits(labels ?? []) } ?? true)
    }

    private static func limits(_ labels: [Int64]?, _ caps: LabelCaps?) -> GroupLimits? {
        guard let caps else { return nil }
        guard let labels else { preconditionFailure("label caps without the candidates' labels") }
        return GroupLimits(labels: labels, caps: caps)
    }
}
