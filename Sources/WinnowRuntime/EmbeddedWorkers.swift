import Logging

/// The local worker processes of an embedded run (`select`, `cluster`, `dedup` with `--workers N`):
/// this binary's `worker` command, pointed at the run's private endpoint and bound to its configuration.
public enum EmbeddedWorkers {
    public static func start(count: Int, slots: Int, endpoint: DistributedSelection.Endpoint, logLevel: Logger.Level) -> LocalWorkers {
        let hash = endpoint.configHash.hexString
        return LocalWorkers(count: count, executable: LocalWorkers.currentExecutable) { i in
            [
                "worker", "--connect", endpoint.address, "--name", "local-\(i)", "--slots", "\(slots)",
                "--expect-config", hash, "--log-level", logLevel.rawValue,
                // Local workers are of no use without this process: don't wait for it to come back.
                "--coordinator-lost-timeout", "0",
            ]
        }
    }

    /// A coordinator run here with `count` local workers: `body` gets the serving context of the
    /// private endpoint — the process's stop signals, a watchdog over the workers, and a `listening`
    /// that starts them once the coordinator listens — to which it adds its journal and settings.
    public static func run<T>(count: Int, slots: Int, logLevel: Logger.Level, _ body: (ServeContext) throws -> T) throws -> T {
        var local: LocalWorkers?
        defer { local?.stop() }
        let endpoint = try PrivateEndpoint()
        var serving = ServeContext(bind: endpoint.address, stop: StopSignals.process) { endpoint in
            local = start(count: count, slots: slots, endpoint: endpoint, logLevel: logLevel)
        }
        serving.watchdog = { watchdog(local) }
        let result = try body(serving)
        // Workers were told to shut down; give them a moment to leave on their own.
        _ = local?.wait(timeout: .seconds(5))
        return result
    }

    /// The run's end when every local worker left before it was done (they exit on their own only when
    /// told to, or when they cannot work here).
    public static func watchdog(_ local: LocalWorkers?) -> RunFailure? {
        guard let local, local.allExited else { return nil }
        return RunFailure(.internalError, "every local worker exited before the run was done (see their messages above)")
    }
}
