/// Timing knobs of the coordinator/worker conversation, each with its one documented default.
public struct CoordinationSettings: Sendable, Equatable {
    public enum Default {
        /// Both sides send a heartbeat this often when they have nothing else to say.
        public static let heartbeat = Duration.seconds(1)
        /// Intervals of silence before a peer is declared gone (design §4: 1 s × 5).
        public static let liveness = 5
        /// Tasks a worker runs at once: one process per core is the usual layout, BLAS single-threaded.
        public static let slots = 1
        /// A worker that has not been welcomed after this long gives up (exit 75).
        public static let connectTimeout = Duration.seconds(60)
        /// A worker whose coordinator went silent says Hello again at growing intervals (1 s doubling
        /// to 32 s) for this long before it gives up (exit 75): long enough for a scheduler to restart
        /// a preempted coordinator.
        public static let coordinatorLostTimeout = Duration.seconds(600)
        public static let reconnectBackoffFirst = Duration.seconds(1)
        public static let reconnectBackoffMax = Duration.seconds(32)
        /// Backup copies of stragglers start once this share of a level's tasks is done (design §4)…
        public static let backupAfterShareDone = 0.9
        /// …for a task running this many times longer than the level's median task. A backup started
        /// at t × the median is done at about (t + 1) ×, so it beats only stragglers slower than that:
        /// at 3 it never beat a task 4× slow. In the simulation at 10^9 rows (1,000 workers, 5 % of
        /// tasks 4× slow) 2 won 119 of 169 backups against 58 of 163, and the run took 214 s against 222.
        public static let backupSlowerThanMedian = 2.0
        /// A task whose leases were held by this many different workers when they died (or stalled) is poisoned.
        public static let poisonAfterWorkerDeaths = 3
        /// A lease whose reported progress stands still this long is taken back (design §4: the
        /// larger of 5 min and 5 × the level's median task): the worker is alive but its task is
        /// stuck — a hung filesystem read, a deadlock.
        public static let progressTimeout = Duration.seconds(300)
        public static let progressTimeoutMedians = 5.0
        /// How long a coordinator waits for its expected workers: then it says how many are
        /// missing, and with none at all it gives up (exit 75) instead of idling to the time limit.
        public static let workerWait = Duration.seconds(600)
    }

    /// What a poisoned task does to the run.
    public enum PoisonPolicy: String, Sendable, Equatable, CaseIterable {
        /// Fail the run naming the file and rows (default): the data crashes workers, look at it.
        case fail
        /// Leave the chunk out of the selection and record it in the report.
        case skip
    }

    public var heartbeat: Duration = Default.heartbeat
    public var liveness: Int = Default.liveness
    public var connectTimeout: Duration = Default.connectTimeout
    public var coordinatorLostTimeout: Duration = Default.coordinatorLostTimeout
    public var backupAfterShareDone = Default.backupAfterShareDone
    public var backupSlowerThanMedian = Default.backupSlowerThanMedian
    /// Whether stragglers get backup copies.
    public var backups = true
    public var poisonAfterWorkerDeaths = Default.poisonAfterWorkerDeaths
    public var progressTimeout = Default.progressTimeout
    public var progressTimeoutMedians = Default.progressTimeoutMedians
    /// Workers the run expects (0: any number, no check). A batch job knows its count.
    public var expectWorkers = 0
    public var workerWait = Default.workerWait
    public var onPoisoned = PoisonPolicy.fail

    public init() {}

    /// Silence after which a peer is gone.
    public var silenceLimit: Duration { heartbeat * liveness }
}
