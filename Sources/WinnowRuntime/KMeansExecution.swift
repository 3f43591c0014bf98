import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative

/// The k-means of `cluster`, `dedup` and the clustered selections: in this process (`--workers 0`),
/// or with a coordinator here and local worker processes each running blocks of every Lloyd pass.
/// Both give the same bytes. With workers the passes are journaled (`journal`, in `--out`), so the
/// same command resumes an interrupted k-means; `keepJournal` leaves it for a command that goes on.
public enum KMeansExecution {
    /// Where the passes run.
    public enum Place {
        /// `workers` local worker processes started for it (0: this process).
        case local(workers: Int)
        /// The workers that connect to this coordinator at `bind` (`winnow coordinator`, `--serve`); with
        /// `nextRunFollows` they are sent on, when it is done, to the run that binds there next (the
        /// selection, dedup's within-cluster pass). `announce` tells how to join; `announced` collects the
        /// configurations of the command's runs there, each of which accepts a worker told to expect an
        /// earlier one.
        case served(
            bind: String, security: TransportSecurity, coordination: CoordinationSettings, nextRunFollows: Bool,
            announced: AnnouncedRuns, announce: (DistributedSelection.Endpoint, Logger) -> Void)

        /// Whether the passes run on worker processes (and so are journaled).
        public var usesWorkers: Bool {
            switch self {
            case .local(let count): count > 0
            case .served: true
            }
        }

        /// Workers a report names: the local ones started, or those that joined.
        public func workers(_ report: CoordinationReport?) -> Int {
            switch self {
            case .local(let count): count
            case .served: report?.workers.count ?? 0
            }
        }
    }

    public static func run(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, on place: Place, slots: Int,
        journal: String?, keepJournal: Bool = false, log: Logger
    ) throws -> (ClusteringOutcome, CoordinationReport?) {
        let workers: Int
        switch place {
        case .served(let bind, let security, let coordination, let nextRunFollows, let announced, let announce):
            var serving = ServeContext.joined(
                bind: bind, security: security, coordination: coordination, journal: journal, log: log
            ) { endpoint, log in
                announced.add(endpoint.configHash)
                announce(endpoint, log)
            }
            serving.keepJournal = keepJournal
            serving.nextRunFollows = nextRunFollows
            serving.earlierRuns = announced.hashes
            let (outcome, report) = try DistributedClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, serving: serving, log: log)
            return (outcome, report)
        case .local(let count):
            workers = count
        }
        guard workers > 0 else {
            MemoryTuning.reuseLargeBlocks()
            return (try LocalClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, log: log), nil)
        }
        return try EmbeddedWorkers.run(count: workers, slots: slots, logLevel: max(log.logLevel, .warning)) { serving in
            var serving = serving
            serving.journal = journal
            serving.keepJournal = keepJournal
            let (outcome, report) = try DistributedClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, serving: serving, log: log)
            return (outcome, report)
        }
    }
}
