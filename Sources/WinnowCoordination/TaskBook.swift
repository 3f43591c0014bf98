import WinnowCore

/// What a coordinator leases and what the results mean: the job-specific half of `Coordinator`.
/// The coordinator owns the workers, the lease ledger, backups, stalls and poisoning (design §4); a
/// book owns the tasks — which are ready, how a result is checked, what finishing one unlocks — so
/// a selection (`SelectionBook`) and a k-means (`ClusteringBook`) share every rule about workers.
///
/// Tasks are named by `MergeTree.Node`s: a selection's levels are its tree's, a k-means's its passes.
public protocol TaskBook {
    associatedtype Outcome: JobOutcome

    /// Tasks per level: the straggler and stall rules compare a task with the others of its level.
    var levelSizes: [Int] { get }
    var totalRows: Int { get }
    /// Tasks not done yet, for the log.
    var tasksLeft: Int { get }
    var isFinished: Bool { get }
    /// The task that stands for the whole job in a failure no task caused (no worker joined).
    var root: MergeTree.Node { get }

    /// The next task to lease, lowest first within what the book prefers (nil: none ready now).
    mutating func nextWork() -> Lease.Work?
    /// A copy of a task already out, for a backup (nil: not wanted any more).
    func work(for node: MergeTree.Node) -> Lease.Work?
    /// A lease ended without a result: the task goes back to its queue.
    mutating func requeue(_ node: MergeTree.Node)
    func isDone(_ node: MergeTree.Node) -> Bool
    /// The task a worker's message reports on (nil: the message is not a result of this book's kind).
    func node(of result: WorkerMessage) -> MergeTree.Node?
    /// Checks a result against its task (for `node`, not done yet) and keeps it, doing what it unlocks.
    /// Every task it completes (this one, and any the book finishes by itself) goes into `progress`.
    mutating func take(
        _ result: WorkerMessage, node: MergeTree.Node, now: Duration, counters: inout CoordinationCounters, progress: inout LevelProgress
    ) throws(InvalidResult) -> TakenResult
    /// A journal record of an earlier incarnation, taken again (false: it does not fit; its task reruns).
    mutating func restore(_ record: WorkerMessage, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool
    /// A task every worker running it died on, left out when the job can do without it.
    mutating func leaveOut(_ node: MergeTree.Node, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool
    /// Where a task's rows are, in words a user can act on.
    func place(of node: MergeTree.Node, config: RunConfig) -> String
    func outcome(workers: [WorkerTally], counters: CoordinationCounters) -> Outcome
}

extension TaskBook {
    /// A journal record is taken as a result would be, in the order the records were accepted (a
    /// k-means's passes replay exactly, each pass's centroids following from the one before).
    public mutating func restore(_ record: WorkerMessage, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool {
        guard let node = node(of: record), !isDone(node) else { return false }
        return (try? take(record, node: node, now: .zero, counters: &counters, progress: &progress)) != nil
    }
}

/// A result that does not fit its task: dropped, and the task leased again.
public struct InvalidResult: Error {
    public var reason: String

    public init(reason: String) { self.reason = reason }
}

/// What a kept result means for the coordinator's books.
public struct TakenResult {
    /// The result as the journal keeps it (lease ids and timings cleared).
    public var record: WorkerMessage
    /// Whether the task read pool rows (a chunk, a block) rather than merged candidates.
    public var readsPool: Bool
    /// Pool rows it read, or candidates it merged.
    public var rows: Int

    public init(record: WorkerMessage, readsPool: Bool, rows: Int) {
        self.record = record
        self.readsPool = readsPool
        self.rows = rows
    }
}

/// What every finished job reports besides its result: the workers' shares and what was survived.
public protocol JobOutcome: Sendable, Equatable {
    var workers: [WorkerTally] { get }
    var counters: CoordinationCounters { get }
}

extension SelectionRun: JobOutcome {}
extension ClusteringRun: JobOutcome {}
