import HeapModule
import WinnowCore

/// The coordinator of design §2–§3 as a pure state machine: messages and clock ticks in, actions
/// out. It owns the lease ledger and the merge tree; it never touches a socket, a file or a clock,
/// so tests drive it through an in-memory transport with a manual clock.
///
/// Leasing is credit-based: a worker announces `slots` in its Hello and holds at most that many
/// leases; each result returns a credit. The next lease is the lowest pending chunk, then the lowest
/// merge node whose children are all in. Merge steps that need no greedy (every child empty, or
/// candidates within budget) are done here at once.
public struct Coordinator {
    public enum Action: Sendable, Equatable {
        case send(PeerID, CoordinatorMessage)
        /// Write this accepted result to the journal, durably, before anything else happens.
        case persist(WorkerMessage)
        /// The root is done; the run's result.
        case finished(ClusterOutcome)
        /// A task failed in a way that fails the run (bad data).
        case failed(TaskFailure)
        case log(LogLevel, String, [String: String])
    }

    public enum LogLevel: Sendable, Equatable { case debug, info, warning, error }

    struct Peer {
        var name: String
        var slots: Int
        var leases: Set<UInt64> = []
        /// Leases taken back for lack of progress that the worker still runs: they hold its slots
        /// until a heartbeat no longer lists them.
        var revoked: Set<UInt64> = []
        var lastSeen: Duration
        var joined: Duration
        var tally: WorkerTally
    }

    struct LeaseRecord {
        var node: MergeTree.Node
        var peer: PeerID
        var issued: Duration
        var isBackup = false
        /// The last rows-done count the worker reported, and when it last changed.
        var rowsDone: UInt64?
        var progressed: Duration
    }

    enum Phase: Equatable { case running, finished, failed }

    public let job: SelectionJob
    public let welcome: Welcome
    public let runID: String
    /// Tells this coordinator's leases from those of an earlier incarnation of the run.
    public let epoch: UInt64
    public let settings: ClusterSettings

    private var phase = Phase.running
    private var peers: [PeerID: Peer] = [:]
    private var departed: [WorkerTally] = []
    private var leases: [UInt64: LeaseRecord] = [:]
    private var nextLeaseID: UInt64 = 1
    private var pendingChunks: Heap<Int>
    private var readyMerges = Heap<MergeTree.Node>()
    private var mergeTasks: [MergeTree.Node: MergeTask] = [:]
    /// Results waiting for their parent's other children.
    private var done: [MergeTree.Node: Coreset] = [:]
    private var completed: Set<MergeTree.Node> = []
    private var chunkStatistics: [EmbeddingStatistics?]
    private var chunkSkipped: [[Int64]]
    /// Seconds from lease to accepted result, per tree level (for the straggler rule).
    private var durations: [[Double]]
    private var backedUp: Set<MergeTree.Node> = []
    /// Names of the workers that died holding a lease of each node.
    private var deaths: [MergeTree.Node: Set<String>] = [:]
    private var lastHeartbeat: Duration = .zero
    /// Whether the expected-workers check has spoken (all joined, or some missing at the wait's end).
    private var workersChecked = false
    private var now: Duration = .zero
    public private(set) var counters = ClusterCounters()
    private var progress: LevelProgress

    public init(job: SelectionJob, welcome: Welcome, runID: String, epoch: UInt64, settings: ClusterSettings) {
        self.job = job
        self.welcome = welcome
        self.runID = runID
        self.epoch = epoch
        self.settings = settings
        pendingChunks = Heap(0 ..< job.chunkCount)
        chunkStatistics = Array(repeating: nil, count: job.chunkCount)
        chunkSkipped = Array(repeating: [], count: job.chunkCount)
        durations = Array(repeating: [], count: job.tree.levelSizes.count)
        progress = LevelProgress(levelSizes: job.tree.levelSizes, totalRows: job.totalRows)
    }

    public var isRunning: Bool { phase == .running }
    public var connectedWorkers: Int { peers.count }
    public var tasksLeft: Int { job.chunkCount + job.tree.mergeNodes.count - completed.count }

    /// Where the run stands at `now` (the progress line, metrics, `winnow status`).
    public func status(now: Duration) -> RunStatus {
        let state: RunStatus.State = switch phase {
        case .running: .running
        case .finished: .finished
        case .failed: .failed
        }
        var status = progress.status(runID: runID, state: state, now: now, tasksRunning: leases.count, workersAlive: peers.count)
        status.counters = counters
        status.workers = peers.values.sorted { ($0.joined, $0.name) < ($1.joined, $1.name) }.map {
            WorkerStatus(name: $0.name, host: $0.tally.host, slots: $0.slots, running: $0.leases.count,
                         chunkTasks: $0.tally.chunkTasks, mergeTasks: $0.tally.mergeTasks, busySeconds: $0.tally.busySeconds)
        }
        return status
    }

    // MARK: events

    /// A decoded message from a peer. `header` is the envelope it came in.
    public mutating func receive(_ message: WorkerMessage, header: MessageHeader, from peer: PeerID, now: Duration) -> [Action] {
        self.now = now
        var actions: [Action] = []
        if case .hello(let hello) = message {
            actions += greet(hello, header: header, from: peer)
            actions += dispatch()
            return actions
        }
        if case .statusRequest = message {
            // Anyone past the transport's handshake may ask; asking is no part of the run.
            guard header.protocolVersion == MessageHeader.protocolVersion else {
                return [.send(peer, .reject(Rejection(.protocolVersion, "protocol version \(header.protocolVersion) is not supported; this coordinator speaks \(MessageHeader.protocolVersion)")))]
            }
            return [.send(peer, .status(status(now: now)))]
        }
        guard peers[peer] != nil else {
            counters.invalidMessages += 1
            // A worker of this run's previous coordinator (restarted): our heartbeat carries the new
            // epoch, on which the worker says Hello again.
            let reply: [Action] = header.runID == runID ? [.send(peer, .heartbeat)] : []
            return reply + [.log(.debug, "message from a peer that has not said Hello; dropped", ["peer": "\(peer)"])]
        }
        peers[peer]!.lastSeen = now
        guard header.protocolVersion == MessageHeader.protocolVersion, header.runID == runID else {
            counters.staleResults += 1
            return [.log(.warning, "message for another run or protocol; dropped",
                         ["peer": "\(peer)", "run": header.runID, "protocol": "\(header.protocolVersion)"])]
        }
        switch message {
        case .hello, .statusRequest: break
        case .heartbeat(let running, _):
            noteProgress(running, from: peer)
        case .chunkResult(let r):
            actions += accept(node: MergeTree.Node(level: 0, index: r.chunk), leaseID: r.leaseID, from: peer,
                              busy: r.busySeconds, peakResident: r.peakResidentBytes, epoch: header.epoch) { (coordinator: inout Coordinator) throws(InvalidResult) -> Coreset in
                try coordinator.validate(r)
                coordinator.chunkStatistics[r.chunk] = r.statistics
                coordinator.chunkSkipped[r.chunk] = r.skippedRows
                return r.coreset
            }
        case .mergeResult(let r):
            actions += accept(node: r.node, leaseID: r.leaseID, from: peer, busy: r.busySeconds, peakResident: r.peakResidentBytes,
                              epoch: header.epoch) { (coordinator: inout Coordinator) throws(InvalidResult) -> Coreset in
                try coordinator.validate(r)
                return r.coreset
            }
        case .release(let ids, let reason):
            actions.append(.log(.info, "worker gave leases back", ["peer": "\(peer)", "leases": "\(ids.count)", "reason": reason]))
            actions += retire(peer, lost: false)
        case .failure(let f):
            actions += fail(f, from: peer)
        }
        actions += dispatch()
        return actions
    }

    /// Time passes: heartbeats out, silent peers declared gone, their leases back in the queue.
    public mutating func tick(now: Duration) -> [Action] {
        self.now = now
        var actions: [Action] = []
        for (id, peer) in peers.sorted(by: { $0.key < $1.key }) where now - peer.lastSeen > settings.silenceLimit {
            counters.workersLost += 1
            actions.append(.log(.warning, "worker silent; declared gone, its leases go back to the queue",
                                ["peer": peer.name, "leases": "\(peer.leases.count)"]))
            actions += retire(id, lost: true)
        }
        actions += revokeStalledLeases()
        actions += checkExpectedWorkers()
        if now - lastHeartbeat >= settings.heartbeat {
            lastHeartbeat = now
            for id in peers.keys.sorted() { actions.append(.send(id, .heartbeat)) }
        }
        actions += dispatch()
        return actions
    }

    /// Stops the run from outside (a signal): every worker is told to exit.
    public mutating func abort(reason: String, status: Int) -> [Action] {
        guard phase == .running else { return [] }
        phase = .failed
        return peers.keys.sorted().map { .send($0, .shutdown(reason: reason, status: status)) }
    }

    // MARK: handshake

    private mutating func greet(_ hello: Hello, header: MessageHeader, from id: PeerID) -> [Action] {
        func reject(_ reason: Rejection.Reason, _ detail: String) -> [Action] {
            counters.rejectedHellos += 1
            return [.send(id, .reject(Rejection(reason, detail))),
                    .log(.warning, "worker rejected", ["peer": header.sender, "reason": detail])]
        }
        if header.protocolVersion != MessageHeader.protocolVersion {
            return reject(.protocolVersion, "protocol version \(header.protocolVersion) is not supported; this coordinator speaks \(MessageHeader.protocolVersion)")
        }
        if !hello.expectedConfigHash.isEmpty && hello.expectedConfigHash != welcome.configHash {
            return reject(.configHash, "the worker expects configuration \(hello.expectedConfigHash.hexString); this run is \(welcome.configHash.hexString)")
        }
        guard phase == .running else { return reject(.shuttingDown, "the run is over") }
        guard (1 ... 1024).contains(hello.slots) else { return reject(.invalid, "slots must be 1...1024 (got \(hello.slots))") }
        if peers[id] != nil {
            // A worker says Hello only while it holds nothing (first contact, or reconnecting after it
            // lost us): whatever we think it holds goes back to the queue. If the Hello merely crossed
            // our Welcome, a result may still come for those leases; the first valid one wins.
            peers[id]!.lastSeen = now
            for l in peers[id]!.leases.sorted() { requeue(l) }
            return [.send(id, .welcome(welcome))]
        }
        let name = header.sender.isEmpty ? "\(id)" : header.sender
        peers[id] = Peer(name: name, slots: hello.slots, lastSeen: now, joined: now,
                         tally: WorkerTally(name: name, host: hello.host, pid: hello.pid, slots: hello.slots))
        return [.send(id, .welcome(welcome)),
                .log(.info, "worker joined", ["peer": name, "host": hello.host, "pid": "\(hello.pid)", "slots": "\(hello.slots)"])]
    }

    // MARK: leasing

    private mutating func dispatch() -> [Action] {
        guard phase == .running else { return [] }
        var actions: [Action] = []
        // Peers in join order, so a run's lease log reads the same every time.
        for id in peers.keys.sorted(by: { (peers[$0]!.joined, $0) < (peers[$1]!.joined, $1) }) {
            while peers[id]!.leases.count + peers[id]!.revoked.count < peers[id]!.slots {
                var isBackup = false
                guard let work = nextWork() ?? { isBackup = true; return backupWork(for: id) }() else { break }
                let lease = Lease(id: nextLeaseID, work: work)
                nextLeaseID += 1
                counters.leasesIssued += 1
                if isBackup {
                    counters.backupsIssued += 1
                    backedUp.insert(lease.node)
                    actions.append(.log(.info, "backup copy of a straggler", ["node": "\(lease.node)", "peer": peers[id]!.name]))
                }
                leases[lease.id] = LeaseRecord(node: lease.node, peer: id, issued: now, isBackup: isBackup, progressed: now)
                progress.began(level: lease.node.level, at: now)
                peers[id]!.leases.insert(lease.id)
                actions.append(.send(id, .lease(lease)))
            }
        }
        return actions
    }

    /// A ready merge before the next chunk: the coordinator holds every merge's candidates (vectors
    /// included) until it is done, so handing chunks out first held all α · k of the leaves' picks at
    /// once (614 MB at k = 100,000, d = 384); merging as soon as a group is complete holds a few groups.
    private mutating func nextWork() -> Lease.Work? {
        while let node = readyMerges.popMin() {
            if let task = mergeTasks[node], !completed.contains(node) { return .merge(task) }
        }
        while let c = pendingChunks.popMin() {
            if !completed.contains(MergeTree.Node(level: 0, index: c)) { return .chunk(job.chunkTask(c)) }
        }
        return nil
    }

    // MARK: resuming

    /// Replays results from the journal of an earlier incarnation of this run, in the order they
    /// were accepted (children before parents). Returns how many were taken; a record that does not
    /// fit the plan any more is skipped and its task simply runs again.
    public mutating func restore(_ results: [WorkerMessage]) -> (reused: Int, actions: [Action]) {
        var reused = 0
        var actions: [Action] = []
        for message in results {
            switch message {
            case .chunkResult(let r):
                let node = MergeTree.Node(level: 0, index: r.chunk)
                guard r.chunk < job.chunkCount, !completed.contains(node), (try? validate(r)) != nil else { continue }
                chunkStatistics[r.chunk] = r.statistics
                chunkSkipped[r.chunk] = r.skippedRows
                actions += complete(node, r.coreset)
            case .mergeResult(let r):
                guard !completed.contains(r.node), (try? validate(r)) != nil else { continue }
                actions += complete(r.node, r.coreset)
            default:
                continue
            }
            reused += 1
        }
        counters.reusedFromJournal = reused
        return (reused, actions)
    }

    /// A second copy of the longest-running straggler another worker holds (design §4): only once
    /// `backupAfterShareDone` of its level is done, only past `backupSlowerThanMedian` × the level's
    /// median, at most one backup per task. The first valid result wins; the other copy is cancelled.
    private func backupWork(for id: PeerID) -> Lease.Work? {
        guard settings.backups else { return nil }
        // Per level, how long a task must have run to be a straggler (nil: level not far enough along).
        // A heartbeat interval at least: copying sub-second tasks only adds duplicates.
        let thresholds: [Double?] = durations.indices.map { level in
            guard Double(durations[level].count) >= settings.backupAfterShareDone * Double(job.tree.levelSizes[level]),
                  let median = medianDuration(level: level) else { return nil }
            return max(settings.backupSlowerThanMedian * median, settings.heartbeat.seconds)
        }
        var best: (LeaseRecord, Duration)?
        for record in leases.values where record.peer != id && !backedUp.contains(record.node) {
            guard let threshold = thresholds[record.node.level] else { continue }
            let running = now - record.issued
            guard running.seconds > threshold else { continue }
            if best.map({ running > $0.1 || (running == $0.1 && record.node < $0.0.node) }) ?? true { best = (record, running) }
        }
        guard let (record, _) = best else { return nil }
        let node = record.node
        return node.level == 0 ? .chunk(job.chunkTask(node.index)) : mergeTasks[node].map { .merge($0) }
    }

    // MARK: expected workers

    /// Leasing never waits for workers (they pull; the first to join starts the run), but a job
    /// that knows its worker count is told when all are in, warned when some never came, and
    /// stopped (75: requeue) when none came at all.
    private mutating func checkExpectedWorkers() -> [Action] {
        let expected = settings.expectWorkers
        guard expected > 0, !workersChecked, phase == .running else { return [] }
        let joined = peers.count + departed.count
        if joined >= expected {
            workersChecked = true
            return [.log(.info, "all expected workers joined", ["workers": "\(joined)", "after_seconds": "\(Int(now.seconds))"])]
        }
        guard now >= settings.workerWait else { return [] }
        workersChecked = true
        guard joined == 0 else {
            return [.log(.warning, "fewer workers than expected joined; the run goes on with them",
                         ["joined": "\(joined)", "expected": "\(expected)", "waited_seconds": "\(Int(settings.workerWait.seconds))"])]
        }
        return fail(TaskFailure(leaseID: 0, node: job.tree.root, code: .noWorkers,
                                message: "no worker joined within \(Int(settings.workerWait.seconds)) s (expected \(expected)); see the workers' output"),
                    from: PeerID([]))
    }

    // MARK: progress

    private mutating func noteProgress(_ running: [LeaseProgress], from peer: PeerID) {
        for p in running {
            guard let rows = p.rowsDone, var record = leases[p.id], record.peer == peer, record.rowsDone != rows else { continue }
            record.rowsDone = rows
            record.progressed = now
            leases[p.id] = record
        }
        // A revoked task that left the worker's list has ended there: its slot is free again.
        let listed = Set(running.map(\.id))
        peers[peer]?.revoked.formIntersection(listed)
    }

    /// Leases whose progress stood still past the timeout go back to the queue (design §4). The
    /// worker keeps its slot busy until it lets the task go; a task that stalls or kills
    /// `poisonAfterWorkerDeaths` workers is poisoned.
    private mutating func revokeStalledLeases() -> [Action] {
        var actions: [Action] = []
        var timeouts: [Int: Double] = [:]
        for (id, record) in leases.sorted(by: { $0.key < $1.key }) where record.rowsDone != nil {
            let level = record.node.level
            let timeout = timeouts[level] ?? {
                let t = max(settings.progressTimeout.seconds, settings.progressTimeoutMedians * (medianDuration(level: level) ?? 0))
                timeouts[level] = t
                return t
            }()
            guard (now - record.progressed).seconds > timeout, let peer = peers[record.peer] else { continue }
            counters.leasesRevoked += 1
            peers[record.peer]!.revoked.insert(id)
            actions.append(.send(record.peer, .cancel(leaseID: id)))
            actions.append(.log(.warning, "task made no progress; lease taken back", [
                "peer": peer.name, "node": "\(record.node)", "rows_done": "\(record.rowsDone!)",
                "stalled_seconds": "\(Int((now - record.progressed).seconds))"]))
            actions += takeBack(id, from: peer.name)
        }
        return actions
    }

    /// A lease its worker died or stalled on: counted against the task, which is poisoned once
    /// `poisonAfterWorkerDeaths` different workers went that way, and otherwise leased again.
    private mutating func takeBack(_ leaseID: UInt64, from worker: String) -> [Action] {
        guard let record = leases[leaseID] else { return [] }
        deaths[record.node, default: []].insert(worker)
        guard deaths[record.node]!.count >= settings.poisonAfterWorkerDeaths, !completed.contains(record.node) else {
            requeue(leaseID)
            return []
        }
        leases[leaseID] = nil
        peers[record.peer]?.leases.remove(leaseID)
        return poisoned(record.node)
    }

    /// The median time from lease to accepted result of a tree level's finished tasks.
    private func medianDuration(level: Int) -> Double? {
        let finished = durations[level]
        return finished.isEmpty ? nil : finished.sorted()[finished.count / 2]
    }

    /// Puts a lease's task back in its queue unless its result is already in.
    private mutating func requeue(_ leaseID: UInt64) {
        guard let record = leases.removeValue(forKey: leaseID) else { return }
        peers[record.peer]?.leases.remove(leaseID)
        guard !completed.contains(record.node) else { return }
        // Another copy may still be out (a backup, or a lease reissued after a silence).
        guard !leases.values.contains(where: { $0.node == record.node }) else { return }
        counters.leasesReissued += 1
        if record.node.level == 0 { pendingChunks.insert(record.node.index) } else { readyMerges.insert(record.node) }
    }

    private mutating func retire(_ id: PeerID, lost: Bool) -> [Action] {
        guard var peer = peers.removeValue(forKey: id) else { return [] }
        peer.tally.leasesLost += peer.leases.count
        peer.tally.gone = lost
        var actions: [Action] = []
        for l in peer.leases.sorted() {
            if lost { actions += takeBack(l, from: peer.name) } else { requeue(l) }
        }
        finalize(&peer)
        departed.append(peer.tally)
        return actions
    }

    /// A task that was running on every one of `poisonAfterWorkerDeaths` workers when they died or stalled.
    private mutating func poisoned(_ node: MergeTree.Node) -> [Action] {
        let workers = deaths[node]!.sorted().joined(separator: ", ")
        let place = node.level == 0 ? welcome.config.describe(rows: job.plan.chunks[node.index]) : "merge node \(node)"
        let message = "\(node.level == 0 ? "chunk \(node.index)" : "\(node)") was running on \(deaths[node]!.count) workers when they died or stalled (\(workers)): \(place)"
        guard node.level == 0, settings.onPoisoned == .skip else {
            let failure = TaskFailure(leaseID: 0, node: node, code: .poisoned, message: message,
                                      path: welcome.config.files.first?.path)
            return fail(failure, from: PeerID([]))
        }
        counters.poisonedChunks.append(node.index)
        var actions: [Action] = [.log(.error, "poisoned chunk left out (--on-poisoned skip)", ["chunk": "\(node.index)", "why": message])]
        actions += cancelCopies(of: node)
        chunkStatistics[node.index] = nil
        let planned = job.chunkTask(node.index).plannedRows
        chunkSkipped[node.index] = job.chunkTask(node.index).rows
        return actions + complete(node, Coreset.empty(dimension: job.dimension, rowsBeneath: planned))
    }

    private func finalize(_ peer: inout Peer) {
        let connected = (now - peer.joined).seconds
        peer.tally.connectedSeconds = connected
        peer.tally.idleSeconds = max(0, Double(peer.slots) * connected - peer.tally.busySeconds)
    }

    // MARK: results

    private struct InvalidResult: Error { var reason: String }

    private mutating func accept(
        node: MergeTree.Node, leaseID: UInt64, from id: PeerID, busy: Double, peakResident: Int, epoch: UInt64,
        _ body: (inout Coordinator) throws(InvalidResult) -> Coreset
    ) -> [Action] {
        let record = leases.removeValue(forKey: leaseID)
        peers[id]?.leases.remove(leaseID)
        if let record, record.peer != id { peers[record.peer]?.leases.remove(leaseID) }
        guard epoch == self.epoch else {
            counters.staleResults += 1
            if record != nil { leases[leaseID] = record; requeue(leaseID) }
            return [.log(.warning, "result from another coordinator epoch; ignored", ["peer": "\(id)", "node": "\(node)"])]
        }
        guard node.level < job.tree.levelSizes.count, node.index < job.tree.levelSizes[node.level],
              record == nil || record!.node == node else {
            counters.invalidResults += 1
            if record != nil { leases[leaseID] = record; requeue(leaseID) }
            return [.log(.warning, "result names a task its lease was not for; dropped", ["peer": "\(id)", "node": "\(node)"])]
        }
        guard !completed.contains(node) else {
            counters.duplicateResults += 1
            return [.log(.debug, "duplicate result ignored (first valid result wins)", ["peer": "\(id)", "node": "\(node)"])]
        }
        let coreset: Coreset
        do {
            coreset = try body(&self)
        } catch {
            counters.invalidResults += 1
            if record != nil { leases[leaseID] = record; requeue(leaseID) }
            return [.log(.warning, "invalid result dropped; task goes back to the queue",
                         ["peer": "\(id)", "node": "\(node)", "reason": error.reason])]
        }
        if let record {
            durations[node.level].append((now - record.issued).seconds)
            if record.isBackup { counters.backupsWon += 1 }
        }
        if var peer = peers[id] {
            if node.level == 0 {
                peer.tally.chunkTasks += 1
                peer.tally.rows += coreset.rowsBeneath
            } else {
                peer.tally.mergeTasks += 1
                peer.tally.rows += mergeTasks[node]?.candidateCount ?? 0
            }
            peer.tally.busySeconds += max(0, busy)
            peer.tally.peakResidentBytes = max(peer.tally.peakResidentBytes, peakResident)
            peers[id] = peer
        }
        return [.persist(accepted(node, coreset))] + cancelCopies(of: node) + complete(node, coreset)
    }

    /// Copies of a task still out once its result is settled are pointless: take them back.
    private mutating func cancelCopies(of node: MergeTree.Node) -> [Action] {
        var actions: [Action] = []
        for (other, r) in leases.sorted(by: { $0.key < $1.key }) where r.node == node {
            leases[other] = nil
            peers[r.peer]?.leases.remove(other)
            actions.append(.send(r.peer, .cancel(leaseID: other)))
        }
        return actions
    }

    /// The result as it goes into the journal.
    private func accepted(_ node: MergeTree.Node, _ coreset: Coreset) -> WorkerMessage {
        if node.level == 0 {
            return .chunkResult(ChunkResult(leaseID: 0, chunk: node.index, coreset: coreset,
                                            statistics: chunkStatistics[node.index] ?? EmbeddingStatistics(dimension: job.dimension),
                                            skippedRows: chunkSkipped[node.index], busySeconds: 0))
        }
        return .mergeResult(MergeResult(leaseID: 0, node: node, coreset: coreset, busySeconds: 0))
    }

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
    private func validateCarried<Value: Hashable>(_ values: KeyPath<Coreset, [Value]?>, _ what: String, of coreset: Coreset,
                                                  from children: [Coreset]) throws(InvalidResult) {
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

    /// Records a node's result and runs every merge step it unlocks.
    private mutating func complete(_ node: MergeTree.Node, _ coreset: Coreset) -> [Action] {
        completed.insert(node)
        progress.finished(level: node.level, rows: coreset.rowsBeneath)
        mergeTasks[node] = nil
        guard node != job.tree.root else { return finish(coreset) }
        done[node] = coreset
        let parent = job.tree.parent(of: node)!
        let siblings = job.tree.children(of: parent)
        guard siblings.allSatisfy({ done[$0] != nil }) else { return [] }
        let children = siblings.map { done.removeValue(forKey: $0)! }
        switch job.mergeStep(parent, children: children) {
        case .done(let result):
            counters.mergesOnCoordinator += 1
            return complete(parent, result)
        case .greedy(let task):
            mergeTasks[parent] = task
            readyMerges.insert(parent)
            return []
        }
    }

    private mutating func finish(_ selection: Coreset) -> [Action] {
        phase = .finished
        var statistics = EmbeddingStatistics(dimension: job.dimension)
        for s in chunkStatistics { if let s { statistics.merge(s) } }
        var workers = departed
        for id in peers.keys.sorted(by: { peers[$0]!.joined < peers[$1]!.joined }) {
            finalize(&peers[id]!)
            workers.append(peers[id]!.tally)
        }
        let outcome = ClusterOutcome(selection: selection, statistics: statistics, skippedRows: chunkSkipped.flatMap { $0 },
                                     workers: workers, counters: counters)
        var actions: [Action] = peers.keys.sorted().map { .send($0, .shutdown(reason: "the run is done", status: 0)) }
        actions.append(.finished(outcome))
        return actions
    }

    private mutating func fail(_ failure: TaskFailure, from id: PeerID) -> [Action] {
        if failure.code == .poolMismatch {
            // This worker cannot see the pool the run reads: its problem, not the run's.
            var actions: [Action] = [.log(.error, "worker cannot read the pool; it leaves the run",
                                          ["peer": "\(id)", "reason": failure.message])]
            actions += retire(id, lost: false)
            return actions
        }
        guard phase == .running else { return [] }
        phase = .failed
        var actions: [Action] = peers.keys.sorted().map { .send($0, .shutdown(reason: failure.message, status: Int(failure.exitStatus))) }
        actions.append(.failed(failure))
        return actions
    }
}

