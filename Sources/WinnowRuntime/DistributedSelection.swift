import Logging
import WinnowCluster
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
    ///   - bind: e.g. `tcp://*:7700`; `tcp://127.0.0.1:*` picks a free port.
    ///   - listening: called once the socket is bound, before serving (start local workers here).
    ///   - watchdog: asked while serving; a failure it returns ends the run (local workers all gone).
    public static func run(
        pool: Pool, options: RunOptions, bind: String, cluster: ClusterSettings, stop: StopSignals?, log: Logger,
        watchdog: () -> RunFailure? = { nil }, listening: (Endpoint) throws -> Void
    ) throws -> SelectionOutcome {
        var settings = options.settings
        var phases: [(String, Double)] = []
        let clock = ContinuousClock()
        var mark = clock.now
        func lap(_ name: String) {
            phases.append((name, (clock.now - mark).seconds))
            mark = clock.now
        }
        let job0 = SelectionJob(totalRows: pool.totalRows, dimension: pool.dimension, settings: settings, exact: options.exact)
        lap("plan")
        if options.rbfGammaFromData, case .facilityLocation(.rbf) = settings.objective {
            // One pass on the coordinator; a statistics phase on the workers would spare it (issue 6).
            settings.objective = .facilityLocation(.rbf(gamma: LocalSelection.rbfGamma(pool: pool, plan: job0.plan)))
            lap("statistics")
        }
        let job = SelectionJob(totalRows: pool.totalRows, dimension: pool.dimension, settings: settings, exact: options.exact)
        let config = RunConfig(pool: pool, settings: settings, skipNonfinite: options.nonfinite == .skip)
        let server = try CoordinatorServer(job: job, config: config, bind: bind, cluster: cluster, log: log)
        try listening(Endpoint(address: server.endpoint, configHash: server.configHash))
        let (outcome, report) = try server.run(stop: stop, watchdog: watchdog)
        lap("select")
        guard outcome.selection.count > 0 else {
            throw InputError(.emptyPool, path: pool.files[0].path, "every row was excluded (non-finite); nothing to select")
        }
        var evaluation: EvaluationResult?
        if let sample = options.evalSample {
            evaluation = LocalSelection.evaluate(pool: pool, selection: outcome.selection, sample: sample,
                                                 skipped: Set(outcome.skippedRows), settings: settings)
            lap("evaluate")
        }
        var result = SelectionOutcome(selection: outcome.selection, statistics: outcome.statistics, plan: .init(job),
                                      skippedRows: outcome.skippedRows, evaluation: evaluation, phases: phases, settings: settings)
        result.cluster = report
        return result
    }
}
