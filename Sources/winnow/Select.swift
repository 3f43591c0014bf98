import ArgumentParser
import Foundation
import WinnowCluster
import WinnowCore
import WinnowNative
import WinnowRuntime

/// `winnow select`: the embedded default — a coordinator in this process and `--workers` local
/// worker processes of this binary over loopback ZeroMQ; `--workers 0` runs everything in this
/// process without sockets (the reference the distributed run matches byte for byte).
struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Select a diverse, representative subset of a pool.",
        discussion: "Writes DIR/selection.npy (int64 global rows, greedy order), DIR/selection.csv and DIR/report.json.")

    @OptionGroup var selection: SelectionOptions

    @Option(parsing: .unconditional, help: "Local worker processes (0: select in this process, no sockets). Default: one per core.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Tasks each local worker runs at once.")
    var slots: Int = ClusterSettings.Default.slots

    @Flag(help: "Also draw DIR/selection.png (Scripts/plot-selection; needs Python with numpy and matplotlib, else skipped with a note).")
    var plot = false

    func validate() throws {
        if workers < 0 { throw ValidationError("--workers must be 0 or more (got \(workers))") }
        if slots < 1 { throw ValidationError("--slots must be at least 1 (got \(slots))") }
    }

    func run() throws {
        try selection.execute(kMeans: .local(workers: workers)) { pool, options, monitor, log in
            if case .coverageCentric = options.settings.objective {
                if workers > 0 { log.info("coverage-centric selection reads scores, not vectors: it runs in this process") }
                MemoryTuning.reuseLargeBlocks()
                return try CoverageSelection.run(pool: pool, options: options, monitor: monitor, log: log)
            }
            if workers == 0 || options.exact {
                MemoryTuning.reuseLargeBlocks()
                return try LocalSelection.run(pool: pool, options: options, monitor: monitor, log: log)
            }
            let stop = StopSignals.process
            var local: LocalWorkers?
            defer { local?.stop() }
            let endpoint = try PrivateEndpoint()
            let outcome = try DistributedSelection.run(
                pool: pool, options: options, bind: endpoint.address, cluster: cluster.settings,
                journal: RunJournal.run.path(in: selection.out), stop: stop, monitor: monitor, log: log,
                watchdog: { EmbeddedWorkers.watchdog(local) }
            ) { endpoint in
                // Local workers share this terminal: under a live progress line their routine info
                // lines would tear it, so they say only what goes wrong unless debugging was asked for.
                let quietWorkers = monitor.console.style == .live && selection.logLevel > .debug
                local = EmbeddedWorkers.start(count: workers, slots: slots, endpoint: endpoint,
                                              logLevel: quietWorkers ? max(selection.logLevel, .warning) : selection.logLevel)
            }
            // Workers were told to shut down; give them a moment to leave on their own.
            _ = local?.wait(timeout: .seconds(5))
            return outcome
        }
        if plot { print(SelectionPlot.draw(out: selection.out, labels: selection.labels)) }
    }
}
