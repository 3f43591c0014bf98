import Dispatch
import Logging
import Synchronization
import WinnowCore
import WinnowIO

/// What the border check found (`BorderCheck`): rows compared across a border, pairs above the
/// threshold, rows it dropped, and its time.
public struct BorderOutcome: Sendable, Equatable {
    public var comparedRows: Int
    public var pairs: Int
    public var dropped: Int
    public var seconds: Double
}

/// The border check after the within-cluster pass, in this process on every core: each kept row that
/// `BorderCheck.reaches` its runner-up cluster is compared with that cluster's kept rows, cluster by
/// cluster, and the pairs found are settled in the keep order. Clusters are put together in cluster
/// order, so the bytes do not depend on the threads, nor on who ran the within-cluster pass.
enum DedupBorder {
    static func run(
        _ found: DedupOutcome, pool: Pool, settings: DedupSettings, quality: QualityColumn?, log: Logger
    ) throws -> DedupOutcome {
        let start = ContinuousClock.now
        let clustering = found.clustering, k = clustering.centroids.rows
        var hostsOf = [[Int64]](repeating: [], count: k), guestsOf = hostsOf
        for row in found.kept {
            hostsOf[Int(clustering.assignments[Int(row)])].append(row)
            let r = clustering.runnerUps[Int(row)]
            if r >= 0 { guestsOf[Int(r)].append(row) }
        }
        let hosts = hostsOf, guests = guestsOf
        let centroids = clustering.centroids, threshold = settings.threshold
        let results = Mutex([(compared: Int, pairs: [BorderCheck.Pair])?](repeating: nil, count: k))
        DispatchQueue.concurrentPerform(iterations: k) { c in
            guard StopSignals.pending == nil else { return }
            guard !guests[c].isEmpty, !hosts[c].isEmpty else { return results.withLock { $0[c] = (0, []) } }
            let visitors = pool.read(rows: guests[c].map(Int.init)).normalized()
            let near = guests[c].indices.filter { g in
                let own = Int(clustering.assignments[Int(guests[c][g])])
                return BorderCheck.reaches(visitors.row(g), own: centroids.row(own), runnerUp: centroids.row(c), threshold: threshold)
            }
            guard !near.isEmpty else { return results.withLock { $0[c] = (0, []) } }
            let pairs = BorderCheck.pairs(
                guests: visitors.gather(near), rows: near.map { guests[c][$0] },
                hosts: pool.read(rows: hosts[c].map(Int.init)).normalized(), rows: hosts[c], threshold: threshold)
            results.withLock { $0[c] = (near.count, pairs) }
        }
        try StopSignals.throwIfPending()
        let perCluster = results.withLock { $0 }.map { $0! }
        let pairs = perCluster.flatMap(\.pairs)
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
        outcome.dropped.sort { $0.pair.row < $1.pair.row }
        let border = BorderOutcome(
            comparedRows: perCluster.reduce(0) { $0 + $1.compared }, pairs: pairs.count, dropped: drops.count,
            seconds: (ContinuousClock.now - start).seconds)
        outcome.border = border
        log.info(
            "border check: \(border.comparedRows) kept rows compared with their runner-up cluster, \(border.pairs) pairs above \(threshold), \(border.dropped) more rows dropped"
        )
        return outcome
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
