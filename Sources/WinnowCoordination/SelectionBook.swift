import HeapModule
import WinnowCore

/// The tasks of a selection (design §2–§3): chunks, then the merge tree's nodes as their children
/// come in. Merge steps that need no greedy (every child empty, or candidates within budget) are done
/// here at once; every result is checked against its task before it counts.
public struct SelectionBook: TaskBook {
    public let job: SelectionJob
    private var pendingChunks: Heap<Int>
    private var readyMerges = Heap<MergeTree.Node>()
    private var mergeTasks: [MergeTree.Node: MergeTask] = [:]
    /// Results waiting for their parent's other children.
    private var done: [MergeTree.Node: Coreset] = [:]
    private var completed: Set<MergeTree.Node> = []
    /// The chunks' statistics merged in chunk order, as one pass over the pool would, up to chunk
    /// `statisticsFolded`; those of later chunks wait in `statisticsWaiting` (left-out chunks in
    /// `leftOutWaiting`). Keeping every chunk's (2 × d Doubles) held 750 MB at 10^9 rows, d = 384.
    private var statistics: EmbeddingStatistics
    private var statisticsFolded = 0
    private var statisticsWaiting: [Int: EmbeddingStatistics] = [:]
    private var leftOutWaiting: Set<Int> = []
    private var chunkSkipped: [[Int64]]
    private var selection: Coreset?

    public init(job: SelectionJob) {
        self.job = job
        pendingChunks = Heap(0..<job.chunkCount)
        statistics = EmbeddingStatistics(dimension: job.dimension)
        chunkSkipped = Array(repeating: [], count: job.chunkCount)
    }

    public var levelSizes: [Int] { job.tree.levelSizes }
    public var totalRows: Int { job.totalRows }
    public var tasksLeft: Int { job.chunkCount + job.tree.mergeNodes.count - completed.count }
    public var isFinished: Bool { selection != nil }
    public var root: MergeTree.Node { job.tree.root }

    /// A ready merge before the next chunk: the coordinator holds every merge's candidates (vectors
    /// included) until it is done, so handing chunks out first held all α · k of the leaves' picks at
    /// once (614 MB at k = 100,000, d = 384); merging as soon as a group is complete holds a few groups.
    public mutating func nextWork() -> Lease.Work? {
        while let node = readyMerges.popMin() {
            if let task = mergeTasks[node], !completed.contains(node) { return .merge(task) }
        }
        while let c = pendingChunks.popMin() {
            if !completed.contains(MergeTree.Node(level: 0, index: c)) { return .chunk(job.chunkTask(c)) }
        }
        return nil
    }

    public func work(for node: MergeTree.Node) -> Lease.Work? {
        node.level == 0 ? .chunk(job.chunkTask(node.index)) : mergeTasks[node].map { .merge($0) }
    }

    public mutating func requeue(_ node: MergeTree.Node) {
        if node.level == 0 { pendingChunks.insert(node.index) } else { readyMerges.insert(node) }
    }

    public func isDone(_ node: MergeTree.Node) -> Bool { completed.contains(node) }

    public func node(of result: WorkerMessage) -> MergeTree.Node? {
        switch result {
        case .chunkResult(let r):
            let node = MergeTree.Node(level: 0, index: r.chunk)
            return r.chunk < job.chunkCount ? node : nil
        case .mergeResult(let r):
            return r.node.level < job.tree.levelSizes.count && r.node.index < job.tree.levelSizes[r.node.level] ? r.node : nil
        default:
            return nil
        }
    }

    public mutating func take(
        _ result: WorkerMessage, node: MergeTree.Node, now: Duration,
        counters: inout CoordinationCounters, progress: inout LevelProgress
    ) throws(InvalidResult) -> TakenResult {
        switch result {
        case .chunkResult(let r):
            try validate(r)
            fold(r.statistics, chunk: r.chunk)
            chunkSkipped[r.chunk] = r.skippedRows
            let record = accepted(node, r.coreset, statistics: r.statistics)
            complete(node, r.coreset, counters: &counters, progress: &progress)
            return TakenResult(record: record, readsPool: true, rows: r.coreset.rowsBeneath)
        case .mergeResult(let r):
            try validate(r)
            let rows = mergeTasks[node]?.candidateCount ?? 0
            let record = accepted(node, r.coreset, statistics: nil)
            complete(node, r.coreset, counters: &counters, progress: &progress)
            return TakenResult(record: record, readsPool: false, rows: rows)
        default:
            throw InvalidResult(reason: "not a selection result")
        }
    }

    public mutating func restore(_ record: WorkerMessage, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool {
        switch record {
        case .chunkResult(let r):
            let node = MergeTree.Node(level: 0, index: r.chunk)
            guard r.chunk < job.chunkCount, !completed.contains(node), (try? validate(r)) != nil else { return false }
            fold(r.statistics, chunk: r.chunk)
            chunkSkipped[r.chunk] = r.skippedRows
            complete(node, r.coreset, counters: &counters, progress: &progress)
        case .mergeResult(let r):
            guard !completed.contains(r.node), (try? validate(r)) != nil else { return false }
            complete(r.node, r.coreset, counters: &counters, progress: &progress)
        default:
            return false
        }
        return true
    }

    /// Only a chunk: its rows are recorded as skipped and it counts as empty.
    public mutating func leaveOut(_ node: MergeTree.Node, counters: inout CoordinationCounters, progress: inout LevelProgress) -> Bool {
        guard node.level == 0 else { return false }
        counters.poisonedChunks.append(node.index)
        fold(nil, chunk: node.index)
        let task = job.chunkTask(node.index)
        chunkSkipped[node.index] = task.rows
        complete(node, Coreset.empty(dimension: job.dimension, rowsBeneath: task.plannedRows), counters: &counters, progress: &progress)
        return true
    }

    public func place(of node: MergeTree.Node, config: RunConfig) -> String {
        node.level == 0 ? config.describe(rows: job.plan.chunks[node.index]) : "merge node \(node)"
    }

    public func outcome(workers: [WorkerTally], counters: CoordinationCounters) -> SelectionRun {
        precondition(statisticsFolded == job.chunkCount, "SelectionBook: the outcome before every chunk's statistics")
        return SelectionRun(
            selection: selection!, statistics: statistics, skippedRows: chunkSkipped.flatMap { $0 },
            workers: workers, counters: counters)
    }

    /// Merges a chunk's statistics (nil: left out) once every chunk before it is in.
    private mutating func fold(_ chunkStatistics: EmbeddingStatistics?, chunk: Int) {
        if let chunkStatistics { statisticsWaiting[chunk] = chunkStatistics } else { leftOutWaiting.insert(chunk) }
        while true {
            if let next = statisticsWaiting.removeValue(forKey: statisticsFolded) {
                statistics.merge(next)
            } else if leftOutWaiting.remove(statisticsFolded) == nil {
                return
            }
            statisticsFolded += 1
        }
    }

    // MARK: the tree

    /// Records a node's result and runs every merge step it unlocks. At and above a partitioned top
    /// the picks are kept without vectors: nothing merges them again (the command reads them back
    /// from the pool).
    private mutating func complete(_ node: MergeTree.Node, _ result: Coreset, counters: inout CoordinationCounters, progress: inout LevelProgress) {
        let coreset = job.isPartitioned && node.level >= job.topLevel ? result.withoutVectors : result
        completed.insert(node)
        progress.finished(level: node.level, rows: coreset.rowsBeneath)
        mergeTasks[node] = nil
        guard node != job.tree.root else {
            selection = coreset
            return
        }
        done[node] = coreset
        let parent = job.tree.parent(of: node)!
        let siblings = job.tree.children(of: parent)
        guard siblings.allSatisfy({ done[$0] != nil }) else { return }
        let children = siblings.map { done.removeValue(forKey: $0)! }
        switch job.mergeStep(parent, children: children) {
        case .done(let result):
            counters.mergesOnCoordinator += 1
            complete(parent, result, counters: &counters, progress: &progress)
        case .greedy(let task):
            mergeTasks[parent] = task
            readyMerges.insert(parent)
        }
    }

    /// The result as it goes into the journal.
    private func accepted(_ node: MergeTree.Node, _ coreset: Coreset, statistics: EmbeddingStatistics?) -> WorkerMessage {
        if node.level == 0 {
            return .chunkResult(
                ChunkResult(
                    leaseID: 0, chunk: node.index, coreset: coreset,
                    statistics: statistics ?? EmbeddingStatistics(dimension: job.dimension),
                    skippedRows: chunkSkipped[node.index], busySeconds: 0))
        }
        return .mergeResult(MergeResult(leaseID: 0, node: node, coreset: coreset, busySeconds: 0))
    }

    // MARK: checks
    private func validate(_ r: ChunkResult) throws(InvalidResult) {
        guard r.chunk < job.chunkCount else { throw InvalidResult(reason: "chunk \(r.chunk) does not exist") }
        let task = job.chunkTask(r.chunk)
        guard r.coreset.count <= task.budget else {
            throw InvalidResult(reason: "\(r.coreset.count) picks exceed the budget \(task.budget)")
        }
        guard r.coreset.rowsBeneath == task.plannedRows else {
            throw InvalidResult(reason: "rows beneath \(r.coreset.rowsBeneath) ≠ the chunk's \(task.plannedRows)")
        }
        guard r.coreset.vectors.dimension == job.dimension, r.statistics.dimension == job.dimension else {
            throw InvalidResult(reason: "dimension differs from the pool's \(job.dimension)")
        }
        try validateSample(of: r.coreset, size: task.sampleRows)
        try validateQuality(of: r.coreset)
        try validateLabels(of: r.coreset, caps: task.labelCaps)
        for row in r.coreset.rows + r.skippedRows + (r.coreset.sample?.rows ?? [])
        where !task.ranges.contains(where: { $0.contains(Int(row)) }) {
            throw InvalidResult(reason: "row \(row) is not in chunk \(r.chunk)")
        }
    }

    /// A task asked for a row sample returns one of at most that size (a worker that ignored the
    /// request would silently change the selection), and only then.
    private func validateSample(of coreset: Coreset, size: Int) throws(InvalidResult) {
        guard (coreset.sample != nil) == (size > 0 && coreset.count > 0) else {
            throw InvalidResult(reason: size > 0 ? "the row sample asked for is missing" : "a row sample nobody asked for")
        }
        if let sample = coreset.sample, sample.count > size {
            throw InvalidResult(reason: "a row sample of \(sample.count) rows; \(size) asked for")
        }
    }

    /// A run that weighs quality gets every pick's score (which its merges add to the gains), and
    /// only such a run.
    private func validateQuality(of coreset: Coreset) throws(InvalidResult) {
        let expected = job.settings.qualityWeight != 0 && coreset.count > 0
        guard (coreset.quality != nil) == expected else {
            throw InvalidResult(reason: expected ? "the picks' quality scores are missing" : "quality scores nobody asked for")
        }
    }

    /// With label budgets every non-empty result carries its picks' labels, and keeps to its task's caps.
    private func validateLabels(of coreset: Coreset, caps: LabelCaps?) throws(InvalidResult) {
        guard let caps else {
            guard coreset.labels == nil else { throw InvalidResult(reason: "labels nobody asked for") }
            return
        }
        guard coreset.count == 0 || coreset.labels != nil else { throw InvalidResult(reason: "the picks' labels are missing") }
        guard caps.admits(coreset.labels ?? []) else { throw InvalidResult(reason: "the picks exceed a label's cap") }
    }

    /// A candidate's label or score came up with it from a child: a merge's pick must carry the same one.
    private func validateCarried<Value: Hashable>(
        _ values: KeyPath<Coreset, [Value]?>, _ what: String, of coreset: Coreset,
        from children: [Coreset]
    ) throws(InvalidResult) {
        guard let picked = coreset[keyPath: values] else { return }
        var known: [Int64: Value] = [:]
        for child in children { for (row, v) in zip(child.rows, child[keyPath: values] ?? []) { known[row] = v } }
        for (row, v) in zip(coreset.rows, picked) where known[row] != v {
            throw InvalidResult(reason: "row \(row)'s \(what) \(v) is not the one it came with")
        }
    }

    private func validate(_ r: MergeResult) throws(InvalidResult) {
        guard let task = mergeTasks[r.node] else { throw InvalidResult(reason: "\(r.node) is not a merge waiting for a result") }
        guard r.coreset.count <= task.budget else {
            throw InvalidResult(reason: "\(r.coreset.count) picks exceed the budget \(task.budget)")
        }
        guard r.coreset.vectors.dimension == job.dimension else { throw InvalidResult(reason: "dimension differs") }
        let candidates = Set(task.children.flatMap(\.rows))
        for row in r.coreset.rows where !candidates.contains(row) {
            throw InvalidResult(reason: "row \(row) was not a candidate of \(r.node)")
        }
        try validateSample(of: r.coreset, size: task.sampleRows)
        try validateQuality(of: r.coreset)
        try validateLabels(of: r.coreset, caps: task.labelCaps)
        try validateCarried(\.labels, "label", of: r.coreset, from: task.children)
        try validateCarried(\.quality, "quality score", of: r.coreset, from: task.children)
        let sampled = Set(task.children.flatMap { $0.sample?.rows ?? [] })
        for row in r.coreset.sample?.rows ?? [] where !sampled.contains(row) {
            throw InvalidResult(reason: "sample row \(row) was not in the samples of \(r.node)'s children")
        }
    }
}
