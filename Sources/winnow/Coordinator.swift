import ArgumentParser
import WinnowCluster
import WinnowCore
import WinnowRuntime

/// `winnow coordinator`: plans the run and serves it to workers that connect from anywhere
/// (`winnow worker --connect tcp://THIS-HOST:7700`), then writes the outputs like `select`.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve a selection to workers over ZeroMQ and write its outputs.",
        discussion: "Workers need the pool at the same path (a shared filesystem). Exit codes as for select.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "ZeroMQ endpoint to bind.")
    var bind = "tcp://*:7700"

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let cluster = cluster.settings
        try selection.execute { pool, options, log in
            let stop = StopSignals()
            stop.install()
            return try DistributedSelection.run(pool: pool, options: options, bind: bind, cluster: cluster,
                                                journal: selection.out + "/journal.wnj", stop: stop, log: log) { endpoint in
                let hash = endpoint.configHash.hexString
                log.info("workers join with: winnow worker --connect \(endpoint.address.replacingOccurrences(of: "0.0.0.0", with: "HOST")) --expect-config \(hash)")
            }
        }
    }
}
