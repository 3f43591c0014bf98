/// Lloyd's iterations as a plan of independent tasks: pass p assigns block b of the pool to the
/// centroids pass p started from. A pass's partials are merged in block order once all are in, so the
/// centroids — and every later pass — do not depend on who ran which block, in what order, or how
/// often (design §4). `winnow cluster` in one process and its coordinator both walk this plan.
public struct LloydPasses: Sendable, Equatable {
    public let blocks: [Range<Int>]
    /// Lloyd iterations at most; pass `iterations` (the last) assigns every row to the final centroids.
    /// The iterations stop early once a pass leaves every centroid where it was (`finishedPasses`
    /// then holds fewer than `iterations + 1` passes).
    public let iterations: Int
    public let clusters: Int
    public let normalizesRows: Bool
    /// The pass running now (`iterations + 1` once finished).
    public private(set) var pass = 0
    /// The centroids the current pass started from (after the last pass: the final centroids).
    public private(set) var centroids: VectorBlock
    /// Each finished pass's partials merged: its inertia is that of the centroids it started from.
    public private(set) var finishedPasses: [KMeansPartial] = []
    /// Every row's cluster to the final centroids, −1 for a row left out (filled by the last pass).
    public private(set) var assignments: [Int32]
    private var partials: [KMeansPartial?]

    public init(totalRows: Int, settings: KMeansSettings, seeds: VectorBlock) {
        precondition(seeds.rows == settings.k, "LloydPasses: one seed per cluster")
        blocks = stride(from: 0, to: totalRows, by: settings.chunkRows).map { $0..<min(totalRows, $0 + settings.chunkRows) }
        iterations = settings.iterations
        clusters = settings.k
        normalizesRows = settings.normalizesRows
        centroids = seeds
        assignments = [Int32](repeating: -1, count: totalRows)
        partials = Array(repeating: nil, count: blocks.count)
    }

    public var isFinished: Bool { pass > iterations }
    public var isLastPass: Bool { pass == iterations }
    /// Blocks of the current pass whose result is not in yet.
    public var blocksLeft: Int { isFinished ? 0 : partials.lazy.filter { $0 == nil }.count }

    /// What block `b` of the current pass asks of whoever runs it.
    public func task(_ b: Int) -> AssignTask {
        AssignTask(
            pass: pass, block: b, rows: blocks[b], centroids: centroids, returnsAssignments: isLastPass,
            normalizesRows: normalizesRows)
    }

    public func hasResult(pass: Int, block: Int) -> Bool {
        pass < self.pass || (pass == self.pass && partials[block] != nil)
    }

    /// Records block `b`'s result for the current pass. Returns true when it completed the pass: the
    /// centroids moved on (or, after the last pass, the plan is finished).
    public mutating func record(_ result: AssignOutcome, block b: Int) -> Bool {
        precondition(!isFinished && partials[b] == nil, "LloydPasses: a block recorded twice")
        partials[b] = result.partial
        if let assigned = result.assignments {
            for (i, a) in assigned.enumerated() { assignments[blocks[b].lowerBound + i] = a }
        }
        guard partials.allSatisfy({ $0 != nil }) else { return false }
        var total = KMeansPartial(clusters: clusters, dimension: centroids.dimension)
        for p in partials { total.merge(p!) }
        finishedPasses.append(total)
        if isLastPass {
            pass += 1
        } else {
            let moved = KMeans.update(centroids, with: total)
            // Centroids that did not move give the same assignments, partials and centroids on every
            // later pass: the plan goes straight to its last pass, which assigns the rows.
            pass = moved.values == centroids.values ? iterations : pass + 1
            centroids = moved
        }
        partials = Array(repeating: nil, count: blocks.count)
        return true
    }
}

/// One block of one Lloyd pass, as leased to a worker.
public struct AssignTask: Sendable, Equatable {
    public var pass: Int
    public var block: Int
    public var rows: Range<Int>
    public var centroids: VectorBlock
    /// The last pass: every row's cluster is wanted too.
    public var returnsAssignments: Bool
    /// Rows are scaled to unit length before they are assigned.
    public var normalizesRows: Bool

    public init(pass: Int, block: Int, rows: Range<Int>, centroids: VectorBlock, returnsAssignments: Bool, normalizesRows: Bool) {
        self.pass = pass
        self.block = block
        self.rows = rows
        self.centroids = centroids
        self.returnsAssignments = returnsAssignments
        self.normalizesRows = normalizesRows
    }

    /// The task's place in a run's task tree: level = pass, index = block.
    public var node: MergeTree.Node { MergeTree.Node(level: pass, index: block) }
}

/// What a block's assignment found: its partial sums, the rows it left out, and (when asked) each
/// row's cluster (−1: left out).
public struct AssignOutcome: Sendable, Equatable {
    public var partial: KMeansPartial
    public var assignments: [Int32]?
    public var skippedRows: [Int64]

    public init(partial: KMeansPartial, assignments: [Int32]?, skippedRows: [Int64]) {
        self.partial = partial
        self.assignments = assignments
        self.skippedRows = skippedRows
    }

    /// The assignment of `block` (rows `rows`, of which `kept` — block offsets, ascending — take part).
    public static func assigning(
        _ block: VectorBlock, rows: Range<Int>, kept: [Int]?, to centroids: VectorBlock,
        returnsAssignments: Bool
    ) -> AssignOutcome {
        let (assigned, partial) = KMeans.assign(block, to: centroids)
        var all: [Int32]?
        if returnsAssignments {
            var out = [Int32](repeating: -1, count: rows.count)
            for (b, a) in assigned.enumerated() { out[kept?[b] ?? b] = a }
            all = out
        }
        let keptSet = kept.map(Set.init)
        let skipped = keptSet.map { k in (0..<rows.count).filter { !k.contains($0) }.map { Int64(rows.lowerBound + $0) } } ?? []
        return AssignOutcome(partial: partial, assignments: all, skippedRows: skipped)
    }
}
