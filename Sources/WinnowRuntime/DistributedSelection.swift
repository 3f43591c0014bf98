import Foundation
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
    ///   - journal: the journal's path (in `--out`): accepted results are written there, and a
    ///     restarted coordinator with the same configuration reuses them.
    ///   - monitor: shows the run's progress (line and metrics).
    ///   - watchdog: asked while serving; a failure it returns ends the run (local workers all gone).
    public static func run(
        pool: Pool, options: RunOptions, bind: String, security: TransportSecurity = .plain, cluster: ClusterSettings,
        journal: String?, stop: StopSignals?, monitor: RunMonitor? = nil, log: Logger, watchdog: () -> RunFailure? = { nil }, listening: (Endpoint) throws -> Void
    ) throws -> SelectionOutcome {
        var phases: [(String, Double)] = []
        let clock = ContinuousClock()
        var mark = clock.now
        func lap(_ name: String) {
            phases.append((name, (clock.now - mark).seconds))
            mark = clock.now
        }
        let labels = try options.labelColumn(rows: pool.totalRows)
        var job = SelectionJob(totalRows: pool.totalRows, dimension: pool.dimension, settings: options.settings, exact: options.exact,
                               labels: labels?.all(), clusters: options.partitionClusters)
        log.info("plan", metadata: job.planMetadata)
        lap("plan")
        // One pass on the coordinator; a statistics phase on the workers would spare it (issue 6).
        if let derived = LocalSelection.derivingRBFGamma(job, pool: pool, options: options, log: log) {
            job = derived
            lap("statistics")
        }
        let settings = job.settings
        let config = RunConfig(pool: pool, settings: settings, skipNonfinite: options.nonfinite == .skip,
                               quality: try options.qualityColumn(rows: pool.totalRows), labels: labels)
        let files = JournalFiles(path: journal)
        try files.prepare()
        let server: CoordinatorServer<SelectionBook>
        do {
            server = try CoordinatorServer(book: SelectionBook(job: job), config: config, bind: bind, cluster: cluster, journalPath: journal,
                                         security: security, log: log)
        } catch let mismatch as Journal.Mismatch {
            // Another run's journal: not ours to touch.
            throw RunFailure(status: 69, mismatch.description)
        }
        let outcome: ClusterOutcome, report: ClusterReport
        do {
            try listening(Endpoint(address: server.endpoint, configHash: server.configHash))
            (outcome, report) = try server.run(stop: stop, monitor: monitor, watchdog: watchdog)
        } catch let failure as RunFailure where failure.isInterruption {
            // Interrupted: the journal stays, so the same command resumes where this one stopped.
            log.notice("the journal is kept for resuming", metadata: ["journal": "\(journal ?? "")"])
            throw failure
        } catch {
            files.discard()
            throw error
        }
        files.discard()
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
        result.labelCaps = job.labels?.root
        return result
    }
}

/// The journal's place in `--out`. It exists only while a run is unfinished: a finished run's outputs
/// replace it, and a run that failed for good (bad data, another configuration) leaves nothing, not
/// even the folder if the run made it.
struct JournalFiles {
    let path: String?
    private let madeFolder: Bool

    init(path: String?) {
        self.path = path
        let folder = path.map { ($0 as NSString).deletingLastPathComponent }
        madeFolder = folder.map { !FileManager.default.fileExists(atPath: $0) } ?? false
    }

    func prepare() throws {
        guard let path else { return }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    }

    func discard() {
        guard let path else { return }
        try? FileManager.default.removeItem(atPath: path)
        let folder = (path as NSString).deletingLastPathComponent
        if madeFolder, (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
