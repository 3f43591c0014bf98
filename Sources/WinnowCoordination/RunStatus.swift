import WinnowCore

/// Where a run stands: what the progress line draws, what `metrics.prom` exports and what
/// `winnow status` is told. Progress is counted per tree level in pool rows beneath finished tasks
/// (every level covers the whole pool once), so a level's rate and ETA do not depend on how unequal
/// its tasks are.
public struct RunStatus: Sendable, Equatable {
    public enum State: String, Sendable, Equatable { case running, finished, failed }

    public var runID: String
    public var state: State
    /// The lowest tree level with unfinished tasks (0: chunks), or the root's once finished.
    public var level: Int
    public var levels: Int
    public var levelTasksDone: Int
    public var levelTasksTotal: Int
    /// Pool rows beneath the level's finished tasks, of `totalRows`.
    public var levelRowsDone: Int
    /// Pool rows beneath finished chunks: the rows processed so far.
    public var chunkRowsDone: Int
    public var totalRows: Int
    public var tasksDone: Int
    public var tasksTotal: Int
    public var tasksRunning: Int
    public var elapsedSeconds: Double
    /// Seconds since the level's first task was leased (or run, in process).
    public var levelSeconds: Double
    /// Rows of this level finished per second since it began; results reused from a journal are
    /// not counted, so a resumed run's rate is its own.
    public var rowsPerSecond: Double
    /// Seconds until this level is done at that rate; nil until the rate is known.
    public var etaSeconds: Double?
    public var workersAlive: Int
    public var counters: CoordinationCounters
    public var workers: [WorkerStatus]
    /// Run by `select --workers 0`: no workers, no leases.
    public var inProcess = false
    /// The one running task of an in-process level that has only one (`--exact`, the root merge),
    /// read from its meter while it runs; nil otherwise. Not sent by the coordinator.
    public var task: TaskProgress?

    public init(
        runID: String, state: State, level: Int, levels: Int, levelTasksDone: Int, levelTasksTotal: Int,
        levelRowsDone: Int, chunkRowsDone: Int, totalRows: Int, tasksDone: Int, tasksTotal: Int, tasksRunning: Int,
        elapsedSeconds: Double, levelSeconds: Double, rowsPerSecond: Double, etaSeconds: Double?,
        workersAlive: Int, counters: CoordinationCounters = CoordinationCounters(), workers: [WorkerStatus] = []
    ) {
        self.runID = runID
        self.state = state
        self.level = level
        self.levels = levels
        self.levelTasksDone = levelTasksDone
        self.levelTasksTotal = levelTasksTotal
        self.levelRowsDone = levelRowsDone
        self.chunkRowsDone = chunkRowsDone
        self.totalRows = totalRows
        self.tasksDone = tasksDone
        self.tasksTotal = tasksTotal
        self.tasksRunning = tasksRunning
        self.elapsedSeconds = elapsedSeconds
        self.levelSeconds = levelSeconds
        self.rowsPerSecond = rowsPerSecond
        self.etaSeconds = etaSeconds
        self.workersAlive = workersAlive
        self.counters = counters
        self.workers = workers
    }

    /// "chunks", "merge level 1 of 2", "root merge".
    public var phase: String {
        if level == 0 { return "chunks" }
        if level == levels - 1 { return "root merge" }
        return "merge level \(level) of \(levels - 2)"
    }

    /// Leases handed out again: after a worker was lost, or taken back from a stalled task.
    public var retries: Int { counters.leasesReissued + counters.leasesRevoked }
}

/// One connected worker, as a status reports it.
public struct WorkerStatus: Sendable, Equatable, Codable {
    public var name: String
    public var host: String
    public var slots: Int
    /// Leases it holds now.
    public var running: Int
    public var chunkTasks: Int
    public var mergeTasks: Int
    public var busySeconds: Double

    public init(name: String, host: String, slots: Int, running: Int, chunkTasks: Int, mergeTasks: Int, busySeconds: Double) {
        self.name = name
        self.host = host
        self.slots = slots
        self.running = running
        self.chunkTasks = chunkTasks
        self.mergeTasks = mergeTasks
        self.busySeconds = busySeconds
    }
}

/// Per-level progress, kept by whoever runs the tree (the coordinator, or the single-process run)
/// and turned into a `RunStatus`. Pure: times are given.
public struct LevelProgress: Sendable {
    public let levelSizes: [Int]
    public let totalRows: Int
    private(set) var tasksDone: [Int]
    private(set) var rowsDone: [Int]
    /// Rows already done when the level's clock started (reused from a journal).
    private var rowsAtStart: [Int]
    /// When each level's first task was handed out: a level's rate does not count the wait for
    /// workers or for the level below.
    private var started: [Duration?]

    public init(levelSizes: [Int], totalRows: Int) {
        self.levelSizes = levelSizes
        self.totalRows = totalRows
        tasksDone = Array(repeating: 0, count: levelSizes.count)
        rowsDone = tasksDone
        rowsAtStart = tasksDone
        started = Array(repeating: nil, count: levelSizes.count)
    }

    /// The level being worked on: the lowest one with tasks left.
    public var current: Int {
        levelSizes.indices.first { tasksDone[$0] < levelSizes[$0] } ?? levelSizes.count - 1
    }

    public var allTasksDone: Int { tasksDone.reduce(0, +) }
    public var allTasks: Int { levelSizes.reduce(0, +) }

    /// A task of `level` was handed out (or started, in process) at `now`; the first starts the level's clock.
    public mutating func began(level: Int, at now: Duration) {
        guard started[level] == nil else { return }
        started[level] = now
        rowsAtStart[level] = rowsDone[level]
    }

    /// A task of `level` finished, with `rows` pool rows beneath it.
    public mutating func finished(level: Int, rows: Int) {
        tasksDone[level] += 1
        rowsDone[level] += rows
    }

    /// The status at `now`; the caller fills in what only it knows (workers, counters).
    public func status(runID: String, state: RunStatus.State, now: Duration, tasksRunning: Int, workersAlive: Int) -> RunStatus {
        let level = current
        let seconds = started[level].map { max(0, (now - $0).seconds) } ?? 0
        let fresh = rowsDone[level] - rowsAtStart[level]
        let rate = seconds > 0 ? Double(fresh) / seconds : 0
        let left = totalRows - rowsDone[level]
        let eta: Double? = state != .running ? 0 : (rate > 0 ? Double(left) / rate : nil)
        return RunStatus(
            runID: runID, state: state, level: level, levels: levelSizes.count,
            levelTasksDone: tasksDone[level], levelTasksTotal: levelSizes[level],
            levelRowsDone: rowsDone[level], chunkRowsDone: rowsDone[0], totalRows: totalRows,
            tasksDone: allTasksDone, tasksTotal: allTasks, tasksRunning: tasksRunning,
            elapsedSeconds: now.seconds, levelSeconds: seconds, rowsPerSecond: rate, etaSeconds: eta,
            workersAlive: workersAlive)
    }
}
