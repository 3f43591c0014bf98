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

    @OptionGroup var security: CoordinatorSecurityOptions

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let cluster = cluster.settings
        // Refused before the pool is read: a key problem is found in a second, not after planning.
        let transport: TransportSecurity
        do { transport = try security.security(bind: bind) } catch { throw ExitStatus.report(error) }
        if selection.objective == .coverageCentric {
            throw ValidationError("coverage-centric selection reads scores, not vectors: run it with winnow select (no workers needed)")
        }
        // The k-means of cluster-balanced and partition cluster runs on the same workers, which then go
        // on to the selection at the same endpoint.
        let security = security, announced = AnnouncedRuns()
        let kMeans = KMeansExecution.Place.served(bind: bind, security: transport, cluster: cluster, nextRunFollows: true,
                                                  announced: announced, announce: { security.announce($0, log: $1) })
        try selection.execute(kMeans: kMeans) { pool, options, monitor, log in
            // After a k-means on these workers (cluster-balanced, partition cluster) the selection is their next run.
            let followsRun = options.clusterBalance != nil || options.partitionClusters != nil
            return try DistributedSelection.run(pool: pool, options: options, bind: bind, security: transport, cluster: cluster,
                                                journal: RunJournal.run.path(in: selection.out), followsRun: followsRun,
                                                earlierRuns: announced.hashes, stop: StopSignals.process,
                                                monitor: monitor, log: log) {
                security.announce($0, log: log)
            }
        }
    }
}
