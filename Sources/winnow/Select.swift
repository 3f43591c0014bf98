import ArgumentParser
import Foundation
import WinnowCluster
import WinnowCore
import WinnowRuntime

/// `winnow select`: the embedded default — a coordinator in this process and `--workers` local
/// worker processes of this binary over loopback ZeroMQ; `--workers 0` runs everything in this
/// process without sockets (the reference the distributed run matches byte for byte).
struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Select a diverse, representative subset of a pool.",
        discussion: "Writes DIR/selection.npy (int64 global rows, greedy order), DIR/selection.csv and DIR/report.json.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "Local worker processes (0: select in this process, no sockets). Default: one per core.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Tasks each local worker runs at once.")
    var slots: Int = ClusterSettings.Default.slots

    func validate() throws {
        if workers < 0 { throw ValidationError("--workers must be 0 or more (got \(workers))") }
        if slots < 1 { throw ValidationError("--slots must be at least 1 (got \(slots))") }
    }

    func run() throws {
        try selection.execute { pool, options, log in
            if workers == 0 || options.exact { return try LocalSelection.run(pool: pool, options: options, log: log) }
            let stop = StopSignals()
            stop.install()
            var local: LocalWorkers?
            defer { local?.stop() }
            let endpoint = try PrivateEndpoint()
            let outcome = try DistributedSelection.run(
                pool: pool, options: options, bind: endpoint.address, cluster: cluster.settings,
                journal: selection.out + "/journal.wnj", stop: stop, log: log,
                watchdog: {
                    // Workers exit on their own only when told to, or when they cannot work here.
                    guard let local, local.allExited else { return nil }
                    return RunFailure(status: 70, "every local worker exited before the run was done (see their messages above)")
                }
            ) { endpoint in
                let hash = endpoint.configHash.hexString
                let level = selection.logLevel.rawValue
                let slots = slots
                local = LocalWorkers(count: workers, executable: LocalWorkers.currentExecutable) { i in
                    ["worker", "--connect", endpoint.address, "--name", "local-\(i)", "--slots", "\(slots)",
                     "--expect-config", hash, "--log-level", level,
                     // Local workers are of no use without this process: don't wait for it to come back.
                     "--coordinator-lost-timeout", "0"]
                }
            }
            // Workers were told to shut down; give them a moment to leave on their own.
            _ = local?.wait(timeout: .seconds(5))
            return outcome
        }
    }
}
