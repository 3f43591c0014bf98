import WinnowCoordination
import WinnowIO

/// One pass over the pool in this process, shown as a run's single level: the reading pass of the
/// selections that are not a greedy (coverage-centric, sensitivity sampling), for the progress line
/// and the metrics file.
struct PoolPass {
    private var progress: LevelProgress
    private let runID: String
    private let monitor: RunMonitor?
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(steps: Int, pool: Pool, options: RunOptions, monitor: RunMonitor?) {
        progress = LevelProgress(levelSizes: [steps], totalRows: pool.totalRows)
        runID = RunConfig(pool: pool, settings: options.settings, skipNonfinite: options.nonfinite == .skip).hash.prefix(8).hexString
        self.monitor = monitor
        start = clock.now
        progress.began(level: 0, at: clock.now - start)
    }

    /// A step of the pass read `rows` rows.
    mutating func finished(rows: Int) {
        progress.finished(level: 0, rows: rows)
        monitor?.observe { status(.running) }
    }

    /// The pass ended (finished, or failed on bad data).
    func end(_ state: RunStatus.State) { monitor?.finish(status(state)) }

    private func status(_ state: RunStatus.State) -> RunStatus {
        var s = progress.status(runID: runID, state: state, now: clock.now - start, tasksRunning: 0, workersAlive: 0)
        s.inProcess = true
        return s
    }
}
