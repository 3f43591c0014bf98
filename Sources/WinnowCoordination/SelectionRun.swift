import WinnowCore

/// What the coordinator hands back when the root of the merge tree is done.
public struct SelectionRun: Sendable, Equatable {
    public var selection: Coreset
    /// Chunk statistics merged in chunk order (so they equal the single-process figures exactly).
    public var statistics: EmbeddingStatistics
    /// Rows left out as non-finite, in chunk order.
    public var skippedRows: [Int64]
    public var workers: [WorkerTally]
    public var counters: CoordinationCounters
}

/// One worker's share of a run (the report's `workers` list).
public struct WorkerTally: Sendable, Equatable, Codable {
    public var name: String
    public var host: String
    public var pid: Int
    public var slots: Int
    public var chunkTasks = 0
    public var mergeTasks = 0
    /// Pool rows of the chunks it selected from, plus candidates of the merges it ran.
    public var rows = 0
    public var busySeconds = 0.0
    /// Slot-seconds connected but not running a task: `slots × connected − busy`.
    public var idleSeconds = 0.0
    public var connectedSeconds = 0.0
    /// Leases it held when it was declared gone or gave them back.
    public var leasesLost = 0
    public var gone = false
    /// The worker process's peak resident memory, as its last result reported it (0: none reported).
    public var peakResidentBytes = 0

    public init(name: String, host: String, pid: Int, slots: Int) {
        self.name = name
        self.host = host
        self.pid = pid
        self.slots = slots
    }
}

/// Things that happened and were survived: each is a count in the report.
public struct CoordinationCounters: Sendable, Equatable, Codable {
    public var leasesIssued = 0
    public var leasesReissued = 0
    public var duplicateResults = 0
    public var staleResults = 0
    public var invalidResults = 0
    public var invalidMessages = 0
    public var rejectedHellos = 0
    public var workersLost = 0
    public var mergesOnCoordinator = 0
    /// Backup copies leased for stragglers, and how many of them finished first.
    public var backupsIssued = 0
    public var backupsWon = 0
    /// Leases taken back because their progress stood still for the progress timeout.
    public var leasesRevoked = 0
    /// Tasks whose results came from the journal of an earlier, interrupted coordinator.
    public var reusedFromJournal = 0
    /// Chunks left out under `--on-poisoned skip`.
    public var poisonedChunks: [Int] = []

    public init() {}
}
