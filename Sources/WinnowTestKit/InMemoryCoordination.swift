import WinnowCoordination
import WinnowCore

/// A coordinator and simulated workers joined by an in-memory transport with a manual clock: the
/// state machines run exactly as in the processes, but messages sit in a queue the test delivers in
/// a seeded random order, and faults are injected by the test (a worker falls silent, a result is
/// delivered twice). Tasks run on an in-memory pool through the same task functions workers use.
public struct InMemoryCoordination<Book: TaskBook> {
    public struct Worker {
        public var peer: PeerID
        public var session: WorkerSession
        /// A silent worker receives but never answers (a hung or partitioned process).
        public var silent = false
        /// A stalled worker heartbeats but never finishes a task (alive, stuck, or very slow).
        public var stalled = false
        /// Whether its heartbeats show its tasks' rows-done counts moving (very slow) or standing
        /// still (stuck). Workers that finish tasks always show progress.
        public var progressFrozen = false
        /// A cut-off worker's link holds messages both ways, in order, until it comes back (a link that
        /// is down: the transport keeps them); the worker and the coordinator run on.
        public var cutOff = false
        public var exitCode: StatusCode?
    }

    public var coordinator: Coordinator<Book>
    public var workers: [Worker]
    public let vectors: VectorBlock
    public var now: Duration = .zero
    /// Messages in flight: (to coordinator?, worker index, message).
    public var toCoordinator: [(Int, WorkerMessage)] = []
    public var toWorkers: [(Int, CoordinatorMessage)] = []
    /// Leases being run, in the order they started.
    public var running: [(Int, Lease)] = []
    public var outcome: Book.Outcome?
    public var failure: TaskFailure?
    public var log: [String] = []
    /// What the coordinator asked to persist, in order: a journal to restore a new coordinator from.
    public var journal: [WorkerMessage] = []
    /// A worker handed this chunk falls silent at once, as if the chunk crashed it.
    public var deadlyChunk: Int?
    private var random: SeededRandom
    private let header: MessageHeader
    /// The selection settings tasks run with (defaults for a k-means run).
    private let settings: SelectionSettings

    /// The pool's quality column, for runs that weigh quality.
    public let quality: [Float]?
    /// The pool's labels, for runs with label budgets.
    public let labels: [Int64]?

    /// A cluster around any coordinator; `config` is what its Welcome carries.
    public init(
        coordinator: Coordinator<Book>, vectors: VectorBlock, settings: SelectionSettings, workers: Int, slots: Int = 1,
        orderSeed: UInt64, quality: [Float]? = nil, labels: [Int64]? = nil
    ) {
        self.vectors = vectors
        self.quality = quality
        self.labels = labels
        self.settings = settings
        self.coordinator = coordinator
        header = MessageHeader(runID: "test", epoch: 7, sender: "w", sequence: 0)
        self.workers = (0..<workers).map { i in
            Worker(
                peer: PeerID(Array("w\(i)".utf8)),
                session: WorkerSession(
                    hello: Hello(productVersion: "test", slots: slots, host: "mem", pid: i),
                    settings: CoordinationSettings(), now: .zero))
        }
        random = SeededRandom(seed: orderSeed, stream: .evaluation)
    }

    /// A new coordinator taking over from a journal (before `start()`).
    public mutating func restore(_ journal: [WorkerMessage]) -> Int {
        let (reused, actions) = coordinator.restore(journal)
        absorb(actions)
        return reused
    }

    /// Every worker says Hello.
    public mutating func start() {
        for i in workers.indices { apply(workers[i].session.start(now: now), worker: i) }
    }

    /// One step: deliver a random in-flight message or finish a random running task. Returns false
    /// when nothing is left to do.
    @discardableResult
    public mutating func step() -> Bool {
        guard outcome == nil, failure == nil else { return false }
        // Each link is FIFO, as a ZeroMQ connection is; only the interleaving across links is random.
        let upLinks = Set(toCoordinator.map(\.0)).filter { !workers[$0].cutOff }.sorted()
        let downLinks = Set(toWorkers.map(\.0)).filter { !workers[$0].cutOff }.sorted()
        let choices = upLinks.count + downLinks.count + running.count
        guard choices > 0 else { return false }
        var pick = Int(random.next() % UInt64(choices))
        if pick < upLinks.count {
            let (i, message) = toCoordinator.remove(at: toCoordinator.firstIndex { $0.0 == upLinks[pick] }!)
            deliver(message, from: i)
            return true
        }
        pick -= upLinks.count
        if pick < downLinks.count {
            let (i, message) = toWorkers.remove(at: toWorkers.firstIndex { $0.0 == downLinks[pick] }!)
            guard workers[i].exitCode == nil else { return true }
            apply(workers[i].session.receive(message, now: now), worker: i)
            return true
        }
        pick -= downLinks.count
        guard !workers[running[pick].0].stalled else { return true }
        let (i, lease) = running.remove(at: pick)
        guard !workers[i].silent, workers[i].exitCode == nil else { return true }
        apply(
            workers[i].session.finished(
                lease.id,
                result: InMemoryCoordination<SelectionBook>.execute(
                    lease, vectors: vectors, settings: settings, quality: quality,
                    labels: labels), now: now), worker: i)
        return true
    }

    /// Steps until worker `i` runs a task, then stalls it there: it heartbeats on but never finishes,
    /// its progress moving (very slow) or frozen (stuck).
    public mutating func stallWhenRunning(_ i: Int, progressFrozen: Bool = false) {
        while !running.contains(where: { $0.0 == i }), step() {}
        workers[i].stalled = true
        workers[i].progressFrozen = progressFrozen
    }

    /// Delivers every message in flight on links that are up, also after the run has ended (the
    /// farewells and their acknowledgements).
    public mutating func deliverInFlight() {
        while let index = toWorkers.firstIndex(where: { !workers[$0.0].cutOff })
            ?? toCoordinator.firstIndex(where: { !workers[$0.0].cutOff }).map({ $0 + toWorkers.count })
        {
            if index < toWorkers.count {
                let (i, message) = toWorkers.remove(at: index)
                if workers[i].exitCode == nil { apply(workers[i].session.receive(message, now: now), worker: i) }
            } else {
                let (i, message) = toCoordinator.remove(at: index - toWorkers.count)
                deliver(message, from: i)
            }
        }
    }

    /// Delivers a worker's message to the coordinator (tests also call it to inject duplicates).
    public mutating func deliver(_ message: WorkerMessage, from i: Int, header: MessageHeader? = nil) {
        var h = header ?? self.header
        h.sender = "w\(i)"
        absorb(coordinator.receive(message, header: h, from: workers[i].peer, now: now))
    }

    /// Delivers each message as worker `i`'s; returns the names of those the coordinator did not drop
    /// as invalid results.
    public mutating func unrefused(_ messages: [(String, WorkerMessage)], from i: Int) -> [String] {
        messages.compactMap { what, message in
            let invalid = coordinator.counters.invalidResults
            deliver(message, from: i)
            return coordinator.counters.invalidResults == invalid + 1 ? nil : what
        }
    }

    /// Advances the clock and lets both sides tick.
    public mutating func advance(_ d: Duration) {
        now += d
        absorb(coordinator.tick(now: now))
        for i in workers.indices where !workers[i].silent && workers[i].exitCode == nil {
            let rowsDone = workers[i].progressFrozen ? 1 : UInt64(now.components.seconds * 1000 + now.components.attoseconds / 1_000_000_000_000_000)
            let progress = Dictionary(running.filter { $0.0 == i }.map { ($0.1.id, rowsDone) }, uniquingKeysWith: max)
            apply(workers[i].session.tick(now: now, progress: progress), worker: i)
        }
    }

    /// Steps until done; the clock advances by 100 ms every `stepsPerTick` steps.
    public mutating func runToEnd(stepsPerTick: Int = 50, maxSteps: Int = 1_000_000) {
        var steps = 0
        while outcome == nil && failure == nil && steps < maxSteps {
            if !step() { advance(.milliseconds(100)) }
            steps += 1
            if steps % stepsPerTick == 0 { advance(.milliseconds(100)) }
        }
    }

    private mutating func absorb(_ actions: [Coordinator<Book>.Action]) {
        for action in actions {
            switch action {
            case .send(let peer, let message):
                if let i = workers.firstIndex(where: { $0.peer == peer }) { toWorkers.append((i, message)) }
            case .finished(let o):
                // As the command does: a partitioned top's picks get their vectors back from the pool.
                if var run = o as? SelectionRun {
                    run.selection = run.selection.withVectors { vectors.gather($0.map { Int($0) }) }
                    outcome = run as? Book.Outcome
                } else {
                    outcome = o
                }
            case .failed(let f): failure = f
            case .log(_, let text, _): log.append(text)
            case .persist(let m): journal.append(m)
            }
        }
    }

    private mutating func apply(_ actions: [WorkerSession.Action], worker i: Int) {
        for action in actions {
            switch action {
            case .send(let message):
                if !workers[i].silent { toCoordinator.append((i, message)) }
            case .prepare: break
            case .run(let lease):
                if case .chunk(let t) = lease.work, t.chunk == deadlyChunk { workers[i].silent = true }
                running.append((i, lease))
            case .cancel: break
            case .abandonTasks: running.removeAll { $0.0 == i }
            case .exit(let code, _): workers[i].exitCode = code
            }
        }
    }
}

extension InMemoryCoordination where Book == SelectionBook {
    public init(
        vectors: VectorBlock, settings: SelectionSettings, workers: Int, slots: Int = 1, orderSeed: UInt64,
        coordination: CoordinationSettings = CoordinationSettings(), quality: [Float]? = nil, labels: [Int64]? = nil
    ) {
        let job = SelectionJob(totalRows: vectors.rows, dimension: vectors.dimension, settings: settings, labels: labels)
        let config = RunConfig(
            files: [.init(path: "memory", rows: vectors.rows, bytes: 0, dtype: "<f4")],
            dimension: vectors.dimension, totalRows: vectors.rows, settings: settings, skipNonfinite: false)
        let welcome = Welcome(configHash: [1, 2, 3], config: config, heartbeat: .seconds(1), liveness: 5)
        self.init(
            coordinator: Coordinator(job: job, welcome: welcome, runID: "test", epoch: 7, settings: coordination), vectors: vectors,
            settings: settings, workers: workers, slots: slots, orderSeed: orderSeed, quality: quality, labels: labels)
    }

    /// What a worker computes for a lease, on the in-memory pool.
    public static func execute(
        _ lease: Lease, vectors: VectorBlock, settings: SelectionSettings, quality: [Float]? = nil,
        labels: [Int64]? = nil
    ) -> WorkerMessage {
        switch lease.work {
        case .chunk(let task):
            let rows = task.rows
            let block = vectors.gather(rows.map { Int($0) })
            let coreset = SelectionTasks.chunk(
                task, rows: rows, vectors: block, settings: settings,
                quality: quality.map { q in rows.map { q[Int($0)] } },
                labels: task.labelCaps != nil ? labels.map { l in rows.map { l[Int($0)] } } : nil)
            return .chunkResult(
                ChunkResult(
                    leaseID: lease.id, chunk: task.chunk, coreset: coreset,
                    statistics: EmbeddingStatistics.of(block), skippedRows: [], busySeconds: 0.01))
        case .merge(let task):
            return .mergeResult(MergeResult(leaseID: lease.id, node: task.node, coreset: task.run(settings: settings), busySeconds: 0.01))
        case .assign(let task):
            let rows = task.participants
            var block = vectors.gather(rows)
            if task.normalizesRows { block = block.normalized() }
            let outcome = AssignOutcome.assigning(block, rows: rows, kept: nil, for: task)
            return .assignResult(AssignResult(leaseID: lease.id, node: task.node, outcome: outcome, busySeconds: 0.01))
        case .dedup(let task):
            let finding = task.run { vectors.gather($0.map { Int($0) }) }
            return .dedupResult(DedupResult(leaseID: lease.id, group: task.group, finding: finding, busySeconds: 0.01))
        }
    }

    /// The selection walked directly through the tree in one thread: what every cluster run must equal.
    /// `emptyChunks` are left out, as `--on-poisoned skip` leaves them.
    public static func reference(
        vectors: VectorBlock, settings: SelectionSettings, emptyChunks: Set<Int> = [],
        quality: [Float]? = nil, labels: [Int64]? = nil
    ) -> Coreset {
        let job = SelectionJob(totalRows: vectors.rows, dimension: vectors.dimension, settings: settings, labels: labels)
        return results(of: job, vectors: vectors, emptyChunks: emptyChunks, quality: quality, labels: labels)[job.tree.root]!
    }

    /// Every node's result of that walk, level by level.
    public static func results(
        of job: SelectionJob, vectors: VectorBlock, emptyChunks: Set<Int> = [],
        quality: [Float]? = nil, labels: [Int64]? = nil
    ) -> [MergeTree.Node: Coreset] {
        var results: [MergeTree.Node: Coreset] = [:]
        for c in 0..<job.chunkCount {
            let task = job.chunkTask(c)
            if emptyChunks.contains(c) {
                results[MergeTree.Node(level: 0, index: c)] = Coreset.empty(dimension: vectors.dimension, rowsBeneath: task.plannedRows)
            } else if case .chunkResult(let r) = execute(
                Lease(id: 0, work: .chunk(task)), vectors: vectors, settings: job.settings,
                quality: quality, labels: labels)
            {
                results[MergeTree.Node(level: 0, index: c)] = r.coreset
            }
        }
        for node in job.tree.mergeNodes {
            switch job.mergeStep(node, children: job.tree.children(of: node).map { results[$0]! }) {
            case .done(let c): results[node] = c
            case .greedy(let t): results[node] = t.run(settings: job.settings)
            }
        }
        return results
    }
}
