import Dispatch
import Logging
import Synchronization
import WinnowCore
import WinnowIO

/// What the border check found (`BorderCheck`): the (kept row, other cluster) reaches it compared and
/// the comparisons they cost against its budget, how near a border it checked every reach, pairs
/// above the threshold, rows it dropped, and its time.
public struct BorderOutcome: Sendable, Equatable {
    /// Reaches compared, and those a near-duplicate could cross that the budget left out.
    public var reaches: Int
    public var reachesLeft: Int
    public var comparisons: Double
    /// Steps of the budget compared (`DedupSettings.borderFirstStep`): the check ends after one that
    /// finds no pair, or at the budget.
    public var steps: Int
    public var firstStepComparisons: Double
    public var budgetComparisons: Double
    /// Every kept row was compared with every other cluster whose border is nearer than this
    /// (infinite: every border a near-duplicate can cross).
    public var checkedWithin: Double
    /// No pair above the threshold was left uncompared: no reach left out and no cluster split (the
    /// parts of a split cluster are not compared with each other).
    public var exact: Bool
    public var pairs: Int
    public var dropped: Int
    /// Rows the walk had dropped for a row the check dropped, compared again, and those of them kept.
    public var comparedAgain: Int
    public var keptAgain: Int
    public var seconds: Double
}

/// The border check after the within-cluster pass, in this process on every core. Passes over the
/// kept rows in fixed blocks: with two levels a first finds each cluster's largest slack; then each row's
/// reaches (`BorderCells`), which a `BorderBudget` keeps nearest first; then, a step of those reaches
/// at a time (`BorderBudget.steps`) until one finds nothing, each cluster's kept rows are compared with
/// the rows that reach it; the pairs found are settled in the keep order.
///
/// A row the walk dropped for a row the check then drops would otherwise stay dropped for a row that
/// is gone (on Fashion-MNIST at 0.95, 5,967 of 36,082 dropped rows): each such row is compared again,
/// within its cluster and across the borders it reaches as near as the budget went, with every kept
/// row and every other such row, and is dropped for the nearest kept one (those before it in the keep
/// order, for the others) or kept. The kept rows stay free of pairs above the threshold among the
/// comparisons made, and every dropped row names a kept row.
///
/// The budget's reaches do not depend on the order blocks finish in, and clusters are put together in
/// cluster order, so the bytes do not depend on the threads, nor on who ran the within-cluster pass.
enum DedupBorder {
    /// Rows a block of the passes holds.
    static let blockRows = 2048

    static func run(
        _ found: DedupOutcome, pool: Pool, settings: DedupSettings, quality: QualityColumn?, log: Logger
    ) throws -> DedupOutcome {
        let start = ContinuousClock.now
        let clustering = found.clustering, k = clustering.centroids.rows
        let geometry = Geometry(
            pool: pool, clustering: clustering, threshold: settings.threshold,
            candidates: settings.borderBudget.isFinite ? settings.borderCandidates : nil)
        let hosts = geometry.byCluster(found.kept.sorted())
        var slacks = try geometry.slacks(of: hosts)
        // The walk compares each part's kept rows with each other: about kept² / (2 · parts) a cluster.
        let walked = hosts.enumerated().reduce(0.0) { sum, c in
            let n = Double(c.element.count)
            return sum + n * n / (2 * Double(settings.parts(ofClusterWith: clustering.sizes[c.offset])))
        }
        let budget = Mutex(BorderBudget(budget: settings.borderBudget * walked))
        let reachable = try geometry.reaches(
            of: hosts, slacks: slacks, into: hosts.map { !$0.isEmpty }, below: { budget.withLock { $0.cut?.distance } ?? .infinity }
        ) {
            found in budget.withLock { b in for reach in found { b.offer(reach, comparisons: hosts[Int(reach.cluster)].count) } }
        }
        let (affordable, costs) = budget.withLock { $0.chosen() }
        let (pairs, compared, steps) = try BorderBudget.spend(costs: costs, first: settings.borderFirstStep * walked) { step in
            var guests = [[Int64]](repeating: [], count: k)
            for reach in affordable[step] { guests[Int(reach.cluster)].append(reach.row) }
            return try geometry.pairs(guests: guests.map { $0.sorted() }, hosts: hosts)
        }
        let chosen = affordable[..<compared], comparisons = costs[..<compared].reduce(0.0) { $0 + Double($1) }
        let cut: BorderCells.Reach? = compared < affordable.count ? affordable[compared] : budget.withLock { $0.cut }
        let order = try precedence(of: pairs, keep: settings.keep, pool: pool, clustering: clustering, quality: quality)
        let drops = BorderCheck.settle(pairs, precedes: order)
        var outcome = found
        let gone = Set(drops.map(\.row))
        outcome.kept.removeAll { gone.contains($0) }
        for d in drops {
            outcome.dropped.append(ClusterDrop(pair: d, cluster: clustering.assignments[Int(d.row)]))
            let row = Int(d.row)
            outcome.maxSimilarity[row] = Float.maximum(outcome.maxSimilarity[row], min(d.similarity, 1))  // NaN (none yet) gives way
        }

        // The rows the walk dropped for a row now gone, compared again.
        let orphans = outcome.dropped.filter { gone.contains($0.pair.nearestKept) }.map(\.pair.row).sorted()
        var again = (kept: 0, dropped: 0)
        if !orphans.isEmpty {
            let lonely = Set(orphans)
            let remaining = geometry.byCluster(outcome.kept.sorted())
            let orphansOf = geometry.byCluster(orphans)
            for (c, s) in try geometry.slacks(of: orphansOf).enumerated() { slacks[c] = max(slacks[c], s) }
            let targets = zip(remaining, orphansOf).map { ($0 + $1).sorted() }
            var visitors = orphansOf
            let near = Mutex([BorderCells.Reach]())
            _ = try geometry.reaches(of: orphansOf, slacks: slacks, into: targets.map { !$0.isEmpty }, below: { cut?.distance ?? .infinity }) {
                found in near.withLock { $0 += found }
            }
            for reach in near.withLock({ $0 }) where cut.map({ reach < $0 }) ?? true { visitors[Int(reach.cluster)].append(reach.row) }
            let found = try geometry.pairs(guests: visitors.map { $0.sorted() }, hosts: targets)
            let precedes = try precedence(of: found, keep: settings.keep, pool: pool, clustering: clustering, quality: quality)
            let redone = Dictionary(
                uniqueKeysWithValues: BorderCheck.settle(found, deciding: lonely, alreadyKept: { !lonely.contains($0) }, precedes: precedes).map {
                    ($0.row, $0)
                })
            let keptOrphans = orphans.filter { redone[$0] == nil }
            outcome.dropped = outcome.dropped.compactMap { d in
                guard lonely.contains(d.pair.row) else { return d }
                guard let again = redone[d.pair.row] else { return nil }
                let row = Int(again.row)
                outcome.maxSimilarity[row] = Float.maximum(outcome.maxSimilarity[row], min(again.similarity, 1))
                return ClusterDrop(pair: again, cluster: d.cluster)
            }
            outcome.kept = (outcome.kept + keptOrphans).sorted()
            again = (keptOrphans.count, redone.count)
        }
        outcome.dropped.sort { $0.pair.row < $1.pair.row }
        let split = clustering.sizes.contains { settings.parts(ofClusterWith: $0) > 1 }
        let border = BorderOutcome(
            reaches: chosen.count, reachesLeft: reachable - chosen.count, comparisons: comparisons, steps: steps,
            firstStepComparisons: settings.borderFirstStep * walked, budgetComparisons: settings.borderBudget * walked,
            checkedWithin: cut.map { Double($0.distance) } ?? .infinity,
            exact: cut == nil && !split && geometry.everyCluster, pairs: pairs.count, dropped: drops.count, comparedAgain: orphans.count, keptAgain: again.kept,
            seconds: (ContinuousClock.now - start).seconds)
        outcome.border = border
        log.info(
            "border check: \(border.reaches) reaches of kept rows into other clusters compared in \(steps) steps (\(border.reachesLeft) left out), \(border.pairs) pairs above \(settings.threshold), \(border.dropped) more rows dropped, \(again.kept) of the \(orphans.count) rows dropped for them kept again\(border.exact ? "; exact" : "")"
        )
        return outcome
    }

    /// The pool's rows against the clustering's cells, a block of one cluster's rows at a time on
    /// every core; each cluster's rows against its own centroid and its candidates' (`BorderCells`).
    private struct Geometry: Sendable {
        let pool: Pool
        let clustering: ClusteringOutcome
        let cells: BorderCells
        let threshold: Float
        /// Each cluster's candidates, own first.
        let around: [[Int]]
        /// Whether the candidates are every cluster.
        let everyCluster: Bool

        init(pool: Pool, clustering: ClusteringOutcome, threshold: Float, candidates: Int?) {
            self.pool = pool
            self.clustering = clustering
            self.threshold = threshold
            let cells = BorderCells(centroids: clustering.centroids)
            self.cells = cells
            let around = Mutex([[Int]](repeating: [], count: cells.count))
            DispatchQueue.concurrentPerform(iterations: cells.count) { a in
                let mine = [a] + cells.candidates(of: a, limit: candidates)
                around.withLock { $0[a] = mine }
            }
            self.around = around.withLock { $0 }
            everyCluster = self.around.allSatisfy { $0.count == cells.count }
        }

        /// Rows (ascending) by their cluster.
        func byCluster(_ rows: [Int64]) -> [[Int64]] {
            var out = [[Int64]](repeating: [], count: cells.count)
            for row in rows { out[Int(clustering.assignments[Int(row)])].append(row) }
            return out
        }

        /// Each block of each cluster's `rows`: its rows, the cluster's candidates, their dots.
        private func forEachBlock(of rows: [[Int64]], _ body: @Sendable (_ rows: [Int64], _ clusters: [Int], _ dots: [Float]) -> Void) throws {
            let blocks = rows.enumerated().flatMap { c, mine in
                stride(from: 0, to: mine.count, by: DedupBorder.blockRows).map { (cluster: c, range: $0..<min($0 + DedupBorder.blockRows, mine.count)) }
            }
            DispatchQueue.concurrentPerform(iterations: blocks.count) { b in
                guard StopSignals.pending == nil else { return }
                let mine = Array(rows[blocks[b].cluster][blocks[b].range]), clusters = around[blocks[b].cluster]
                body(mine, clusters, cells.dots(pool.read(rows: mine.map(Int.init)).normalized(), with: clusters))
            }
            try StopSignals.throwIfPending()
        }

        /// Each cluster's largest slack among `rows` (by cluster). One level assigns every row to its
        /// nearest centroid: no slack beyond rounding, which `BorderCells` allows for, and no pass. Two
        /// levels compare a row with a few parts only: a pass, when the candidates are every cluster
        /// (with fewer the check is not exact anyway, and a row's own part is nearly always its nearest).
        func slacks(of rows: [[Int64]]) throws -> [Float] {
            let slack = Mutex([Float](repeating: 0, count: cells.count))
            guard clustering.firstLevel != nil, everyCluster else { return slack.withLock { $0 } }
            try forEachBlock(of: rows) { _, clusters, dots in
                let worst = cells.slacks(dots: dots, clusters: clusters).max() ?? 0
                slack.withLock { $0[clusters[0]] = max($0[clusters[0]], worst) }
            }
            return slack.withLock { $0 }
        }

        /// Hands each block's reaches nearer than `cut()` (asked as the block starts) to `take`; returns
        /// how many reaches there were at any distance.
        func reaches(
            of rows: [[Int64]], slacks: [Float], into clusters: [Bool], below cut: @Sendable () -> Float,
            _ take: @Sendable ([BorderCells.Reach]) -> Void
        ) throws -> Int {
            let reachable = Mutex(0)
            try forEachBlock(of: rows) { rows, candidates, dots in
                let found = cells.reaches(
                    dots: dots, rows: rows, clusters: candidates, slack: slacks, checked: clusters, threshold: threshold, below: cut())
                reachable.withLock { $0 += found.reachable }
                take(found.reaches)
            }
            return reachable.withLock { $0 }
        }

        /// Every pair above the threshold of a cluster's guests and its hosts, clusters in order.
        func pairs(guests: [[Int64]], hosts: [[Int64]]) throws -> [BorderCheck.Pair] {
            let results = Mutex([[BorderCheck.Pair]?](repeating: nil, count: cells.count))
            DispatchQueue.concurrentPerform(iterations: cells.count) { c in
                guard StopSignals.pending == nil else { return }
                guard !guests[c].isEmpty, !hosts[c].isEmpty else { return results.withLock { $0[c] = [] } }
                let pairs = BorderCheck.pairs(
                    guests: pool.read(rows: guests[c].map(Int.init)).normalized(), rows: guests[c],
                    hosts: pool.read(rows: hosts[c].map(Int.init)).normalized(), rows: hosts[c], threshold: threshold)
                results.withLock { $0[c] = pairs }
            }
            try StopSignals.throwIfPending()
            return results.withLock { $0 }.flatMap { $0! }
        }
    }

    /// The keep order among the rows of the pairs: row order; the higher `--quality` score; or the
    /// higher cosine to the centroid of its own cluster (the walk's `central` looks at its part's mean,
    /// which a border check between clusters does not have) — each then the lower row.
    private static func precedence(
        of pairs: [BorderCheck.Pair], keep: DedupSettings.Keep, pool: Pool, clustering: ClusteringOutcome, quality: QualityColumn?
    ) throws -> (Int64, Int64) -> Bool {
        let rows = Array(Set(pairs.flatMap { [$0.row, $0.partner] })).sorted()
        let score: [Int64: Float]
        switch keep {
        case .first:
            return { $0 < $1 }
        case .quality:
            guard let quality else { preconditionFailure("DedupBorder: --keep quality without scores") }
            score = Dictionary(uniqueKeysWithValues: zip(rows, try quality.values(of: rows)))
        case .central:
            let unit = pool.read(rows: rows.map(Int.init)).normalized()
            score = Dictionary(
                uniqueKeysWithValues: rows.enumerated().map { i, row in
                    let centre = clustering.centroids.row(Int(clustering.assignments[Int(row)]))
                    let norm = centre.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                    let dot = zip(unit.row(i), centre).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    return (row, Float(norm > 0 ? dot / norm : 0))
                })
        }
        return { a, b in score[a]! != score[b]! ? score[a]! > score[b]! : a < b }
    }
}
