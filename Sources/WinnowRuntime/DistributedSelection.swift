import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// The selection of `LocalSelection`, run by a coordinator that leases chunk and merge tasks to
/// worker processes over ZeroMQ. The plan, tree and budgets come from the same `SelectionJob`, and
/// workers run the same task functions, so the result is byte-identical to the single-process run.
public enum DistributedSelection {
    public struct Endpoint: Sendable {
        /// What workers connect to (the bound address, a wildcard port resolved).
        public var address: String
        /// The run configuration's hash, for `winnow worker --expect-config`.
        public var configHash: [UInt8]
    }

    /// - Parameters:
    ///   - serving: where and how the coordinator serves (`ServeContext`); `followsRun` when the
    ///     command's k-means sent its workers here (`winnow coordinator`).
    ///   - monitor: shows the run's progress (line and metrics).
    public static func run(pool: Pool, options: RunOptions, serving: ServeContext, monitor: RunMonitor? = nil, log: Logger) throws -> SelectionOutcome {
        var phases = PhaseClock()
        let labels = try options.labelColumn(rows: pool.totalRows)
        let planned = options.plannedLabels(labels, pool: pool)
        var job = SelectionJob(
            totalRows: pool.totalRows, dimension: pool.dimension, settings: options.settings, exact: options.exact,
            labels: planned?.labels, labelLeftOut: planned?.leftOut, clusters: options.partitionClusters,
            eligible: options.eligibleRows)
        log.info("plan", metadata: job.planMetadata)
        phases.lap("plan")
        // One pass on the coordinator; a statistics phase on the workers would spare it.
        if let derived = LocalSelection.derivingRBFGamma(job, pool: pool, options: options, log: log) {
            job = derived
            phases.lap("statistics")
        }
        let settings = job.settings
        let config = RunConfig(
            pool: pool, settings: settings, skipNonfinite: options.nonfinite == .skip,
            quality: try options.qualityColumn(rows: pool.totalRows), labels: labels, eligibleRows: options.eligibleRows,
            givenRows: options.givenRows, targets: options.targetsPath)
        var (outcome, report) = try JournaledServer.run(
            book: SelectionBook(job: job), config: config, serving: serving,
            derivedInputs: Set(options.clusterBalance.map { [$0.assignments] } ?? []), monitor: monitor, log: log)
        // A partitioned top's picks come without vectors (the coordinator did not hold them).
        outcome.selection = outcome.selection.withVectors { pool.read(rows: $0.map { Int($0) }) }
        phases.lap("select")
        guard outcome.selection.count > 0 else {
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
            evaluation = LocalSelection.evaluate(
                pool: pool, selection: outcome.selection, sample: sample, eligible: options.eligibleRows,
                skipped: Set(outcome.skippedRows), settings: settings,
                targets: try options.targetsPath.map { path throws(InputError) in try TargetVectors.load(path, dimension: pool.dimension) })
            phases.lap("evaluate")
        }
        var result = SelectionOutcome(
            selection: outcome.selection, statistics: outcome.statistics, plan: .init(job),
            skippedRows: outcome.skippedRows, evaluation: evaluation, phases: phases.laps, settings: settings)
        result.cluster = report
        result.labelCaps = job.labels?.root
        return result
    }
}
