import Foundation
import Logging
import WinnowCluster
import WinnowCore
import WinnowIO
import WinnowNative
import WinnowRuntime

/// The k-means of `cluster`, `dedup` and the clustered selections: in this process (`--workers 0`),
/// or with a coordinator here and local worker processes each running blocks of every Lloyd pass.
/// Both give the same bytes.
enum KMeansExecution {
    static func run(pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, workers: Int, slots: Int,
                    log: Logger) throws -> (ClusteringOutcome, ClusterReport?) {
        guard workers > 0 else {
            MemoryTuning.reuseLargeBlocks()
            return (try LocalClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, log: log), nil)
        }
        return try EmbeddedWorkers.run(count: workers, slots: slots, logLevel: max(log.logLevel, .warning)) { bind, stop, watchdog, listening in
            let (outcome, report) = try DistributedClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, bind: bind,
                                                                  cluster: ClusterSettings(), stop: stop, log: log, watchdog: watchdog,
                                                                  listening: listening)
            return (outcome, report)
        }
    }
}
