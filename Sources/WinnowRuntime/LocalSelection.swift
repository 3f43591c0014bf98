import Logging
import WinnowCore
import WinnowIO

/// What a finished selection produced, before it is written out.
public struct SelectionOutcome: Sendable {
    public var selection: Coreset
    public var statistics: EmbeddingStatistics
    public var plan: PlanSummary
    /// Rows left out under `--nonfinite skip`.
    public var skippedRows: [Int64]
    public var evaluation: EvaluationResult?
    /// Seconds per phase, in the order they ran.
    public var phases: [(name: String, seconds: Double)]
    /// The settings the run actually used (γ filled in when derived from the data).
    public var settings: SelectionSettings

    public struct PlanSummary: Sendable, Codable {
        public var chunks: Int
        public var levels: [Int]
        public var minLeafBudget: Int
        public var maxLeafBudget: Int
        public var mergeTasks: Int
    }
}

public struct EvaluationResult: Sendable, Codable {
    /// "pool" or "sample".
    public var on: String
    public var rows: Int
    public var objective: Double
    /// The same objective for a seeded uniform random subset of the same size, on the same rows.
    public var randomObjective: Double
}

/// The chunked, hierarchical selection of design §2 in one process: plan, chunk tasks, merge tree,
/// evaluation. It runs the same pure task functions the workers run, so its result is the reference
/// the distributed runtime must match byte for byte.
public enum LocalSelection {
    public static func run(pool: Pool, options: RunOptions, log: Logger) throws(InputError) -> SelectionOutcome {
        var settings = options.settings
        var phases: [(String, Double)] = []
        let clock = ContinuousClock()
        var mark = clock.now
        func lap(_ name: String) {
            let now = clock.now
            let d = now - mark
            phases.append((name, d.seconds))
            mark = now
        }

        let n = pool.totalRows
        var planSettings = settings
        if options.exact {
            planSettings.partition = .contiguous
            planSettings.chunkRows = max(n, 2)
        }
        let plan = ChunkPlan(totalRows: n, settings: planSettings)
        let tree = MergeTree(leaves: plan.chunks.count, fanIn: settings.fanIn)
        let budgets = BudgetRule(k: settings.budget, oversample: options.exact ? 1 : settings.oversample, totalRows: n)
        let leafIsRoot = tree.levelSizes.count == 1
        let leafBudgets = (0 ..< plan.chunks.count).map { budgets.leafBudget(rows: plan.rowCount(ofChunk: $0), isRoot: leafIsRoot) }
        log.info("plan", metadata: [
            "rows": "\(n)", "d": "\(pool.dimension)", "chunks": "\(plan.chunks.count)",
            "levels": "\(tree.levelSizes)", "k": "\(settings.budget)",
        ])
        lap("plan")

        if options.rbfGammaFromData, case .facilityLocation(.rbf) = settings.objective {
            var stats = EmbeddingStatistics(dimension: pool.dimension)
            for c in plan.chunks.indices { stats.add(pool.read(plan.chunks[c])) }
            let gamma = 1 / max(2 * stats.totalVariance, .leastNormalMagnitude)
            settings.objective = .facilityLocation(.rbf(gamma: gamma))
            log.info("rbf bandwidth from the data", metadata: ["gamma": "\(gamma)"])
            lap("statistics")
        }

        var statistics = EmbeddingStatistics(dimension: pool.dimension)
        var skipped: [Int64] = []
        var done: [MergeTree.Node: Coreset] = [:]
        var mergeTasks = 0
        for c in plan.chunks.indices {
            var rows = plan.rows(ofChunk: c)
            var vectors = pool.read(plan.chunks[c])
            statistics.merge(EmbeddingStatistics.of(vectors))
            let bad = Pool.nonfiniteRows(vectors, rows: rows)
            if !bad.isEmpty {
                if options.nonfinite == .fail { throw pool.nonfiniteError(row: bad[0], count: bad.count) }
                skipped += bad
                let badSet = Set(bad)
                let keep = rows.indices.filter { !badSet.contains(rows[$0]) }
                rows = keep.map { rows[$0] }
                vectors = vectors.gather(keep)
            }
            let node = MergeTree.Node(level: 0, index: c)
            done[node] = rows.isEmpty
                ? Coreset.empty(dimension: pool.dimension, rowsBeneath: plan.rowCount(ofChunk: c))
                : SelectionTasks.chunk(rows: rows, vectors: vectors, plannedRows: plan.rowCount(ofChunk: c),
                                       budget: leafBudgets[c], settings: settings, chunk: c)
            // Merge eagerly, as soon as a node's last child is in, so only one path of the tree is held.
            var current = node
            while let parent = tree.parent(of: current), tree.children(of: parent).last == current {
                let children = tree.children(of: parent).map { done.removeValue(forKey: $0)! }
                let beneath = children.reduce(0) { $0 + $1.rowsBeneath }
                let live = children.filter { $0.count > 0 }
                let budget = budgets.mergeBudget(rows: beneath, candidates: live.reduce(0) { $0 + $1.count },
                                                 isRoot: parent == tree.root)
                done[parent] = live.isEmpty
                    ? Coreset.empty(dimension: pool.dimension, rowsBeneath: beneath)
                    : SelectionTasks.merge(children: live, budget: budget, isRoot: parent == tree.root, settings: settings, node: parent)
                if live.count < children.count { done[parent]!.rowsBeneath = beneath }
                mergeTasks += 1
                current = parent
            }
            if (c + 1) % max(1, plan.chunks.count / 10) == 0 || c + 1 == plan.chunks.count {
                log.info("progress", metadata: ["chunks": "\(c + 1)/\(plan.chunks.count)"])
            }
        }
        lap("select")
        let selection = done[tree.root]!
        guard selection.count > 0 else {
            throw InputError(.emptyPool, path: pool.files[0].path, "every row was excluded (non-finite); nothing to select")
        }

        var evaluation: EvaluationResult?
        if let sample = options.evalSample {
            evaluation = evaluate(pool: pool, selection: selection, sample: sample, skipped: Set(skipped), settings: settings)
            lap("evaluate")
        }
        let summary = SelectionOutcome.PlanSummary(
            chunks: plan.chunks.count, levels: tree.levelSizes,
            minLeafBudget: leafBudgets.min() ?? 0, maxLeafBudget: leafBudgets.max() ?? 0, mergeTasks: mergeTasks)
        return SelectionOutcome(selection: selection, statistics: statistics, plan: summary, skippedRows: skipped,
                                evaluation: evaluation, phases: phases, settings: settings)
    }

    /// The objective on the whole pool (or a seeded sample of it), beside a seeded random subset.
    static func evaluate(pool: Pool, selection: Coreset, sample: Int, skipped: Set<Int64>, settings: SelectionSettings) -> EvaluationResult {
        let n = pool.totalRows
        let whole = sample <= 0 || n <= sample
        var evalRandom = SeededRandom(seed: settings.seed, stream: .evaluation)
        let rows = (whole ? Array(0 ..< n) : evalRandom.sample(sample, of: n)).filter { !skipped.contains(Int64($0)) }
        let targets = pool.read(rows: rows)
        var baseRandom = SeededRandom(seed: settings.seed, stream: .baseline)
        let randomRows: [Int]
        if skipped.isEmpty {
            randomRows = baseRandom.sample(selection.count, of: n)
        } else {
            let eligible = (0 ..< n).filter { !skipped.contains(Int64($0)) }
            randomRows = baseRandom.sample(selection.count, of: eligible.count).map { eligible[$0] }
        }
        let objective = Evaluation.objective(targets: targets, selected: selection.vectors, objective: settings.objective)
        let randomObjective = Evaluation.objective(targets: targets, selected: pool.read(rows: randomRows), objective: settings.objective)
        return EvaluationResult(on: whole ? "pool" : "sample", rows: rows.count, objective: objective, randomObjective: randomObjective)
    }
}
