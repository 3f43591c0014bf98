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
    /// each by a k-means seeded from the run's seed and the cluster's number.
    private static func secondLevel(
        pool: Pool, settings: KMeansSettings, nonfinite: NonfinitePolicy, on place: Place, slots: Int,
        journal: String?, keepJournal: Bool, log: Logger
    ) throws -> (ClusteringOutcome, CoordinationReport?) {
        let start = ContinuousClock.now
        var first = settings
        first.levels = 1
        first.k = TwoLevelKMeans.firstLevelClusters(settings.k)
        log.info("two-level k-means: \(first.k) first-level clusters, then \(settings.k) in all")
        let (top, report) = try run(
            pool: pool, settings: first, nonfinite: nonfinite, on: place, slots: slots, journal: journal, keepJournal: keepJournal, log: log)
        let firstSeconds = (ContinuousClock.now - start).seconds
        let members = top.assignments.enumerated().reduce(into: [[Int]](repeating: [], count: first.k)) { groups, row in
            if row.element >= 0 { groups[Int(row.element)].append(row.offset) }
        }
        let shares = TwoLevelKMeans.split(settings.k, sizes: members.map(\.count))
        let d = pool.dimension
        let secondStart = ContinuousClock.now
        // Each split depends only on its cluster's rows and number: they run on every core at once
        // and are put together in cluster order, so the bytes do not depend on the threads.
        let parts = Mutex([(centroids: VectorBlock, assignments: [Int32], partial: KMeansPartial)?](repeating: nil, count: members.count))
        DispatchQueue.concurrentPerform(iterations: members.count) { c in
            guard shares[c] > 0, StopSignals.pending == nil else { return }
            var vectors = pool.read(rows: members[c])
            if settings.normalizesRows { vectors = vectors.normalized() }
            var random = SeededRandom(seed: settings.seed, stream: .secondLevel, c)
            let part = KMeans.fit(
                vectors, k: shares[c], iterations: settings.iterations, seedRowsPerCluster: settings.seedRowsPerCluster,
                fitRowsPerCluster: settings.fitRowsPerCluster, fullIterations: settings.fullIterations, random: &random)
            parts.withLock { $0[c] = part }
        }
        // The first level ran on workers, so the stop handlers are installed: a signal ends the run.
        if let request = StopSignals.pending { throw RunFailure.interrupted(request) }
        var centroids: [Float] = [], partsOf: [Range<Int>] = []
        centroids.reserveCapacity(settings.k * d)
        for part in parts.withLock({ $0 }) {
            let start = centroids.count / d
            if let part { centroids += part.centroids.values }
            partsOf.append(start..<centroids.count / d)
        }
        let (assignments, sizes, inertia) = reassigned(
            pool: pool, left: top.assignments, firstLevel: top.centroids, parts: VectorBlock(values: centroids, dimension: d),
            partsOf: partsOf, normalizes: settings.normalizesRows)
        var outcome = top
        outcome.firstLevel = .init(clusters: first.k, inertia: top.final.inertia, seconds: firstSeconds)
        outcome.centroids = VectorBlock(values: centroids, dimension: d)
        outcome.assignments = assignments
        outcome.sizes = sizes
        outcome.final = .init(inertia: inertia, seconds: (ContinuousClock.now - secondStart).seconds)
        log.info("two-level k-means: \(sizes.count) clusters, inertia \(inertia)")
        return (outcome, report)
    }

    /// Every row (but those the first level left out, −1) to its nearest part among those of its
    /// `TwoLevelKMeans.probes` nearest first-level clusters, a block of the pool at a time on every core;
    /// blocks are fixed by the pool, not the threads, and summed in order.
    private static func reassigned(
        pool: Pool, left: [Int32], firstLevel: VectorBlock, parts: VectorBlock, partsOf: [Range<Int>], normalizes: Bool
    ) -> (assignments: [Int32], sizes: [Int], inertia: Double) {
        let n = pool.totalRows, blockRows = KMeans.assignRows * 8
        let starts = Array(stride(from: 0, to: n, by: blockRows))
        let results = Mutex([(rows: [Int], assignments: [Int32], distances: [Double])?](repeating: nil, count: starts.count))
        DispatchQueue.concurrentPerform(iterations: starts.count) { b in
            let rows = (starts[b]..<min(n, starts[b] + blockRows)).filter { left[$0] >= 0 }
            var vectors = pool.read(rows: rows)
            if normalizes { vectors = vectors.normalized() }
            let r = TwoLevelKMeans.assign(vectors, firstLevel: firstLevel, parts: parts, partsOf: partsOf, probes: TwoLevelKMeans.probes)
            results.withLock { $0[b] = (rows, r.assignments, r.distances) }
        }
        var assignments = left, sizes = [Int](repeating: 0, count: parts.rows), inertia = 0.0
        for result in results.withLock({ $0 }) {
            let (rows, assigned, distances) = result!
            for (i, row) in rows.enumerated() {
                assignments[row] = assigned[i]
                sizes[Int(assigned[i])] += 1
                inertia += distances[i]
            }
        }
        return (assignments, sizes, inertia)
    }
}
