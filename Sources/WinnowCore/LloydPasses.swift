/// Lloyd's iterations as a plan of independent tasks: pass p assigns block b of the pool to the
/// centroids pass p started from. A pass's partials are merged in block order as they come in, so the
/// centroids — and every later pass — do not depend on who ran which block, in what order, or how
/// often (design §4). `winnow cluster` in one process and its coordinator both walk this plan.
///
/// With a fit sample the iterations read only the sampled rows (each fitting block spans enough of the
/// pool to hold about a block's rows of the sample) but the last `fullIterations`, which read every
/// row, and the last pass assigns every row once: the centroids cost `iterations × sample` plus
/// `fullIterations + 1` passes over the pool, not `iterations + 1`. An iteration on every row moves
/// each centroid to the mean of all the rows it holds, which removes most of what fitting on a
/// sample costs in inertia (a Lloyd step never raises it).
public struct LloydPasses: Sendable, Equatable {
    /// The blocks of the iterations: pool ranges of which only the fit sample's rows take part.
    public let fitBlocks: [Range<Int>]
    /// The blocks of the last pass, which assigns every row.
    public let finalBlocks: [Range<Int>]
    /// The rows the iterations fit on (nil: every row).
    public let sample: FitSample?
    /// Lloyd iterations at most; pass `iterations` (the last) assigns every row to the final centroids.
    /// The iterations stop early once a pass leaves every centroid where it was (`finishedPasses`
    /// then holds fewer than `iterations + 1` passes).
    public let iterations: Int
    /// The first pass that reads every row (`iterations`: only the last).
    public let firstFullPass: Int
    public let clusters: Int
    public let normalizesRows: Bool
    /// The pass running now (`iterations + 1` once finished).
    public private(set) var pass = 0
    /// The centroids the current pass started from (after the last pass: the final centroids).
    public private(set) var centroids: VectorBlock
    /// Each finished pass's rows per cluster and inertia (that of the centroids it started from).
    public private(set) var finishedPasses: [FinishedPass] = []
    /// Every row's cluster to the final centroids, −1 for a row left out (filled by the last pass).
    public private(set) var assignments: [Int32]
    /// The current pass's blocks whose result is in.
    private var recorded: [Bool]
    /// The results of blocks `0..<mergedThrough`, merged in block order, and those of later blocks
    /// that came first: at k = 10,000 a partial is 30 MB, and a pass holding all of them until its last
    /// block came in held 9 GB at 10M rows.
    private var merged: KMeansPartial
    private var mergedThrough = 0
    private var waiting: [Int: KMeansPartial] = [:]

    public init(totalRows: Int, settings: KMeansSettings, seeds: VectorBlock) {
        precondition(seeds.rows == settings.k, "LloydPasses: one seed per cluster")
        sample = FitSample.forFit(rows: totalRows, clusters: settings.k, rowsPerCluster: settings.fitRowsPerCluster, seed: settings.seed)
        finalBlocks = Self.cut(totalRows, by: settings.chunkRows)
        fitBlocks = sample.map { Self.cut(totalRows, by: $0.span(sampledRows: settings.chunkRows)) } ?? finalBlocks
        iterations = settings.iterations
        firstFullPass = sample == nil ? 0 : max(0, settings.iterations - settings.fullIterations)
        clusters = settings.k
        normalizesRows = settings.normalizesRows
        centroids = seeds
        assignments = [Int32](repeating: -1, count: totalRows)
        recorded = Array(repeating: false, count: firstFullPass == 0 ? finalBlocks.count : fitBlocks.count)
        merged = KMeansPartial(clusters: settings.k, dimension: seeds.dimension)
    }

    private static func cut(_ rows: Int, by size: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: size).map { $0..<min(rows, $0 + size) }
    }

    /// The current pass's blocks (after the last pass: the last pass's).
    public var blocks: [Range<Int>] { pass >= firstFullPass ? finalBlocks : fitBlocks }
    /// Blocks of pass `p`.
    public func blockCount(pass p: Int) -> Int { p >= firstFullPass ? finalBlocks.count : fitBlocks.count }
    /// The pool rows block `b` of pass `p` spans.
    public func rows(pass p: Int, block b: Int) -> Range<Int> { p >= firstFullPass ? finalBlocks[b] : fitBlocks[b] }

    public var isFinished: Bool { pass > iterations }
    public var isLastPass: Bool { pass == iterations }
    /// Blocks of the current pass whose result is not in yet.
    public var blocksLeft: Int { isFinished ? 0 : recorded.lazy.filter { !$0 }.count }

    /// What block `b` of the current pass asks of whoever runs it.
    public func task(_ b: Int) -> AssignTask {
        AssignTask(
            pass: pass, block: b, rows: blocks[b], centroids: centroids, returnsAssignments: isLastPass,
            normalizesRows: normalizesRows, sample: pass >= firstFullPass ? nil : sample)
    }

    public func hasResult(pass: Int, block: Int) -> Bool {
        pass < self.pass || (pass == self.pass && recorded[block])
    }

    /// Records block `b`'s result for the current pass. Returns true when it completed the pass: the
    /// centroids moved on (or, after the last pass, the plan is finished).
    public mutating func record(_ result: AssignOutcome, block b: Int) -> Bool {
        precondition(!isFinished && !recorded[b], "LloydPasses: a block recorded twice")
        recorded[b] = true
        waiting[b] = result.partial
        while let next = waiting.removeValue(forKey: mergedThrough) {
            merged.merge(next)
            mergedThrough += 1
        }
        if let assigned = result.assignments {
            for (i, a) in assigned.enumerated() { assignments[blocks[b].lowerBound + i] = a }
        }
        guard mergedThrough == recorded.count else { return false }
        let total = merged
        finishedPasses.append(FinishedPass(counts: total.counts, inertia: total.inertia))
        if isLastPass {
            pass += 1
        } else {
            let moved = KMeans.update(centroids, with: total)
            // Centroids that did not move give the same assignments, partials and centroids on every
            // later pass: the plan goes straight to its last pass, which assigns the rows.
            // On the sample, still: on to the iterations over every row.
            pass = moved.values != centroids.values ? pass + 1 : pass < firstFullPass ? firstFullPass : iterations
            centroids = moved
        }
        recorded = Array(repeating: false, count: blocks.count)
        merged = KMeansPartial(clusters: clusters, dimension: centroids.dimension)
        mergedThrough = 0
        return true
    }
}

/// What a finished pass leaves behind: its sums went into the centroids (at k = 10,000 they are 30 MB
/// a pass, which a plan of 21 passes has no reason to keep).
public struct FinishedPass: Sendable, Equatable {
    public let counts: [Int]
    public let inertia: Double
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
    /// Only the rows of `rows` in this sample take part (nil: all of them).
    public var sample: FitSample?

    public init(
        pass: Int, block: Int, rows: Range<Int>, centroids: VectorBlock, returnsAssignments: Bool, normalizesRows: Bool,
        sample: FitSample? = nil
    ) {
        self.sample = sample
        self.pass = pass
        self.block = block
        self.rows = rows
        self.centroids = centroids
        self.returnsAssignments = returnsAssignments
        self.normalizesRows = normalizesRows
    }

    /// The task's place in a run's task tree: level = pass, index = block.
    public var node: MergeTree.Node { MergeTree.Node(level: pass, index: block) }

    /// The rows that take part, ascending.
    public var participants: [Int] { sample?.rows(in: rows) ?? Array(rows) }
}

/// What a block's assignment found: its partial sums (none in the last pass, which asks for each
/// row's cluster instead), the rows it left out, and (when asked) each row's cluster (−1: left out).
public struct AssignOutcome: Sendable, Equatable {
    public var partial: KMeansPartial
    public var assignments: [Int32]?
    public var skippedRows: [Int64]

    public init(partial: KMeansPartial, assignments: [Int32]?, skippedRows: [Int64]) {
        self.partial = partial
        self.assignments = assignments
        self.skippedRows = skippedRows
    }

    /// The assignment of `block`, the vectors of `task`'s rows `rows` (its participants, ascending) of
    /// which those at offsets `kept` take part (nil: all).
    public static func assigning(_ block: VectorBlock, rows: [Int], kept: [Int]?, for task: AssignTask) -> AssignOutcome {
        var (assigned, partial) = KMeans.assign(block, to: task.centroids)
        var all: [Int32]?
        if task.returnsAssignments {
            partial = partial.withoutSums()
            var out = [Int32](repeating: -1, count: task.rows.count)
            for (b, a) in assigned.enumerated() { out[rows[kept?[b] ?? b] - task.rows.lowerBound] = a }
            all = out
        }
        let keptSet = kept.map(Set.init)
        let skipped = keptSet.map { k in rows.indices.filter { !k.contains($0) }.map { Int64(rows[$0]) } } ?? []
        return AssignOutcome(partial: partial, assignments: all, skippedRows: skipped)
    }
}
