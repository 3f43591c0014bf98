import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// `--objective sensitivity`: rows drawn by their sensitivity to the pool's k-means clustering
/// (`SensitivitySampling`), each with its importance weight. The k-means runs where the command says
/// (workers, or this process); the draw needs only each row's squared distance to its centroid, so it
/// runs in this process in one pass over the pool, which also gathers the report's statistics.
public enum SensitivitySelection {
    /// Rows read at a time.
    static let blockRows = 65_536

    public static func run(
        pool: Pool, options: RunOptions, clustering: ClusteringOutcome, monitor: RunMonitor? = nil, log: Logger
    ) throws -> (outcome: SelectionOutcome, draws: Double) {
        var phases = PhaseClock()
        let n = pool.totalRows, d = pool.dimension
        let job = SelectionJob(totalRows: n, dimension: d, settings: options.settings)
        let centroids = clustering.centroids, assigned = clustering.assignments
        precondition(assigned.count == n, "SensitivitySelection: one cluster per pool row")
        // One pass: the statistics, and each row's squared distance to its centroid (exact
        // differences in Double, as the k-means's inertia is summed).
        var pass = PoolPass(steps: (n + blockRows - 1) / blockRows, pool: pool, options: options, monitor: monitor)
        var statistics = EmbeddingStatistics(dimension: d)
        var cost = [Double](repeating: 0, count: n)
        for first in stride(from: 0, to: n, by: blockRows) {
            // After a k-means on workers the stop handlers are installed: a signal must end the pass.
            try StopSignals.throwIfPending()
            let range = first..<min(n, first + blockRows)
            let vectors = pool.read([range])
            statistics.merge(EmbeddingStatistics.of(vectors))
            for i in 0..<range.count {
                let a = Int(assigned[first + i])
                guard a >= 0 else { continue }  // left out by the k-means (NaN/Inf under --nonfinite skip)
                cost[first + i] = vectors.squaredDistance(i, to: centroids, row: a)
            }
            pass.finished(rows: range.count)
        }
        pass.end(.finished)
        phases.lap("costs")
        let skipped = clustering.skippedRows
        let rows: [Int64] = (options.eligibleRows ?? Array(0..<n)).lazy.filter { assigned[$0] >= 0 }.map { Int64($0) }
        guard !rows.isEmpty else {
            throw InputError(.emptyPool, path: pool.files[0].path, "no row left to select (all excluded or left out)")
        }
        let clusterOfRow = rows.map { assigned[Int($0)] }
        let probability = SensitivitySampling.probabilities(cost: rows.map { cost[Int($0)] }, cluster: clusterOfRow)
        let drawn = SensitivitySampling.draw(options.settings.budget, rows: rows, probability: probability, seed: options.settings.seed)
        let picked = drawn.picks.map { rows[$0] }
        log.info(
            "sensitivity sampling",
            metadata: [
                "clusters": "\(clustering.sizes.filter { $0 > 0 }.count)", "selected": "\(picked.count)",
                "draws": "\(String(format: "%.1f", drawn.draws))",
            ])
        // A pick's gain is its chance in one draw, in units of the uniform chance 1 / rows.
        let selection = Coreset(
            rows: picked, vectors: pool.read(rows: picked.map { Int($0) }),
            gains: drawn.picks.map { probability[$0] * Double(rows.count) }, weights: SensitivitySampling.calibrated(drawn, cluster: clusterOfRow),
            rowsBeneath: rows.count)
        phases.lap("draw")
        var evaluation: EvaluationResult?
        if let sample = options.evalSample {
            evaluation = LocalSelection.evaluate(
                pool: pool, selection: selection, sample: sample, eligible: options.eligibleRows, skipped: Set(skipped),
                settings: options.settings)
            phases.lap("evaluate")
        }
        var outcome = SelectionOutcome(
            selection: selection, statistics: statistics, plan: .init(job), skippedRows: skipped,
            evaluation: evaluation, phases: phases.laps, settings: options.settings)
        outcome.weightKind = .importance
        return (outcome, drawn.draws)
    }
}
