import Foundation
import Synchronization
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative

/// The k-means of `cluster`, `dedup` and the clustered selections: in this process (`--workers 0`),
/// or with a coordinator here and local worker processes each running blocks of every Lloyd pass.
/// Both give the same bytes. With workers the passes are journaled (`journal`, in `--out`), so the
/// same command resumes an interrupted k-means; `keepJournal` leaves it for a command that goes on.
public enum KMeansExecution {
    /// Where the passes run.
    public enum Place {
        /// `workers` local worker processes started for it (0: this process).
        case local(workers: Int)
        /// The workers that connect to this coordinator at `bind` (`winnow coordinator`, `--serve`); with
        /// `nextRunFollows` they are sent on, when it is done, to the run that binds there next (the
        /// selection, dedup's within-cluster pass). `announce` tells how to join; `announced` collects the
        /// configurations of the command's runs there, each of which accepts a worker told to expect an
        /// earlier one.
        case served(
            bind: String, security: TransportSecurity, coordination: CoordinationSettings, nextRunFollows: Bool,
            announced: AnnouncedRuns, announce: (DistributedSelection.Endpoint, Logger) -> Void)

        /// Whether the passes run on worker processes (and so are journaled).
        public var usesWorkers: Bool {
            switch self {
            case .local(let count): count > 0
            case .served: true
            }
        }

        /// Workers a report names: the local ones started, or those that joined.
        public func workers(_ report: CoordinationReport?) -> Int {
            switch self {
            case .local(let count): count
            case .served: report?.workers.count ?? 0
            }
        }
    }

    public static func run(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, on place: Place, slots: Int,
        journal: String?, keepJournal: Bool = false, log: Logger
    ) throws -> (ClusteringOutcome, CoordinationReport?) {
        guard settings.levels == 1 else {
            return try secondLevel(
                pool: pool, settings: settings, nonfinite: nonfinite, on: place, slots: slots, journal: journal, keepJournal: keepJournal, log: log)
        }
        let workers: Int
        switch place {
        case .served(let bind, let security, let coordination, let nextRunFollows, let announced, let announce):
            var serving = ServeContext.joined(
                bind: bind, security: security, coordination: coordination, journal: journal, log: log
            ) { endpoint, log in
                announced.add(endpoint.configHash)
                announce(endpoint, log)
            }
            serving.keepJournal = keepJournal
            serving.nextRunFollows = nextRunFollows
            serving.earlierRuns = announced.hashes
            let (outcome, report) = try DistributedClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, serving: serving, log: log)
            return (outcome, report)
        case .local(let count):
            workers = count
        }
        guard workers > 0 else {
            MemoryTuning.reuseLargeBlocks()
            return (try LocalClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, log: log), nil)
        }
        return try EmbeddedWorkers.run(count: workers, slots: slots, logLevel: max(log.logLevel, .warning)) { serving in
            var serving = serving
            serving.journal = journal
            serving.keepJournal = keepJournal
            let (outcome, report) = try DistributedClustering.run(pool: pool, settings: settings, nonfinite: nonfinite, serving: serving, log: log)
            return (outcome, report)
        }
    }

    /// Two levels (`TwoLevelKMeans`): the first where `place` says, like any k-means (journaled, the
    /// same for any worker count); then each first-level cluster split in this process, on every core,
    /// each by a k-means seeded from the run's seed and the cluster's number. With no iteration over
    /// every row (`fullIterations` 0) both levels fit on the fit sample alone (`onFitSample`).
    private static func secondLevel(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, on place: Place, slots: Int,
        journal: String?, keepJournal: Bool, log: Logger
    ) throws -> (ClusteringOutcome, CoordinationReport?) {
        if settings.fullIterations == 0,
            let sample = FitSample.forFit(rows: pool.totalRows, clusters: settings.k, rowsPerCluster: settings.fitRowsPerCluster, seed: settings.seed),
            let outcome = try onFitSample(pool: pool, sample: sample, settings: settings, nonfinite: nonfinite, log: log)
        {
            return (outcome, nil)
        }
        let start = ContinuousClock.now
        var first = settings
        first.levels = 1
        first.k = TwoLevelKMeans.firstLevelClusters(settings.k)
        log.info("two-level k-means: \(first.k) first-level clusters, then \(settings.k) in all")
        let (top, report) = try run(
            pool: pool, settings: first, nonfinite: nonfinite, on: place, slots: slots, journal: journal, keepJournal: keepJournal, log: log)
        let firstSeconds = (ContinuousClock.now - start).seconds
        let members = Self.members(top.assignments, clusters: first.k)
        let secondStart = ContinuousClock.now
        let (parts, partsOf) = split(members: members, settings: settings, fullIterations: settings.fullIterations, dimension: pool.dimension) { c in
            let vectors = pool.read(rows: members[c])
            return settings.normalizesRows ? vectors.normalized() : vectors
        }
        // The first level ran on workers, so the stop handlers are installed: a signal ends the run.
        try StopSignals.throwIfPending()
        let final = try assigned(
            pool: pool, nonfinite: nonfinite, firstLevel: top.centroids, parts: parts, partsOf: partsOf, normalizes: settings.normalizesRows)
        try StopSignals.throwIfPending()
        var outcome = top
        outcome.firstLevel = .init(clusters: first.k, rows: top.sizes.reduce(0, +), inertia: top.final.inertia, seconds: firstSeconds)
        outcome.centroids = parts
        outcome.assignments = final.assignments
        outcome.sizes = final.sizes
        outcome.final = .init(inertia: final.inertia, seconds: (ContinuousClock.now - secondStart).seconds)
        log.info("two-level k-means: \(final.sizes.count) clusters, inertia \(final.inertia)")
        return (outcome, report)
    }

    /// Both levels fitted on the rows of the fit sample, held here: √k clusters of it, each split in
    /// proportion to its sampled rows, so the pool is read once, by the final assignment, instead of
    /// twice for the first level and once more for the second. nil when the sample holds fewer finite
    /// rows than k (a tiny `fitRowsPerCluster`).
    private static func onFitSample(
        pool: Pool, sample: FitSample, settings: KMeansSettings, nonfinite: NonfinitePolicy, log: Logger
    ) throws -> ClusteringOutcome? {
        let start = ContinuousClock.now
        let sampled = sample.rows(in: 0..<pool.totalRows)
        var (vectors, _, bad) = Pool.leavingOutNonfinite(pool.read(rows: sampled), rows: sampled)
        if let first = bad.first, nonfinite == .fail { throw pool.nonfiniteError(row: first, count: bad.count) }
        guard vectors.rows >= settings.k else { return nil }
        if settings.normalizesRows { vectors = vectors.normalized() }
        let k1 = TwoLevelKMeans.firstLevelClusters(settings.k)
        log.info(
            "two-level k-means on a seeded sample of \(vectors.rows) rows: \(k1) first-level clusters, then \(settings.k) in all; every row is then read once")
        var random = SeededRandom(seed: settings.seed, stream: .kMeansSeed)
        let top = KMeans.fit(
            vectors, k: k1, iterations: settings.iterations, seedRowsPerCluster: settings.seedRowsPerCluster,
            fitRowsPerCluster: settings.fitRowsPerCluster, fullIterations: 0, random: &random)
        let members = Self.members(top.assignments, clusters: k1)
        let firstSeconds = (ContinuousClock.now - start).seconds
        let secondStart = ContinuousClock.now
        let held = vectors
        let (parts, partsOf) = split(members: members, settings: settings, fullIterations: 0, dimension: pool.dimension) { held.gather(members[$0]) }
        try StopSignals.throwIfPending()
        let final = try assigned(
            pool: pool, nonfinite: nonfinite, firstLevel: top.centroids, parts: parts, partsOf: partsOf, normalizes: settings.normalizesRows)
        try StopSignals.throwIfPending()
        log.info("two-level k-means: \(final.sizes.count) clusters, inertia \(final.inertia)")
        return ClusteringOutcome(
            centroids: parts, assignments: final.assignments, fitRows: vectors.rows,
            final: .init(inertia: final.inertia, seconds: (ContinuousClock.now - secondStart).seconds),
            sizes: final.sizes,
            firstLevel: .init(clusters: k1, rows: vectors.rows, inertia: top.partial.inertia, seconds: firstSeconds))
    }

    /// Each first-level cluster (`members`, its rows `read(c)`) split by a k-means of its own into its
    /// share of k in proportion to its rows, seeded from the run's seed and the cluster's number. The
    /// splits run on every core at once and are put together in cluster order, so the bytes do not
    /// depend on the threads; `partsOf[c]` are the parts of cluster `c`.
    private static func split(
        members: [[Int]], settings: KMeansSettings, fullIterations: Int, dimension d: Int, read: @Sendable (Int) -> VectorBlock
    ) -> (parts: VectorBlock, partsOf: [Range<Int>]) {
        let shares = TwoLevelKMeans.split(settings.k, sizes: members.map(\.count))
        let fitted = Mutex([VectorBlock?](repeating: nil, count: members.count))
        DispatchQueue.concurrentPerform(iterations: members.count) { c in
            guard shares[c] > 0, StopSignals.pending == nil else { return }
            var random = SeededRandom(seed: settings.seed, stream: .secondLevel, c)
            let part = KMeans.fit(
                read(c), k: shares[c], iterations: settings.iterations, seedRowsPerCluster: settings.seedRowsPerCluster,
                fitRowsPerCluster: settings.fitRowsPerCluster, fullIterations: fullIterations, random: &random)
            fitted.withLock { $0[c] = part.centroids }
        }
        var centroids: [Float] = [], partsOf: [Range<Int>] = []
        centroids.reserveCapacity(settings.k * d)
        for part in fitted.withLock({ $0 }) {
            let start = centroids.count / d
            if let part { centroids += part.values }
            partsOf.append(start..<centroids.count / d)
        }
        return (VectorBlock(values: centroids, dimension: d), partsOf)
    }

    /// The rows of each cluster, ascending (a row left out, −1, in none).
    private static func members(_ assignments: [Int32], clusters: Int) -> [[Int]] {
        assignments.enumerated().reduce(into: [[Int]](repeating: [], count: clusters)) { groups, row in
            if row.element >= 0 { groups[Int(row.element)].append(row.offset) }
        }
    }

    /// Every finite row to its nearest part among those of its `TwoLevelKMeans.probes` nearest
    /// first-level clusters, a block of the pool at a time on every core; blocks are fixed by the pool,
    /// not the threads, and summed in order. A non-finite row is refused (the first, under `fail`) or
    /// left out (−1).
    private static func assigned(
        pool: Pool, nonfinite: NonfinitePolicy, firstLevel: VectorBlock, parts: VectorBlock, partsOf: [Range<Int>], normalizes: Bool
    ) throws(InputError) -> (assignments: [Int32], sizes: [Int], inertia: Double) {
        let n = pool.totalRows, blockRows = KMeans.assignRows * 8
        let starts = Array(stride(from: 0, to: n, by: blockRows))
        let results = Mutex(
            [(rows: [Int], assignments: [Int32], distances: [Double], bad: [Int64])?](repeating: nil, count: starts.count))
        DispatchQueue.concurrentPerform(iterations: starts.count) { b in
            guard StopSignals.pending == nil else { return }
            let range = starts[b]..<min(n, starts[b] + blockRows)
            var (vectors, kept, bad) = Pool.leavingOutNonfinite(pool.read([range]), rows: Array(range))
            let rows = kept.map { $0.map { range.lowerBound + $0 } } ?? Array(range)
            if normalizes { vectors = vectors.normalized() }
            let r = TwoLevelKMeans.assign(vectors, firstLevel: firstLevel, parts: parts, partsOf: partsOf, probes: TwoLevelKMeans.probes)
            results.withLock { $0[b] = (rows, r.assignments, r.distances, bad) }
        }
        let blocks = results.withLock { $0 }
        let bad = blocks.flatMap { $0?.bad ?? [] }
        if let first = bad.first, nonfinite == .fail { throw pool.nonfiniteError(row: first, count: bad.count) }
        var assignments = [Int32](repeating: -1, count: n)
        var sizes = [Int](repeating: 0, count: parts.rows), inertia = 0.0
        for block in blocks {
            guard let (rows, assigned, distances, _) = block else { continue }  // stopped: the caller throws
            for (i, row) in rows.enumerated() {
                assignments[row] = assigned[i]
                sizes[Int(assigned[i])] += 1
                inertia += distances[i]
            }
        }
        return (assignments, sizes, inertia)
    }
}
