import HeapModule
import WinnowCore

/// The tasks of a k-means run: the blocks of one Lloyd pass at a time (`LloydPasses`). A pass's
/// blocks are leased in block order; once every block's partial is in, the plan merges them in
/// block order, moves the centroids, and the next pass's blocks become ready. Task names: level =
/// pass, index = block; a result for a pass already done is a duplicate, one for a later pass invalid.
public struct ClusteringBook: TaskBook {
    public private(set) var passes: LloydPasses
    private let rows: Int
    private var pending: Heap<Int>
    /// The coordinator's clock starts with it: the first pass counts from then (workers starting included).
    private var passStarted = Duration.zero
    private var passSeconds: [Double] = []

    public init(totalRows: Int, settings: KMeansSettings, seeds: VectorBlock) {
        passes = LloydPasses(totalRows: totalRows, settings: settings, seeds: seeds)
        rows = totalRows
        pending = Heap(passes.blocks.indices)
    }

    public var levelSizes: [Int] { (0...passes.iterations).map { passes.blockCount(pass: $0) } }
    public var totalRows: Int { rows }
    public var tasksLeft: Int {
        passes.isFinished ? 0 : passes.blocksLeft + (passes.pass + 1..<passes.iterations + 1).reduce(0) { $0 + passes.blockCount(pass: $1) }
    }
    public var isFinished: Bool { passes.isFinished }
    public var root: MergeTree.Node { MergeTree.Node(level: passes.iterations, index: 0) }

    public mutating func nextWork() -> Lease.Work? {
        guard !passes.isFinished, let b = pending.popMin() else { return nil }
        return .assign(passes.task(b))
    }

    public func work(for node: MergeTree.Node) -> Lease.Work? {
        node.level == passes.pass && !isDone(node) ? .assign(passes.task(node.index)) : nil
    }

    public mutating func requeue(_ node: MergeTree.Node) {
        if node.level == passes.pass { pending.insert(node.index) }
    }

    public func isDone(_ node: MergeTree.Node) -> Bool { passes.hasResult(pass: node.level, block: node.index) }

    public func node(of result: WorkerMessage) -> MergeTree.Node? {
        guard case .assignResult(let r) = result, r.node.level <= passes.iterations, r.node.index < passes.blockCount(pass: r.node.level) else { return nil }
        return r.node
    }

    public mutating func take(
        _ result: WorkerMessage, node: MergeTree.Node, now: Duration,
        counters: inout CoordinationCounters, progress: inout LevelProgress
    ) throws(InvalidResult) -> TakenResult {
        guard case .assignResult(let r) = result else { throw InvalidResult(reason: "not a k-means result") }
        try validate(r.outcome, node: node)
        let block = passes.blocks[node.index]
        progress.finished(level: node.level, rows: block.count)
        if passes.record(r.outcome, block: node.index) {
            passSeconds.append((now - passStarted).seconds)
            passStarted = now
            pending = Heap(passes.isFinished ? [] : Array(passes.blocks.indices))
        }
        let record = WorkerMessage.assignResult(AssignResult(leaseID: 0, node: node, outcome: r.outcome, busySeconds: 0))
        return TakenResult(record: record, readsPool: true, rows: block.count)
    }

    /// Never: a pass without one of its blocks would move every centroid.
    public mutating func leaveOut(_ node: MergeTree.Node, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool { false }

    public func place(of node: MergeTree.Node, config: RunConfig) -> String {
        "\(config.describe(rows: [passes.rows(pass: node.level, block: node.index)])) (Lloyd pass \(node.level))"
    }

    public func outcome(workers: [WorkerTally], counters: CoordinationCounters) -> ClusteringRun {
        ClusteringRun(passes: passes, passSeconds: passSeconds, workers: workers, counters: counters)
    }

    /// A block's partial must have the run's shape, account for every row of the block, and (last
    /// pass only) name a cluster for each row it kept.
    private func validate(_ o: AssignOutcome, node: MergeTree.Node) throws(InvalidResult) {
        guard node.level == passes.pass else { throw InvalidResult(reason: "a result for Lloyd pass \(node.level); pass \(passes.pass) is running") }
        let k = passes.clusters, d = passes.centroids.dimension, block = passes.blocks[node.index]
        let sums = passes.isLastPass ? 0 : k * d
        guard o.partial.counts.count == k, o.partial.dimension == d, o.partial.sums.count == sums else {
            throw InvalidResult(
                reason: passes.isLastPass ? "sums in the last pass's partial" : "partial sums of another shape than \(k) clusters × d \(d)")
        }
        guard o.partial.sums.allSatisfy(\.isFinite), o.partial.inertia.isFinite, o.partial.inertia >= 0, o.partial.counts.allSatisfy({ $0 >= 0 }) else {
            throw InvalidResult(reason: "a non-finite sum or a negative count or inertia")
        }
        let task = passes.task(node.index), taking = task.sample.map { $0.rows(in: block).count } ?? block.count
        guard o.skippedRows.allSatisfy({ block.contains(Int($0)) && task.sample?.contains(Int($0)) != false }),
            Set(o.skippedRows).count == o.skippedRows.count,
            o.partial.counts.reduce(0, +) + o.skippedRows.count == taking
        else {
            throw InvalidResult(reason: "counts and rows left out do not add up to the block's \(taking) rows")
        }
        guard let assigned = o.assignments else {
            guard !passes.isLastPass else { throw InvalidResult(reason: "the last pass's assignments are missing") }
            return
        }
        guard passes.isLastPass, assigned.count == block.count else {
            throw InvalidResult(reason: passes.isLastPass ? "\(assigned.count) assignments for \(block.count) rows" : "assignments nobody asked for")
        }
        let out = Set(o.skippedRows.map { Int($0) - block.lowerBound })
        for (i, a) in assigned.enumerated() where out.contains(i) ? a != -1 : !(0..<Int32(k)).contains(a) {
            throw InvalidResult(reason: "row \(block.lowerBound + i) assigned to \(a)")
        }
    }
}

/// What a distributed k-means hands back: the finished plan, the seconds each pass took, and the
/// workers' shares.
public struct ClusteringRun: Sendable, Equatable {
    public var passes: LloydPasses
    public var passSeconds: [Double]
    public var workers: [WorkerTally]
    public var counters: CoordinationCounters
}
