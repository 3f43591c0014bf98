import Logging
import WinnowCore
import WinnowIO

/// What `winnow cluster` found: centroids, every row's cluster (−1: a row left out for NaN/Inf), and
/// the inertia (sum of squared distances to the assigned centroid) of every pass.
public struct ClusteringOutcome: Sendable {
    public struct Pass: Sendable, Encodable {
        public let inertia: Double
        public let seconds: Double
    }

    public var centroids: VectorBlock
    public var assignments: [Int32]
    /// Lloyd iterations in order; each one's inertia is that of the centroids it started from.
    public var iterations: [Pass]
    /// The last pass: every row assigned to the final centroids.
    public var final: Pass
    public var seedSeconds: Double
    public var skippedRows: [Int64]
    public var sizes: [Int]
}

/// Lloyd's k-means over the whole pool in this process, a block of `chunkRows` rows at a time, the
/// partials merged in block order (so the result does not depend on how blocks are shared out).
public enum LocalClustering {
    public static func run(pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, log: Logger) throws(InputError) -> ClusteringOutcome {
        let n = pool.totalRows, d = pool.dimension, clock = ContinuousClock()
        let blocks = stride(from: 0, to: n, by: settings.chunkRows).map { $0 ..< min(n, $0 + settings.chunkRows) }
        var skipped: [Int64] = []
        var checked = false

        // The rows of a block that take part: all of them, or those left after NaN/Inf rows.
        func read(_ range: Range<Int>) throws(InputError) -> (VectorBlock, [Int]?) {
            let (block, kept) = try readAsStored(range)
            return (settings.normalizesRows ? block.normalized() : block, kept)
        }
        func readAsStored(_ range: Range<Int>) throws(InputError) -> (VectorBlock, [Int]?) {
            let block = pool.read([range])
            guard !checked else {
                return skipped.isEmpty ? (block, nil) : keep(block, range)
            }
            let bad = Pool.nonfiniteRows(block, rows: range.map(Int64.init))
            guard !bad.isEmpty else { return (block, nil) }
            guard nonfinite == .skip else { throw pool.nonfiniteError(row: bad[0], count: bad.count) }
            skipped += bad
            return keep(block, range)
        }
        func keep(_ block: VectorBlock, _ range: Range<Int>) -> (VectorBlock, [Int]?) {
            let out = Set(skipped.lazy.filter { range.contains(Int($0)) }.map { Int($0) - range.lowerBound })
            let kept = (0 ..< range.count).filter { !out.contains($0) }
            return (block.gather(kept), kept)
        }

        let seedStart = clock.now
        var random = SeededRandom(seed: settings.seed, stream: .kMeansSeed)
        let sampleRows = random.sample(min(n, settings.k * settings.seedRowsPerCluster), of: n)
        let sample = pool.read(rows: sampleRows)
        let badSampled = Set(Pool.nonfiniteRows(sample, rows: sampleRows.map(Int64.init)))
        if let first = badSampled.min(), nonfinite == .fail { throw pool.nonfiniteError(row: first, count: badSampled.count) }
        let usable = sampleRows.indices.filter { !badSampled.contains(Int64(sampleRows[$0])) }
        guard usable.count >= settings.k else {
            throw InputError(.nonfinite, path: pool.files[0].path,
                             "only \(usable.count) finite rows were sampled for \(settings.k) clusters; lower --k")
        }
        let seeds = sample.gather(usable)
        var centroids = KMeans.seed(settings.normalizesRows ? seeds.normalized() : seeds, k: settings.k, random: &random)
        let seedSeconds = (clock.now - seedStart).seconds
        log.info("seeded \(settings.k) centroids from \(usable.count) rows in \(String(format: "%.1f", seedSeconds)) s")

        var passes: [ClusteringOutcome.Pass] = []
        var assignments: [Int32] = []
        for pass in 0 ... settings.iterations {
            let last = pass == settings.iterations, start = clock.now
            var total = KMeansPartial(clusters: settings.k, dimension: d)
            if last { assignments = [Int32](repeating: -1, count: n) }
            for range in blocks {
                let (block, kept) = try read(range)
                let (assigned, partial) = KMeans.assign(block, to: centroids)
                total.merge(partial)
                if last {
                    for (b, a) in assigned.enumerated() { assignments[range.lowerBound + (kept?[b] ?? b)] = a }
                }
            }
            checked = true
            passes.append(.init(inertia: total.inertia, seconds: (clock.now - start).seconds))
            if last {
                return ClusteringOutcome(centroids: centroids, assignments: assignments, iterations: Array(passes.dropLast()),
                                         final: passes[passes.count - 1], seedSeconds: seedSeconds,
                                         skippedRows: skipped.sorted(), sizes: total.counts)
            }
            centroids = KMeans.update(centroids, with: total)
            log.info("iteration \(pass + 1): inertia \(total.inertia)")
        }
        preconditionFailure("unreachable: the last pass returns")
    }
}
