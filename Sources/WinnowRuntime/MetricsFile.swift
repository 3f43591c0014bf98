import Foundation
import Prometheus
import WinnowCoordination
import WinnowIO

/// `DIR/metrics.prom`: the run's state in Prometheus' text format, rewritten atomically during the
/// run so node_exporter's textfile collector (or anyone) can read it at any moment. Built with
/// swift-prometheus; every series carries the run id.
public final class MetricsFile {
    public let path: String
    private let registry = PrometheusCollectorRegistry()
    /// What each counter was last set to: the run's figures are totals, Prometheus counters only
    /// move by increments.
    private var counted: [String: Double] = [:]

    public init(path: String) { self.path = path }

    /// Sets every series from `status` and rewrites the file.
    public func write(_ status: RunStatus) throws {
        let run = [("run_id", status.runID)]
        gauge("winnow_rows", run, Double(status.totalRows), "Pool rows of the run")
        counter("winnow_rows_processed_total", run, Double(status.chunkRowsDone), "Pool rows beneath finished chunk tasks")
        gauge("winnow_level", run, Double(status.level), "Merge tree level being worked on (0: chunks)")
        gauge("winnow_levels", run, Double(status.levels), "Levels of the merge tree, chunks included")
        gauge("winnow_level_rows_per_second", run, status.rowsPerSecond, "Rows of the current level finished per second")
        gauge("winnow_eta_seconds", run, status.etaSeconds ?? .nan, "Seconds until the current level is done (NaN: not known yet)")
        gauge("winnow_elapsed_seconds", run, status.elapsedSeconds, "Seconds since the run began")
        gauge("winnow_finished", run, status.state == .finished ? 1 : 0, "1 once the selection is complete")
        let pending = status.tasksTotal - status.tasksDone - status.tasksRunning
        for (state, n) in [("pending", max(0, pending)), ("running", status.tasksRunning), ("done", status.tasksDone)] {
            gauge("winnow_tasks", run + [("state", state)], Double(n), "Tasks of the run (chunks and merges) by state")
        }
        gauge("winnow_workers_alive", run, Double(status.workersAlive), "Workers connected now")
        let c = status.counters
        counter("winnow_retries_total", run, Double(status.retries), "Leases handed out again (worker lost or task stalled)")
        counter("winnow_leases_issued_total", run, Double(c.leasesIssued), "Leases handed to workers")
        counter("winnow_backups_total", run, Double(c.backupsIssued), "Backup copies of straggling tasks")
        counter("winnow_duplicate_results_total", run, Double(c.duplicateResults), "Results for tasks already done (ignored)")
        counter("winnow_invalid_messages_total", run, Double(c.invalidMessages), "Messages dropped as invalid")
        counter("winnow_invalid_results_total", run, Double(c.invalidResults), "Results refused by validation")
        counter("winnow_workers_lost_total", run, Double(c.workersLost), "Workers declared gone after missing heartbeats")
        counter("winnow_tasks_reused_total", run, Double(c.reusedFromJournal), "Tasks whose results came from the journal")
        for w in status.workers {
            let labels = run + [("worker", w.name)]
            counter("winnow_worker_busy_seconds_total", labels, w.busySeconds, "Seconds a worker spent running tasks")
            counter("winnow_worker_tasks_total", labels + [("kind", "chunk")], Double(w.chunkTasks), "Tasks a worker finished")
            counter("winnow_worker_tasks_total", labels + [("kind", "merge")], Double(w.mergeTasks), "Tasks a worker finished")
        }
        try AtomicFile.write(Array(registry.emitToString().utf8), to: path)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    private func gauge(_ name: String, _ labels: [(String, String)], _ value: Double, _ help: String) {
        registry.makeGauge(name: name, labels: labels, help: help).set(value)
    }

    private func counter(_ name: String, _ labels: [(String, String)], _ value: Double, _ help: String) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let counter = registry.makeCounter(name: name, labels: labels, help: help)
        let delta = value - counted[key, default: 0]
        guard delta > 0 else { return }
        counted[key] = value
        counter.increment(by: delta)
    }
}
