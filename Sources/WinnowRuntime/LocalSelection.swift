import Foundation
import Logging
import Synchronization
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative

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
    /// Workers, counters and wire traffic, when the run was distributed.
    public var cluster: CoordinationReport?
    /// With label budgets: the root's caps.
    public var labelCaps: LabelCaps?
    /// What `selection.weights` are: the pipeline's estimate from the samples the merges saw, every
    /// row counted for its nearest pick (`ExactWeights`), or a sample's importance weights.
    public var weightKind = WeightKind.estimate

    /// What a pick's weight counts; each is named in selection.csv and report.json.
    public enum WeightKind: String, Sendable {
        case estimate, exact, importance

        /// selection.csv's last column.
        var column: String {
            switch self {
            case .estimate: "weight_estimate"
            case .exact: "weight"
            case .importance: "importance_weight"
            }
        }
    }

    public init(
        selection: Coreset, statistics: EmbeddingStatistics, plan: PlanSummary, skippedRows: [Int64],
        evaluation: EvaluationResult?, phases: [(name: String, seconds: Double)], settings: SelectionSettings
    ) {
        self.selection = selection
        self.statistics = statistics
        self.plan = plan
        self.skippedRows = skippedRows
        self.evaluation = evaluation
        self.phases = phases
        self.settings = settings
    }

    public struct PlanSummary: Sendable, Codable {
        public var chunks: Int
        public var levels: [Int]
        public var minLeafBudget: Int
        public var maxLeafBudget: Int
        public var mergeTasks: Int
        /// The level whose nodes pick the selection (`SelectionJob.topLevel`): the root's unless k
        /// is above `--max-merge-picks`, and then the selection is the union of `topNodes` picks.
        public var topLevel: Int
        public var topNodes: Int

        public init(_ job: SelectionJob) {
            chunks = job.chunkCount
            levels = job.tree.levelSizes
            minLeafBudget = job.leafBudgets.min() ?? 0
            maxLeafBudget = job.leafBudgets.max() ?? 0
            mergeTasks = job.tree.mergeNodes.filter { $0.level <= job.topLevel }.count
            topLevel = job.topLevel
            topNodes = job.tree.levelSizes[job.topLevel]
        }
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
    static let kernelCaveat =
        "this BLAS kernel sums a dot product in an order that depends on the product's shape: --exact's picks are "
        + "the naive greedy's up to rounding, and near-ties (within about 1e-7) may fall another way with another thread count"

    public static func run(pool: Pool, options: RunOptions, monitor: RunMonitor? = nil, log: Logger) throws(InputError) -> SelectionOutcome {
        var phases = PhaseClock()
        let clock = ContinuousClock()

        let n = pool.totalRows
        let labels = try options.labelColumn(rows: n)
        let planned = options.plannedLabels(labels, pool: pool)
        var job = SelectionJob(
            totalRows: n, dimension: pool.dimension, settings: options.settings, exact: options.exact,
            labels: planned?.labels, labelLeftOut: planned?.leftOut, clusters: options.partitionClusters,
            eligible: options.eligibleRows)
        log.info("plan", metadata: job.planMetadata)
        if options.exact && !BLAS.sumsInOneOrder {
            log.notice(
                "\(Self.kernelCaveat)",
                metadata: ["blas": "\(BLAS.kernel)", "values_off_in_probe": "\(BLAS.shapeMismatches)"])
        }
        phases.lap("plan")
        if let derived = derivingRBFGamma(job, pool: pool, options: options, log: log) {
            job = derived
            phases.lap("statistics")
        }
        let settings = job.settings

        var statistics = EmbeddingStatistics(dimension: pool.dimension)
        var skipped: [Int64] = []
        var done: [MergeTree.Node: Coreset] = [:]
        var progress = LevelProgress(levelSizes: job.tree.levelSizes, totalRows: n)
        let start = clock.now
        // The run id a coordinator would give the same configuration.
        let quality = try options.qualityColumn(rows: n)
        let given =
            options.givenRows.isEmpty ? nil : GivenRows(rows: options.givenRows, vectors: pool.read(rows: options.givenRows.map { Int($0) }))
        let targets = try options.targetsPath.map { path throws(InputError) in try TargetVectors.load(path, dimension: pool.dimension) }
        let runID = RunConfig(
            pool: pool, settings: settings, skipNonfinite: options.nonfinite == .skip, quality: quality, labels: labels,
            eligibleRows: options.eligibleRows, givenRows: options.givenRows, targets: options.targetsPath
        ).hash.prefix(8).hexString
        func status(_ state: RunStatus.State = .running) -> RunStatus {
            var s = progress.status(runID: runID, state: state, now: clock.now - start, tasksRunning: 0, workersAlive: 0)
            s.inProcess = true
            return s
        }
        // A level of one task is watched while it runs (`TaskWatch`); its status is the level's as it
        // was when the task began, with the task's own picks and pass.
        func watching(level: Int) -> (monitor: RunMonitor?, status: @Sendable (TaskProgress) -> RunStatus) {
            let snapshot = progress, begun = start
            return (
                job.tree.levelSizes[level] == 1 ? monitor : nil,
                { task in
                    var s = snapshot.status(runID: runID, state: .running, now: clock.now - begun, tasksRunning: 1, workersAlive: 0)
                    s.inProcess = true
                    s.task = task
                    return s
                }
            )
        }
        for c in 0..<job.chunkCount {
            let output: ChunkRunner.Output
            progress.began(level: 0, at: clock.now - start)
            do {
                let task = job.chunkTask(c), meter = ProgressMeter(), watch = watching(level: 0)
                output = try TaskWatch.run(monitor: watch.monitor, meter: meter, budget: task.budget, status: watch.status) { () throws(InputError) in
                    try ChunkRunner.run(
                        task, pool: pool, quality: quality, labels: labels, settings: settings,
                        skipNonfinite: options.nonfinite == .skip, progress: meter, given: given, targets: targets)
                }
            } catch {
                monitor?.finish(status(.failed))
                throw error
            }
            statistics.merge(output.statistics)
            skipped += output.skipped
            // Merge eagerly, as soon as a node's last child is in, so only one path of the tree is held.
            var current = MergeTree.Node(level: 0, index: c)
            var result = output.coreset
            progress.finished(level: 0, rows: result.rowsBeneath)
            while let parent = job.tree.parent(of: current), job.tree.children(of: parent).last == current {
                let children = job.tree.children(of: parent).dropLast().map { done.removeValue(forKey: $0)! } + [result]
                progress.began(level: parent.level, at: clock.now - start)
                switch job.mergeStep(parent, children: children) {
                case .done(let c): result = c
                case .greedy(let task):
                    let meter = ProgressMeter(), watch = watching(level: parent.level)
                    result = TaskWatch.run(monitor: watch.monitor, meter: meter, budget: task.budget, status: watch.status) {
                        task.run(settings: task.settingsHere(settings), progress: meter, targets: targets, given: given)
                    }
                }
                current = parent
                progress.finished(level: current.level, rows: result.rowsBeneath)
            }
            done[current] = result
            monitor?.observe { status() }
        }
        monitor?.finish(status(.finished))
        phases.lap("select")
        let selection = done[job.tree.root]!
        guard selection.count > 0 else {
            throw InputError(.emptyPool, path: pool.files[0].path, "every row was excluded (non-finite); nothing to select")
        }

        var evaluation: EvaluationResult?
        if let sample = options.evalSample {
            log.info(
                "evaluating the objective against a random subset (--no-eval skips it)",
                metadata: [
                    "rows":
                        "\(options.targetsPath != nil ? "the targets" : "\(min(sample > 0 ? sample : .max, options.eligibleRows?.count ?? pool.totalRows))")"
                ])
            evaluation = evaluate(
                pool: pool, selection: selection, sample: sample, eligible: options.eligibleRows, skipped: Set(skipped), settings: settings,
                targets: targets)
            phases.lap("evaluate")
        }
        var outcome = SelectionOutcome(
            selection: selection, statistics: statistics, plan: .init(job), skippedRows: skipped,
            evaluation: evaluation, phases: phases.laps, settings: settings)
        outcome.labelCaps = job.labels?.root
        return outcome
    }

    /// With `--similarity rbf` and no `--rbf-gamma`: the same job with γ = 1 / (2 · total variance),
    /// the bandwidth that makes a typical pair's similarity e^(−1), from one statistics pass in plan
    /// order. nil when γ was given. The plan does not depend on γ, so it is the same plan.
    static func derivingRBFGamma(_ job: SelectionJob, pool: Pool, options: RunOptions, log: Logger) -> SelectionJob? {
        guard options.rbfGammaFromData, case .facilityLocation(.rbf) = job.settings.objective else { return nil }
        var stats = EmbeddingStatistics(dimension: pool.dimension)
        for c in job.plan.chunks.indices { stats.add(pool.read(job.plan.chunks[c])) }
        let derived = job.replacingObjective(.facilityLocation(.rbf(gamma: 1 / max(2 * stats.totalVariance, .leastNormalMagnitude))))
        log.info("rbf bandwidth from the data", metadata: ["gamma": "\(derived.settings.objective.measure.name)"])
        return derived
    }

    /// The objective on the whole pool (or a seeded sample of it), beside a seeded random subset.
    /// Log-det's value belongs to the selected rows alone (`on: "selection"`); it is computed up to
    /// `Default.logDetEvaluationLimit` rows (a Cholesky of k × k), else not at all (nil).
    /// - Parameter eligible: the rows the selection was made among (`--rows`, `--exclude`; nil: all):
    ///   the objective is measured on them, as on a pool copied from them.
    /// With `targets` (`--targets`) facility location is measured on them instead, whole.
    static func evaluate(
        pool: Pool, selection: Coreset, sample: Int, eligible: [Int]? = nil, skipped: Set<Int64>, settings: SelectionSettings,
        targets: VectorBlock? = nil
    ) -> EvaluationResult? {
        let n = eligible?.count ?? pool.totalRows
        let global: (Int) -> Int = { eligible?[$0] ?? $0 }
        var baseRandom = SeededRandom(seed: settings.seed, stream: .baseline)
        let randomRows: [Int]
        if skipped.isEmpty {
            randomRows = baseRandom.sample(selection.count, of: n).map(global)
        } else {
            let unskipped = (0..<n).map(global).filter { !skipped.contains(Int64($0)) }
            randomRows = baseRandom.sample(selection.count, of: unskipped.count).map { unskipped[$0] }
        }
        if case .logDeterminant(let ridge) = settings.objective {
            guard selection.count <= Default.logDetEvaluationLimit else { return nil }
            return EvaluationResult(
                on: "selection", rows: selection.count,
                objective: LogDeterminant.value(of: selection.vectors, ridge: ridge),
                randomObjective: LogDeterminant.value(of: pool.read(rows: randomRows), ridge: ridge))
        }
        if let targets {
            let random = pool.read(rows: randomRows)
            return EvaluationResult(
                on: "targets", rows: targets.rows,
                objective: Evaluation.objective(
                    targets: targets, selected: PreparedRows(selection.vectors, for: settings.objective.measure), objective: settings.objective),
                randomObjective: Evaluation.objective(
                    targets: targets, selected: PreparedRows(random, for: settings.objective.measure), objective: settings.objective))
        }
        let whole = sample <= 0 || n <= sample
        var evalRandom = SeededRandom(seed: settings.seed, stream: .evaluation)
        let rows = (whole ? Array(0..<n) : evalRandom.sample(sample, of: n)).map(global).filter { !skipped.contains(Int64($0)) }
        // Each side on a pass of its own over the targets, read a block at a time: with k = 100,000
        // the selection and the random subset are 154 MB each (d = 384) and so is each one's unit
        // copy, so holding one side's pair at a time, and 100,000 targets never whole, is what keeps
        // the 10M run's coordinator under 1 GiB.
        let objective = score(selection.vectors, on: rows, of: pool, objective: settings.objective)
        let randomObjective = score(pool.read(rows: randomRows), on: rows, of: pool, objective: settings.objective)
        return EvaluationResult(on: whole ? "pool" : "sample", rows: rows.count, objective: objective, randomObjective: randomObjective)
    }

    /// The objective of `selected` over the target `rows`, `Default.evaluationBlockRows` at a time on
    /// every core: the workers are done when this runs, and each block's value is added in block
    /// order whatever thread scored it, so the sum is the same as one thread's.
    static func score(_ selected: VectorBlock, on rows: [Int], of pool: Pool, objective: Objective) -> Double {
        let prepared = PreparedRows(selected, for: objective.measure)
        let starts = Array(stride(from: 0, to: rows.count, by: Default.evaluationBlockRows))
        let parts = Mutex([Double?](repeating: nil, count: starts.count))
        DispatchQueue.concurrentPerform(iterations: starts.count) { b in
            let block = rows[starts[b]..<min(rows.count, starts[b] + Default.evaluationBlockRows)]
            let value = Evaluation.objective(targets: pool.read(rows: Array(block)), selected: prepared, objective: objective)
            parts.withLock { $0[b] = value }
        }
        var total: Double?
        for part in parts.withLock({ $0 }) {
            guard let part else { continue }
            total = total.map { Evaluation.combine($0, part, objective: objective) } ?? part
        }
        return total ?? 0
    }

    public enum Default {
        /// Log-det is evaluated (a k × k Cholesky, twice) for selections up to this size.
        public static let logDetEvaluationLimit = 4096
        /// Target rows the evaluation reads and scores at a time.
        public static let evaluationBlockRows = 16_384
    }
}
