import Logging
import WinnowRuntime

/// The local worker processes of an embedded run (`select`, `cluster`, `dedup` with `--workers N`):
/// this binary's `worker` command, pointed at the run's private endpoint and bound to its configuration.
enum EmbeddedWorkers {
    static func start(count: Int, slots: Int, endpoint: DistributedSelection.Endpoint, logLevel: Logger.Level) -> LocalWorkers {
        let hash = endpoint.configHash.hexString
        return LocalWorkers(count: count, executable: LocalWorkers.currentExecutable) { i in
            ["worker", "--connect", endpoint.address, "--name", "local-\(i)", "--slots", "\(slots)",
             "--expect-config", hash, "--log-level", logLevel.rawValue,
             // Local workers are of no use without this process: don't wait for it to come back.
             "--coordinator-lost-timeout", "0"]
        }
    }

    /// The run's end when every local worker left before it was done (they exit on their own only when
    /// told to, or when they cannot work here).
    static func watchdog(_ local: LocalWorkers?) -> RunFailure? {
        guard let local, local.allExited else { return nil }
        return RunFailure(status: 70, "every local worker exited before the run was done (see their messages above)")
    }
}
