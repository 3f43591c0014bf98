import Foundation
import Logging
import WinnowCluster
import WinnowCore
import WinnowIO
import WinnowNative
import WinnowRuntime

/// The k-means of `cluster` and `dedup`: in this process (`--workers 0`), or with a coordinator here
/// and local worker processes each running blocks of every Lloyd pass. Both give the same bytes.
enum KMeansExecution {
    static func run(pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, workers: Int, slots: Int,
                    log: Logger) throws -> (ClusteringOutcome, ClusterReport?) {
        guard workers > 0 else {
            MemoryTuning.reuseLargeBlocks()
            return (try LocalClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, log: log), nil)
        }
        let stop = StopSignals()
        stop.install()
        var local: LocalWorkers?
        defer { local?.stop() }
        let endpoint = try PrivateEndpoint()
        let result = try DistributedClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, bind: endpoint.address,
                                                   cluster: ClusterSettings(), stop: stop, log: log,
                                                   watchdog: { EmbeddedWorkers.watchdog(local) }) { endpoint in
            local = EmbeddedWorkers.start(count: workers, slots: slots, endpoint: endpoint, logLevel: max(log.logLevel, .warning))
        }
        _ = local?.wait(timeout: .seconds(5))
        return result
    }
}
