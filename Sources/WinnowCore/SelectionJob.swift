/// The fixed shape of one selection (design §2): the chunk plan, the merge tree and every task's
/// budget, derived from the row count and the settings alone. The single-process run and the
/// coordinator both walk the tree through this type, which is why their selections are identical.
public struct SelectionJob: Sendable {
    public private(set) var settings: SelectionSettings
    public let totalRows: Int
    public let dimension: Int
    public let plan: ChunkPlan
    public let tree: MergeTree
    public let budgets: BudgetRule
    public let leafBudgets: [Int]
    /// With label budgets: the root's caps and every chunk's label counts.
    public let labels: LabelPlan?
    /// The level whose nodes pick the selection: the root's, unless k is above
    /// `settings.maxMergePicks`. Then it is the highest level whose nodes' shares of k fit; each of
    /// its nodes picks exactly its share (`topShares`), and every node above it is the plain union of
    /// its children, made without a task. Label budgets keep one root (their caps are the root's).
    public let topLevel: Int
    /// At `topLevel` below the root: each node's share of k by planned rows, summing to k.
    public let topShares: [Int]
    /// Planned rows of the chunks before each chunk (one more entry than chunks): the rows beneath a
    /// node in two reads, where summing its chunks cost the coordinator O(chunks) a lease at 10^9 rows.
    private let rowsBefore: [Int]

    /// - Parameters:
    ///   - exact: one chunk holding the whole pool and α = 1: a single greedy, no merges.
    ///   - labels: one label per pool row, when `settings.labelBudget` is set.
    ///   - labelLeftOut: a label whose rows cannot be picked (`LabelPlan`'s `leftOut`).
    ///   - clusters: one k-means cluster per pool row, for `--partition cluster`.
    ///   - eligible: the only global rows to select among and to cover, ascending and distinct
    ///     (`--rows`, `--exclude`); nil: every row. The job is then the job of a pool of those rows.
    public init(
        totalRows: Int, dimension: Int, settings: SelectionSettings, exact: Bool = false, labels: [Int64]? = nil,
        labelLeftOut: Int64? = nil, clusters: [Int32]? = nil, eligible: [Int]? = nil
    ) {
        let totalRows = eligible?.count ?? totalRows
        var planSettings = settings
        if exact {
            planSettings.partition = .contiguous
            planSettings.chunkRows = max(totalRows, 2)
        }
        self.settings = settings
        self.totalRows = totalRows
        self.dimension = dimension
        plan = ChunkPlan(totalRows: totalRows, settings: planSettings, clusters: clusters, eligible: eligible)
        tree = MergeTree(leaves: max(1, plan.chunks.count), fanIn: settings.fanIn)
        budgets = BudgetRule(k: settings.budget, oversample: exact ? 1 : settings.oversample, totalRows: totalRows)
        let leafIsRoot = tree.levelSizes.count == 1
        var before = [0]
        before.reserveCapacity(plan.chunks.count + 1)
        for c in plan.chunks.indices { before.append(before[c] + plan.rowCount(ofChunk: c)) }
        // An empty pool still has a tree of one leaf.
        if plan.chunks.isEmpty { before.append(0) }
        rowsBefore = before
        let budgets = budgets, tree = tree
        (topLevel, topShares) = Self.top(
            of: tree, k: settings.budget, limit: settings.maxMergePicks,
            fixed: settings.labelBudget != nil || exact
        ) { node in
            let leaves = tree.leaves(of: node)
            return before[leaves.upperBound] - before[leaves.lowerBound]
        }
        leafBudgets =
            topLevel == 0 && !leafIsRoot
            ? topShares
            : plan.chunks.indices.map { budgets.leafBudget(rows: before[$0 + 1] - before[$0], isRoot: leafIsRoot) }
        if let budget = settings.labelBudget {
            guard let labels else { preconditionFailure("label budgets without the labels") }
            self.labels = LabelPlan(labels: labels, chunks: plan.chunks, budget: budget, k: settings.budget, leftOut: labelLeftOut)
        } else {
            self.labels = nil
        }
    }

    /// The highest level whose nodes' shares of k are all within `limit` (the root's when k is),
    /// with those shares; level 0 when not even the chunks' are.
    private static func top(
        of tree: MergeTree, k: Int, limit: Int, fixed: Bool,
        rows: (MergeTree.Node) -> Int
    ) -> (Int, [Int]) {
        let rootLevel = tree.levelSizes.count - 1
        if fixed || k <= limit { return (rootLevel, []) }
        for level in stride(from: rootLevel - 1, to: 0, by: -1) {
            let shares = BudgetRule.apportion(k, over: (0..<tree.levelSizes[level]).map { rows(MergeTree.Node(level: level, index: $0)) })
            if shares.max()! <= limit { return (level, shares) }
        }
        return (0, BudgetRule.apportion(k, over: (0..<tree.levelSizes[0]).map { rows(MergeTree.Node(level: 0, index: $0)) }))
    }

    /// Whether the tree stops below its root (`topLevel`).
    public var isPartitioned: Bool { topLevel < tree.levelSizes.count - 1 }

    /// The same job with another objective (an RBF bandwidth derived from the data): the plan, the
    /// tree, the budgets and the label caps do not depend on the objective.
    public func replacingObjective(_ objective: Objective) -> SelectionJob {
        var job = self
        job.settings.objective = objective
        return job
    }

    /// Under label caps a task's budget is their total: caps are upper bounds, and a budget below
    /// their sum would let the common labels use it up before a rare one got its share (the root
    /// could then not fill its caps). ⌈α · cap · rows here / rows⌉ summed over labels is about the
    /// usual α-oversampled budget anyway. At least 1: a lease's budget is positive.
    static func budget(under caps: LabelCaps) -> Int { max(1, caps.total) }

    /// The label caps of a node's task (nil without label budgets).
    public func labelCaps(_ node: MergeTree.Node) -> LabelCaps? {
        guard let labels else { return nil }
        var counts = [Int](repeating: 0, count: labels.totals.count)
        for leaf in tree.leaves(of: node) { for (i, c) in labels.chunkCounts[leaf].enumerated() { counts[i] += c } }
        return labels.caps(counts: counts, isRoot: node == tree.root, oversample: budgets.oversample)
    }

    public var chunkCount: Int { plan.chunks.count }

    /// What a worker needs to run chunk `c`.
    public func chunkTask(_ c: Int) -> ChunkTask {
        let leaf = MergeTree.Node(level: 0, index: c)
        let caps = labelCaps(leaf)
        return ChunkTask(
            chunk: c, ranges: plan.chunks[c], budget: caps.map { Self.budget(under: $0) } ?? leafBudgets[c],
            isRoot: tree.levelSizes.count == 1, sampleRows: sampleShare(of: leaf), labelCaps: caps)
    }

    /// Planned pool rows beneath a node of the tree.
    public func plannedRows(beneath node: MergeTree.Node) -> Int {
        let leaves = tree.leaves(of: node)
        return rowsBefore[leaves.upperBound] - rowsBefore[leaves.lowerBound]
    }

    /// The picks a merge node may make: k at the root, its share at `topLevel`, else at most
    /// min(k, ⌈α · k · rows / N⌉).
    private func pickBound(_ node: MergeTree.Node) -> Int {
        node == tree.root
            ? settings.budget
            : node.level == topLevel ? topShares[node.index] : budgets.mergeBudgetBound(rows: plannedRows(beneath: node))
    }

    /// The rows a merge node's greedy covers (0: none, it merges as `settings.merge` says): about S
    /// rows sampled from beneath it (`mergeSample`), and at the nodes that make the final picks
    /// (`topLevel`) at least R per pick (`sampleRowsPerPick`); at most every row there and
    /// `mergeSampleLimit`. A sample that still holds fewer than `thinSampleRowsPerPick` rows per pick,
    /// and is not every row beneath the node, is not covered. Why R only at the top: there the picks
    /// are final; below, a node only prunes candidates, and covering R rows a pick at every level
    /// cost 2.4 times the whole selection at 1M rows, k = 10,000 (BENCHMARKS.md § Merges whose sample grows).
    public func sampleSize(_ node: MergeTree.Node) -> Int {
        guard settings.coversRowSample, node.level > 0, node.level <= topLevel else { return 0 }
        let picks = Double(pickBound(node)), rows = plannedRows(beneath: node)
        let perPick = node.level == topLevel ? settings.sampleRowsPerPick : 0
        let wanted = max(Double(settings.mergeSample), (perPick * picks).rounded(.up))
        let size = min(rows, SelectionSettings.mergeSampleLimit, Int(wanted))
        let thin = Double(size) < SelectionSettings.Default.thinSampleRowsPerPick * picks
        return thin && size < rows ? 0 : size
    }

    /// Whether a merge node covers a row sample (`sampleSize`).
    public func coversSample(_ node: MergeTree.Node) -> Bool { sampleSize(node) > 0 }

    /// How many sample rows a node hands its parent: its share by rows of what the parent needs from
    /// beneath it, ⌈need · rows(node) / rows(parent)⌉, where the parent needs its own sample or its
    /// share of its parent's, whichever is larger. 0 at the root and where no node above covers one.
    public func sampleShare(of node: MergeTree.Node) -> Int {
        guard let parent = tree.parent(of: node) else { return 0 }
        let need = max(sampleSize(parent), sampleShare(of: parent))
        guard need > 0 else { return 0 }
        let rows = Double(plannedRows(beneath: node)), parentRows = Double(max(1, plannedRows(beneath: parent)))
        return Int((Double(need) * rows / parentRows).rounded(.up))
    }

    /// What happens at a merge node once all its children are in: either the result is already
    /// known (every child empty, a non-root node whose candidates fit its budget, or a node above
    /// `topLevel`: the union of its children), or a greedy task has to run.
    public enum MergeStep: Sendable {
        case done(Coreset)
        case greedy(MergeTask)
    }

    /// - Parameter children: the node's children's coresets, in node order.
    public func mergeStep(_ node: MergeTree.Node, children: [Coreset]) -> MergeStep {
        let beneath = children.reduce(0) { $0 + $1.rowsBeneath }
        let live = children.filter { $0.count > 0 }
        let isRoot = node == tree.root
        guard !live.isEmpty else { return .done(Coreset.empty(dimension: dimension, rowsBeneath: beneath)) }
        if node.level > topLevel { return .done(SelectionTasks.union(of: live, rowsBeneath: beneath)) }
        let caps = labelCaps(node)
        let budget =
            caps.map { Self.budget(under: $0) }
            ?? (node.level == topLevel && !isRoot ? topShares[node.index] : nil)
            ?? budgets.mergeBudget(rows: beneath, candidates: live.reduce(0) { $0 + $1.count }, isRoot: isRoot)
        let task = MergeTask(
            node: node, children: live, budget: budget, isRoot: isRoot, rowsBeneath: beneath,
            sampleRows: sampleShare(of: node), labelCaps: caps)
        let passes = SelectionTasks.passesThrough(
            isRoot: isRoot, candidates: task.candidateCount, budget: budget,
            labels: caps == nil ? nil : live.flatMap { $0.labels ?? [] }, caps: caps)
        if passes { return .done(task.run(settings: settings)) }
        return .greedy(task)
    }
}

/// A chunk to select from: its rows as ranges, and its local budget.
public struct ChunkTask: Sendable, Equatable {
    public var chunk: Int
    public var ranges: [Range<Int>]
    public var budget: Int
    public var isRoot: Bool
    /// Rows of the chunk to hand the parent as its sample (`SelectionJob.sampleShare`).
    public var sampleRows: Int
    /// With label budgets: the most picks each label may have here.
    public var labelCaps: LabelCaps?

    public init(chunk: Int, ranges: [Range<Int>], budget: Int, isRoot: Bool, sampleRows: Int = 0, labelCaps: LabelCaps? = nil) {
        self.chunk = chunk
        self.ranges = ranges
        self.budget = budget
        self.isRoot = isRoot
        self.sampleRows = sampleRows
        self.labelCaps = labelCaps
    }

    public var plannedRows: Int { ranges.reduce(0) { $0 + $1.count } }
    public var rows: [Int64] { ranges.flatMap { $0.map { Int64($0) } } }
}

/// A merge node's greedy: its children's non-empty coresets in node order, and its budget.
public struct MergeTask: Sendable, Equatable {
    public var node: MergeTree.Node
    public var children: [Coreset]
    public var budget: Int
    public var isRoot: Bool
    /// Pool rows beneath the node, empty children included.
    public var rowsBeneath: Int
    /// Rows of the node's sample to hand its parent (`SelectionJob.sampleShare`).
    public var sampleRows: Int
    /// With label budgets: the most picks each label may have here.
    public var labelCaps: LabelCaps?

    public init(
        node: MergeTree.Node, children: [Coreset], budget: Int, isRoot: Bool, rowsBeneath: Int, sampleRows: Int = 0,
        labelCaps: LabelCaps? = nil
    ) {
        self.node = node
        self.children = children
        self.budget = budget
        self.isRoot = isRoot
        self.rowsBeneath = rowsBeneath
        self.sampleRows = sampleRows
        self.labelCaps = labelCaps
    }

    public var candidateCount: Int { children.reduce(0) { $0 + $1.count } }

    /// - Parameters:
    ///   - targets: what facility location covers (`--targets`; nil: the pool).
    ///   - given: rows chosen before (`--given`), which the greedy starts from.
    public func run(
        settings: SelectionSettings, progress: ProgressMeter? = nil, targets: VectorBlock? = nil, given: GivenRows? = nil
    ) -> Coreset {
        var result = SelectionTasks.merge(
            children: children, budget: budget, isRoot: isRoot, settings: settings, node: node,
            sampleRows: sampleRows, labelCaps: labelCaps, progress: progress, targets: targets, given: given)
        result.rowsBeneath = rowsBeneath
        return result
    }
}
