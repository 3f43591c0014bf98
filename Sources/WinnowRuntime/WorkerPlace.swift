import Logging
import WinnowCoordination

/// Where a job's tasks run: `select`'s and `coordinator`'s, and `dedup`'s.
public enum WorkerPlace {
    /// `workers` local worker processes of this binary over a private endpoint (0: this process, no
    /// sockets), each running `slots` tasks at once.
    case local(workers: Int, slots: Int = 1, coordination: CoordinationSettings = CoordinationSettings())
    /// Workers that connect to `bind` from anywhere (`winnow coordinator`, `--serve`); `announce` tells how to join.
    case served(
        bind: String, security: TransportSecurity, coordination: CoordinationSettings,
        announce: (DistributedSelection.Endpoint, Logger) -> Void)

    /// Where a k-means the job needs first runs (cluster-balanced, `--partition cluster`, dedup's
    /// clustering): on the same workers, which then go on to the job's own run at the same endpoint
    /// unless the k-means is the last work they get (`nextRunFollows` false: sensitivity sampling draws
    /// in this process); its configuration goes into `announced` for that run.
    func kMeansPlace(announced: AnnouncedRuns, nextRunFollows: Bool = true) -> KMeansExecution.Place {
        switch self {
        case .local(let workers, _, _): .local(workers: workers)
        case .served(let bind, let security, let coordination, let announce):
            .served(
                bind: bind, security: security, coordination: coordination, nextRunFollows: nextRunFollows, announced: announced,
                announce: announce)
        }
    }
}
