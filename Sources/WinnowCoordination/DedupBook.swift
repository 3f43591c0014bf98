import HeapModule
import WinnowCore

/// The tasks of de-duplication's within-cluster pass: the groups of `DedupPlan`, leased in group
/// order. A result must account for every row of its group's clusters exactly once, and each dropped
/// row must name a kept row of its own cluster above the threshold (an earlier one when rows are
/// kept in row order).
public struct DedupBook: TaskBook {
    public let plan: DedupPlan
    private let rows: Int
    private var pending: Heap<Int>
    private var findings: [DedupFinding?]

    public init(plan: DedupPlan, totalRows: Int) {
        self.plan = plan
        rows = totalRows
        pending = Heap(plan.groups.indices)
        findings = Array(repeating: nil, count: plan.groups.count)
    }

    public var levelSizes: [Int] { [max(1, plan.groups.count)] }
    public var totalRows: Int { rows }
    public var tasksLeft: Int { findings.lazy.filter { $0 == nil }.count }
    public var isFinished: Bool { findings.allSatisfy { $0 != nil } }
    public var root: MergeTree.Node { MergeTree.Node(level: 0, index: 0) }

    public mutating func nextWork() -> Lease.Work? { pending.popMin().map { .dedup(plan.task($0)) } }
    public func work(for node: MergeTree.Node) -> Lease.Work? { isDone(node) ? nil : .dedup(plan.task(node.index)) }
    public mutating func requeue(_ node: MergeTree.Node) { pending.insert(node.index) }
    public func isDone(_ node: MergeTree.Node) -> Bool { findings[node.index] != nil }

    public func node(of result: WorkerMessage) -> MergeTree.Node? {
        guard case .dedupResult(let r) = result, r.group < plan.groups.count else { return nil }
        return MergeTree.Node(level: 0, index: r.group)
    }

    public mutating func take(
        _ result: WorkerMessage, node: MergeTree.Node, now: Duration,
        counters: inout CoordinationCounters, progress: inout LevelProgress
    ) throws(InvalidResult) -> TakenResult {
        guard case .dedupResult(let r) = result else { throw InvalidResult(reason: "not a de-duplication result") }
        let task = plan.task(r.group)
        try validate(r.finding, task: task)
        findings[r.group] = r.finding
        progress.finished(level: 0, rows: task.rowCount)
        return TakenResult(
            record: .dedupResult(DedupResult(leaseID: 0, group: r.group, finding: r.finding, busySeconds: 0)),
            readsPool: true, rows: task.rowCount)
    }

    /// Never: the rows of a group left out would be neither kept nor dropped.
    public mutating func leaveOut(_ node: MergeTree.Node, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool { false }

    public func place(of node: MergeTree.Node, config: RunConfig) -> String {
        let clusters = plan.groups[node.index].map(\.cluster)
        return "clusters \(clusters.first ?? 0)…\(clusters.last ?? 0) (\(plan.task(node.index).rowCount) rows)"
    }

    public func outcome(workers: [WorkerTally], counters: CoordinationCounters) -> DedupRun {
        let (finding, maxSimilarity) = plan.combined(findings.map { $0! }, totalRows: rows)
        return DedupRun(finding: finding, maxSimilarity: maxSimilarity, workers: workers, counters: counters)
    }

    private func validate(_ f: DedupFinding, task: DedupTask) throws(InvalidResult) {
        var clusterOf: [Int64: Int32] = [:]
        for members in task.clusters { for row in members.rows { clusterOf[row] = Int32(members.cluster) } }
        guard f.kept.count + f.dropped.count == clusterOf.count, f.maxSimilarity.count == clusterOf.count else {
            throw InvalidResult(
                reason: "\(f.kept.count) kept, \(f.dropped.count) dropped and \(f.maxSimilarity.count) similarities for \(clusterOf.count) rows")
        }
        guard f.maxSimilarity.allSatisfy({ $0 == -.infinity || ($0.isFinite && abs($0) <= 1.001) }) else {
            throw InvalidResult(reason: "a highest similarity that is not a cosine")
        }
        var seen = Set<Int64>()
        for row in f.kept + f.dropped.map(\.pair.row) where clusterOf[row] == nil || !seen.insert(row).inserted {
            throw InvalidResult(reason: "row \(row) is not one of the group's, or comes twice")
        }
        let kept = Set(f.kept)
        for d in f.dropped {
            guard clusterOf[d.pair.row] == d.cluster, clusterOf[d.pair.nearestKept] == d.cluster, kept.contains(d.pair.nearestKept),
                task.settings.keep != .first || d.pair.nearestKept < d.pair.row, d.pair.similarity.isFinite,
                d.pair.similarity > task.settings.threshold
            else {
                throw InvalidResult(
                    reason:
                        "row \(d.pair.row) dropped for row \(d.pair.nearestKept) at \(d.pair.similarity): not a kept row of its cluster before it above the threshold"
                )
            }
        }
    }
}

/// What a distributed de-duplication hands back: every group's finding, sorted, and the workers' shares.
public struct DedupRun: JobOutcome {
    public var finding: DedupFinding
    /// Every pool row's highest cosine to a kept row of its cluster (`DedupPlan.combined`).
    public var maxSimilarity: [Float]
    public var workers: [WorkerTally]
    public var counters: CoordinationCounters
}
