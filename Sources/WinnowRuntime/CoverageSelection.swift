import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// `--objective coverage-centric`: a selection by difficulty scores (`CoverageCentric`), not by a
/// greedy over vectors, so it runs in this process whatever `--workers` says. The pool is still read
/// once, chunk by chunk, for the report's statistics and to find rows with NaN/Inf (refused or left
/// out, as for every objective); the quality block scores the picks like any other selection.
public enum CoverageSelection {
    public static func run(pool: Pool, options: RunOptions, monitor: RunMonitor? = nil, log: Logger) throws(InputError) -> SelectionOutcome {
        guard case .coverageCentric(let beta, let strata) = options.settings.objective else {
            preconditionFailure("CoverageSelection runs coverage-centric selections only")
        }
        guard let scorePath = options.scorePath else {
            throw InputError(.unreadable, path: "", "coverage-centric selection needs --score FILE (one float32 difficulty per row)")
        }
        var phases = PhaseClock()
        let n = pool.totalRows
        let job = SelectionJob(totalRows: n, dimension: pool.dimension, settings: options.settings)
        let scoresColumn = try QualityColumn.open(scorePath, rows: n, what: "--score")
        phases.lap("plan")
        // One pass for the statistics and the rows to leave out; progress as for the chunk phase.
        var pass = PoolPass(steps: job.chunkCount, pool: pool, options: options, monitor: monitor)
        var statistics = EmbeddingStatistics(dimension: pool.dimension)
        var skipped: [Int64] = []
        for c in 0..<job.chunkCount {
            let task = job.chunkTask(c)
            let vectors = pool.read(task.ranges)
            statistics.merge(EmbeddingStatistics.of(vectors))
            let bad = Pool.nonfiniteRows(vectors, rows: task.rows)
            if !bad.isEmpty {
                guard options.nonfinite == .skip else {
                    pass.end(.failed)
                    throw pool.nonfiniteError(row: bad[0], count: bad.count)
                }
                skipped += bad
            }
            pass.finished(rows: task.plannedRows)
        }
        pass.end(.finished)
        phases.lap("statistics")
        let excluded = Set(skipped)
        let rows = (0..<Int64(n)).filter { !excluded.contains($0) }
        let scores = try scoresColumn.values(of: rows)
        let (picks, weights) = CoverageCentric.select(
            scores: scores, rows: rows, budget: options.settings.budget,
            pruneHard: beta, strata: strata, seed: options.settings.seed)
        let selected = picks.map { rows[$0] }
        log.info(
            "coverage-centric",
            metadata: [
                "pruned_hardest": "\(Int(Double(rows.count) * beta))", "strata": "\(strata)",
                "selected": "\(selected.count)",
            ])
        let selection = Coreset(
            rows: selected, vectors: pool.read(rows: selected.map { Int($0) }),
            gains: picks.map { Double(scores[$0]) }, weights: weights, rowsBeneath: n)
        phases.lap("select")
        guard selection.count > 0 else {
            throw InputError(.emptyPool, path: pool.files[0].path, "no row left to select (all excluded or pruned)")
        }
        var evaluation: EvaluationResult?
        if let sample = options.evalSample {
            evaluation = LocalSelection.evaluate(pool: pool, selection: selection, sample: sample, skipped: excluded, settings: options.settings)
            phases.lap("evaluate")
        }
        return SelectionOutcome(
            selection: selection, statistics: statistics, plan: .init(job), skippedRows: skipped,
            evaluation: evaluation, phases: phases.laps, settings: options.settings)
    }
}
