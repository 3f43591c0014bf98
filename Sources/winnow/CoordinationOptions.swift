import ArgumentParser
import WinnowCoordination

/// Coordinator flags shared by `select` (embedded) and `coordinator`.
struct CoordinationOptions: ParsableArguments {
    @Option(help: "Heartbeat interval in milliseconds (both directions).")
    var heartbeatMs = Int(CoordinationSettings.Default.heartbeat.components.seconds * 1000)

    @Option(help: "Heartbeat intervals of silence before a worker is declared gone and its tasks leased again.")
    var liveness = CoordinationSettings.Default.liveness

    @Option(help: "Seconds a task's progress may stand still before its lease is taken back (at least 5 × the median task of its level).")
    var progressTimeout = CoordinationSettings.Default.progressTimeout.seconds

    @Option(
        help:
            "A chunk running on \(CoordinationSettings.Default.poisonAfterWorkerDeaths) workers when they died: fail the run naming its rows, or skip it (recorded in report.json)."
    )
    var onPoisoned: CoordinationSettings.PoisonPolicy = .fail

    @Option(help: "Workers this run expects (0: no check). The log says when all joined; with none after --worker-wait the coordinator exits 75.")
    var expectWorkers = 0

    @Option(help: "Seconds to wait for the expected workers.")
    var workerWait = CoordinationSettings.Default.workerWait.seconds

    @Flag(help: "No backup copies of stragglers (default: once 90% of a level is done, a task 2× slower than the median gets one).")
    var noBackups = false

    func validate() throws {
        if !(10...600_000).contains(heartbeatMs) { throw ValidationError("--heartbeat-ms must be 10...600000 (got \(heartbeatMs))") }
        if liveness < 1 { throw ValidationError("--liveness must be at least 1 (got \(liveness))") }
        if expectWorkers < 0 { throw ValidationError("--expect-workers must be 0 or more (got \(expectWorkers))") }
        if !(workerWait > 0) { throw ValidationError("--worker-wait must be positive (got \(workerWait))") }
        if !(progressTimeout >= 0.1) { throw ValidationError("--progress-timeout must be at least 0.1 s (got \(progressTimeout))") }
    }

    var settings: CoordinationSettings {
        var s = CoordinationSettings()
        s.heartbeat = .milliseconds(heartbeatMs)
        s.liveness = liveness
        s.progressTimeout = .milliseconds(Int(progressTimeout * 1000))
        s.expectWorkers = expectWorkers
        s.workerWait = .milliseconds(Int(workerWait * 1000))
        s.onPoisoned = onPoisoned
        s.backups = !noBackups
        return s
    }
}

extension CoordinationSettings.PoisonPolicy: ExpressibleByArgument {}
