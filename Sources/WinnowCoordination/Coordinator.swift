import WinnowCore

/// The coordinator of design §2–§4 as a pure state machine: messages and clock ticks in, actions
/// out. It owns the workers and the lease ledger; its `book` owns the tasks (a selection's merge
/// tree, a k-means's passes). It never touches a socket, a file or a clock, so tests drive it
/// through an in-memory transport with a manual clock.
///
/// Leasing is credit-based: a worker announces `slots` in its Hello and holds at most that many
/// leases; each result returns a credit. The next lease is the book's next ready task; with none
/// ready, a backup copy of a straggler.
public struct Coordinator<Book: TaskBook> {
    public enum Action: Sendable, Equatable {
        case send(PeerID, CoordinatorMessage)
        /// Write this accepted result to the journal, durably before any later action is sent (a
        /// server may make several results durable with one sync, holding their sends until then).
        case persist(WorkerMessage)
        /// The job is done; the run's result.
        case finished(Book.Outcome)
        /// A task failed in a way that fails the run (bad data).
        case failed(TaskFailure)
        case log(CoordinatorLogLevel, String, [String: String])
    }

    struct Peer {
        var name: String
        var slots: Int
        /// The attempt to join that the worker was welcomed for (`Hello.join`).
        var join: UInt64
        var leases: Set<UInt64> = []
        /// Leases taken back for lack of progress that the worker still runs: they hold its slots
        /// until a heartbeat no longer lists them.
        var revoked: Set<UInt64> = []
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

    public private(set) var book: Book
    public let welcome: Welcome
    public let runID: String
    /// Tells this coordinator's leases from those of an earlier incarnation of the run.
    public let epoch: UInt64
    public let settings: CoordinationSettings

    private var phase = Phase.running
    private var peers: [PeerID: Peer] = [:]
    /// When each peer was last heard from. Kept apart from `peers`, as `joinedAt` is: the loop scans
    /// them, and reading a `Peer` out of the dictionary copies its sets and names (with a thousand
    /// peers those copies' retains and releases were a quarter of the coordinator simulation's time).
    private var lastSeen: [PeerID: Duration] = [:]
    /// When each peer joined: leases go out to peers in join order (time, then id).
    private var joinedAt: [PeerID: Duration] = [:]
    /// Peers that may have a free slot: every peer that has one is here (each place that frees a slot
    /// puts its peer in), so leasing looks at these instead of every peer.
    private var mayLease: Set<PeerID> = []
    private var departed: [WorkerTally] = []
    private var leases: [UInt64: LeaseRecord] = [:]
    private var nextLeaseID: UInt64 = 1
    /// Seconds from lease to accepted result, per tree level (for the straggler rule).
    private var durations: [RunningMedian]
    private var backedUp: Set<MergeTree.Node> = []
    /// Names of the workers that died holding a lease of each node.
    private var deaths: [MergeTree.Node: Set<String>] = [:]
    private var lastHeartbeat: Duration = .zero
    /// When `tick` last looked for silent peers and stalled leases.
    private var lastScan: Duration?
    /// Whether the expected-workers check has spoken (all joined, or some missing at the wait's end).
    private var workersChecked = false
    private var now: Duration = .zero
    public private(set) var counters = CoordinationCounters()
    private var progress: LevelProgress

    public init(book: Book, welcome: Welcome, runID: String, epoch: UInt64, settings: CoordinationSettings) {
        self.book = book
        self.welcome = welcome
        self.runID = runID
        self.epoch = epoch
        self.settings = settings
        durations = Array(repeating: RunningMedian(), count: book.levelSizes.count)
        progress = LevelProgress(levelSizes: book.levelSizes, totalRows: book.totalRows)
    }

    /// Whether the command serves another run at this endpoint after this one (a clustered selection's
    /// k-means, then its selection): a finished run then sends its workers there instead of home.
    public var nextRunFollows = false

    /// Configuration hashes of the command's earlier runs at this endpoint (a clustered selection's
    /// k-means). The command tells workers to expect its first run; one that starts late, after that
    /// run is over, lands here and belongs here.
    public var earlierRuns: [[UInt8]] = []

    /// Workers that said Hello after the run was done, each answered (sent home, or on to the next run).
    private var latecomers: Set<PeerID> = []

    /// What the workers were told when the run ended (done, failed or stopped): said again to any of
    /// them that speaks afterwards, so a worker whose copy was lost, or that this run had declared
    /// gone after a silence, still learns that the run is over instead of waiting for a coordinator.
    private var farewell: CoordinatorMessage?
    /// Workers declared gone after a silence, by host and process: alive behind a broken link, they
    /// may still be told. One that joins again (on a new connection: another peer id) is no longer.
    private var silenced: [PeerID: String] = [:]
    /// Workers told that the run is over that have not acknowledged it yet (a Release after it).
    /// The server keeps answering until this is empty or heartbeat × liveness has passed.
    public private(set) var awaitingFarewell: Set<PeerID> = []

    /// Workers this run has dealt with: joined (still here or gone) or answered after the end.
    public var workersSeen: Int { peers.count + departed.count + latecomers.subtracting(peers.keys).count }

    public var isRunning: Bool { phase == .running }
    public var connectedWorkers: Int { peers.count }
    public var tasksLeft: Int { book.tasksLeft }
    /// The tree level being worked on (the status's `level`, without building the status).
    public var level: Int { progress.current }

    /// Where the run stands at `now` (the progress line, metrics, `winnow status`).
    public func status(now: Duration) -> RunStatus {
        let state: RunStatus.State =
            switch phase {
            case .running: .running
            case .finished: .finished
            case .failed: .failed
            }
        var status = progress.status(runID: runID, state: state, now: now, tasksRunning: leases.count, workersAlive: peers.count)
        status.counters = counters
        status.workers = peers.values.sorted { ($0.joined, $0.name) < ($1.joined, $1.name) }.map {
            WorkerStatus(
                name: $0.name, host: $0.tally.host, slots: $0.slots, running: $0.leases.count,
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
                return [
                    .send(
                        peer,
                        .reject(
                            Rejection(
                                .protocolVersion,
                                "protocol version \(header.protocolVersion) is not supported; this coordinator speaks \(MessageHeader.protocolVersion)")))
                ]
            }
            return [.send(peer, .status(status(now: now)))]
        }
        if let farewell {
            // The run is over: whatever a worker of it says, it is told so again; its Release acknowledges.
            guard header.runID == runID else { return [] }
            if case .release = message {
                awaitingFarewell.remove(peer)
                return []
            }
            return [.send(peer, farewell)]
        }
        guard peers[peer] != nil else {
            guard header.runID == runID else {
                counters.invalidMessages += 1
                return [.log(.debug, "message from a peer that has not said Hello; dropped", ["peer": "\(peer)"])]
            }
            // A worker this run declared gone after a silence (a link that came back), or one of a
            // previous coordinator of this run (a restart; the reply's epoch tells it so too): it is
            // told to join again. Answering with a heartbeat would keep it waiting for leases for ever.
            return [
                .send(peer, .reject(Rejection(.unknownPeer, "this coordinator does not count the worker among the run's; say Hello again"))),
                .log(
                    .info, "message from a worker the run does not count; told to join again",
                    ["peer": "\(peer)", "sender": header.sender]),
            ]
        }
        lastSeen[peer] = now
        guard header.protocolVersion == MessageHeader.protocolVersion, header.runID == runID else {
            counters.staleResults += 1
            return [
                .log(
                    .warning, "message for another run or protocol; dropped",
                    ["peer": "\(peer)", "run": header.runID, "protocol": "\(header.protocolVersion)"])
            ]
        }
        switch message {
        case .hello, .statusRequest: break
        case .heartbeat(let running, _):
            noteProgress(running, from: peer)
        case .chunkResult, .mergeResult, .assignResult, .dedupResult:
            actions += accept(message, from: peer, epoch: header.epoch)
        case .release(let ids, let reason):
            actions.append(.log(.info, "worker gave leases back", ["peer": peers[peer]?.name ?? "\(peer)", "leases": "\(ids.count)", "reason": reason]))
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
        // The server ticks each time its loop wakes, with a thousand workers thousands of times a
        // second; silences and stalls are measured in heartbeats, so looking ten times a heartbeat is enough.
        let scans = lastScan.map { now - $0 >= settings.heartbeat / 10 } ?? true
        if scans {
            lastScan = now
            actions += declareSilentPeersGone()
            actions += revokeStalledLeases()
        }
        actions += checkExpectedWorkers()
        if now - lastHeartbeat >= settings.heartbeat {
            lastHeartbeat = now
            for id in peers.keys.sorted() { actions.append(.send(id, .heartbeat)) }
        }
        actions += dispatch()
        return actions
    }

    /// Peers not heard from for `silenceLimit` are gone: their leases go back to the queue.
    private mutating func declareSilentPeersGone() -> [Action] {
        var actions: [Action] = []
        let limit = settings.silenceLimit
        for (id, _) in lastSeen.filter({ now - $0.value > limit }).sorted(by: { $0.key < $1.key }) {
            guard let peer = peers[id] else { continue }
            counters.workersLost += 1
            silenced[id] = "\(peer.tally.host)/\(peer.tally.pid)"
            actions.append(
                .log(
                    .warning, "worker silent; declared gone, its leases go back to the queue",
                    ["peer": peer.name, "leases": "\(peer.leases.count)"]))
            actions += retire(id, lost: true)
        }
        return actions
    }

    /// Stops the run from outside (a signal): every worker is told to exit.
    public mutating func abort(reason: String, status: StatusCode) -> [Action] {
        guard phase == .running else { return [] }
        phase = .failed
        return sayFarewell(.shutdown(reason: reason, status: Int(status.rawValue)))
    }

    /// Tells every worker of the run that it is over, and remembers what it said for those that speak later.
    private mutating func sayFarewell(_ message: CoordinatorMessage) -> [Action] {
        farewell = message
        // Workers sent on to a next run say Hello there instead of acknowledging.
        if case .shutdown = message { awaitingFarewell = Set(peers.keys).union(silenced.keys) }
        return peers.keys.sorted().map { .send($0, message) }
    }

    // MARK: handshake

    private mutating func greet(_ hello: Hello, header: MessageHeader, from id: PeerID) -> [Action] {
        func reject(_ reason: Rejection.Reason, _ detail: String) -> [Action] {
            counters.rejectedHellos += 1
            return [
                .send(id, .reject(Rejection(reason, detail))),
                .log(.warning, "worker rejected", ["peer": header.sender, "reason": detail]),
            ]
        }
        if header.protocolVersion != MessageHeader.protocolVersion {
            return reject(
                .protocolVersion, "protocol version \(header.protocolVersion) is not supported; this coordinator speaks \(MessageHeader.protocolVersion)")
        }
        if !hello.expectedConfigHash.isEmpty && hello.expectedConfigHash != welcome.configHash
            && !earlierRuns.contains(hello.expectedConfigHash)
        {
            return reject(.configHash, "the worker expects configuration \(hello.expectedConfigHash.hexString); this run is \(welcome.configHash.hexString)")
        }
        let kernel = welcome.config.blasKernel
        if !kernel.isEmpty && hello.blasKernel != kernel {
            let theirs = hello.blasKernel.isEmpty ? "an unnamed BLAS kernel" : hello.blasKernel
            return reject(
                .blasKernel,
                "this worker (host \(hello.host)) computes with \(theirs); the run's similarities come from \(kernel), "
                    + "the coordinator's. Another kernel sums dot products in another order and could change the selection: "
                    + "give every rank the same OPENBLAS_CORETYPE (for example OPENBLAS_CORETYPE=Haswell)")
        }
        if phase == .finished {
            latecomers.insert(id)
            awaitingFarewell.remove(id)
            if nextRunFollows { return [.send(id, .nextRun(reason: "this run is done; the next is starting"))] }
            return reject(.shuttingDown, "the run is over")
        }
        guard phase == .running else { return reject(.shuttingDown, "the run is over") }
        guard (1...1024).contains(hello.slots) else { return reject(.invalid, "slots must be 1...1024 (got \(hello.slots))") }
        if peers[id] != nil {
            lastSeen[id] = now
            // A retry of the attempt already welcomed (Hellos queued behind a broken link arrive
            // together): the worker holds what it was leased since; only the Welcome is said again.
            guard hello.join != peers[id]!.join else { return [.send(id, .welcome(welcome))] }
            // A new attempt: the worker holds nothing (it lost us), so whatever we think it holds goes
            // back to the queue. A result may still come for those leases; the first valid one wins.
            peers[id]!.join = hello.join
            for l in peers[id]!.leases.sorted() { requeue(l) }
            mayLease.insert(id)
            return [.send(id, .welcome(welcome))]
        }
        let name = header.sender.isEmpty ? "\(id)" : header.sender
        let process = "\(hello.host)/\(hello.pid)"
        silenced = silenced.filter { $0.value != process }
        lastSeen[id] = now
        joinedAt[id] = now
        mayLease.insert(id)
        peers[id] = Peer(
            name: name, slots: hello.slots, join: hello.join, joined: now,
            tally: WorkerTally(name: name, host: hello.host, pid: hello.pid, slots: hello.slots))
        return [
            .send(id, .welcome(welcome)),
            .log(.info, "worker joined", ["peer": name, "host": hello.host, "pid": "\(hello.pid)", "slots": "\(hello.slots)"]),
        ]
    }

    // MARK: leasing

    private mutating func dispatch() -> [Action] {
        guard phase == .running, !mayLease.isEmpty else { return [] }
        // Nothing ready and nobody to back up: nothing to do, however many peers wait.
        var ready = nextWork()
        var stragglers: [LeaseRecord]?
        if ready == nil {
            stragglers = backupCandidates()
            guard !stragglers!.isEmpty else { return [] }
        }
        var actions: [Action] = []
        // Peers in join order, so a run's lease log reads the same every time.
        peers: for id in mayLease.sorted(by: { (joinedAt[$0]!, $0) < (joinedAt[$1]!, $1) }) {
            while let peer = peers[id], peer.leases.count + peer.revoked.count < peer.slots {
                var isBackup = false
                var work = ready ?? nextWork()
                ready = nil
                if work == nil {
                    if stragglers == nil { stragglers = backupCandidates() }
                    guard !stragglers!.isEmpty else { break peers }
                    isBackup = true
                    work = backupWork(for: id, from: stragglers!)
                }
                guard let work else { break }
                let lease = Lease(id: nextLeaseID, work: work)
                nextLeaseID += 1
                counters.leasesIssued += 1
                if isBackup {
                    counters.backupsIssued += 1
                    backedUp.insert(lease.node)
                    actions.append(.log(.info, "backup copy of a straggler", ["node": "\(lease.node)", "peer": peer.name]))
                }
                leases[lease.id] = LeaseRecord(node: lease.node, peer: id, issued: now, isBackup: isBackup, progressed: now)
                progress.began(level: lease.node.level, at: now)
                peers[id]!.leases.insert(lease.id)
                actions.append(.send(id, .lease(lease)))
            }
            if let peer = peers[id], peer.leases.count + peer.revoked.count < peer.slots { continue }
            mayLease.remove(id)
        }
        // Taken out to see whether anything was ready, and no peer had a free slot for it after all.
        if let ready { book.requeue(ready.node) }
        return actions
    }

    /// A slot of this peer's may have come free (a lease ended, a revoked task let go): it is looked
    /// at by the next dispatch. Every place that frees a slot says so here.
    private mutating func freed(_ id: PeerID) {
        if joinedAt[id] != nil { mayLease.insert(id) }
    }

    private mutating func nextWork() -> Lease.Work? {
        while let work = book.nextWork() {
            if !book.isDone(work.node) { return work }
        }
        return nil
    }

    // MARK: resuming

    /// Replays results from the journal of an earlier incarnation of this run, in the order they
    /// were accepted (children before parents). Returns how many were taken; a record that does not
    /// fit the plan any more is skipped and its task simply runs again.
    public mutating func restore(_ results: [WorkerMessage]) -> (reused: Int, actions: [Action]) {
        for message in results { restore(record: message) }
        return (counters.reusedFromJournal, restored())
    }

    /// One record of the journal taken again, as it is read (false: it does not fit the plan, or the
    /// run is already finished; its task runs again).
    @discardableResult
    public mutating func restore(record: WorkerMessage) -> Bool {
        guard !book.isFinished, book.restore(record, counters: &counters, progress: &progress) else { return false }
        counters.reusedFromJournal += 1
        return true
    }

    /// After the last record: a run the journal finished says so.
    public mutating func restored() -> [Action] { book.isFinished ? finish() : [] }

    /// Leases running long enough for a backup copy (design §4), longest-running first: only once
    /// `backupAfterShareDone` of its level is done, only past `backupSlowerThanMedian` × the level's
    /// median, at most one backup per task.
    private func backupCandidates() -> [LeaseRecord] {
        guard settings.backups else { return [] }
        // Per level, how long a task must have run to be a straggler (nil: level not far enough along).
        // A heartbeat interval at least: copying sub-second tasks only adds duplicates.
        let thresholds: [Double?] = durations.indices.map { level in
            // Done tasks, not timed ones: after a restart the journal's count as done but were not timed here.
            guard Double(progress.tasksDone[level]) >= settings.backupAfterShareDone * Double(book.levelSizes[level]),
                let median = durations[level].median
            else { return nil }
            return max(settings.backupSlowerThanMedian * median, settings.heartbeat.seconds)
        }
        guard thresholds.contains(where: { $0 != nil }) else { return [] }
        return leases.values.filter { record in
            guard !backedUp.contains(record.node), let threshold = thresholds[record.node.level] else { return false }
            return (now - record.issued).seconds > threshold
        }.sorted { ($0.issued, $0.node) < ($1.issued, $1.node) }
    }

    /// A second copy of the longest-running straggler another worker holds, not yet backed up. The
    /// first valid result wins; the other copy is cancelled.
    private func backupWork(for id: PeerID, from stragglers: [LeaseRecord]) -> Lease.Work? {
        guard let record = stragglers.first(where: { $0.peer != id && !backedUp.contains($0.node) }) else { return nil }
        return book.work(for: record.node)
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
            return [
                .log(
                    .warning, "fewer workers than expected joined; the run goes on with them",
                    ["joined": "\(joined)", "expected": "\(expected)", "waited_seconds": "\(Int(settings.workerWait.seconds))"])
            ]
        }
        return fail(
            TaskFailure(
                leaseID: 0, node: book.root, code: .noWorkers,
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
        if peers[peer]?.revoked.isEmpty == false {
            peers[peer]!.revoked.formIntersection(listed)
            freed(peer)
        }
    }

    /// Leases whose progress stood still past the timeout go back to the queue (design §4). The
    /// worker keeps its slot busy until it lets the task go; a task that stalls or kills
    /// `poisonAfterWorkerDeaths` workers is poisoned.
    private mutating func revokeStalledLeases() -> [Action] {
        var actions: [Action] = []
        let timeouts = durations.map { max(settings.progressTimeout.seconds, settings.progressTimeoutMedians * ($0.median ?? 0)) }
        // Filtered before sorted: this runs each time the server's loop wakes, with every lease.
        let stalled = leases.filter { $0.value.rowsDone != nil && (now - $0.value.progressed).seconds > timeouts[$0.value.node.level] }
        for (id, record) in stalled.sorted(by: { $0.key < $1.key }) {
            guard let peer = peers[record.peer] else { continue }
            counters.leasesRevoked += 1
            peers[record.peer]!.revoked.insert(id)
            actions.append(.send(record.peer, .cancel(leaseID: id)))
            actions.append(
                .log(
                    .warning, "task made no progress; lease taken back",
                    [
                        "peer": peer.name, "node": "\(record.node)", "rows_done": "\(record.rowsDone!)",
                        "stalled_seconds": "\(Int((now - record.progressed).seconds))",
                    ]))
            actions += takeBack(id, from: peer.name)
        }
        return actions
    }

    /// A lease its worker died or stalled on: counted against the task, which is poisoned once
    /// `poisonAfterWorkerDeaths` different workers went that way, and otherwise leased again.
    private mutating func takeBack(_ leaseID: UInt64, from worker: String) -> [Action] {
        guard let record = leases[leaseID] else { return [] }
        deaths[record.node, default: []].insert(worker)
        guard deaths[record.node]!.count >= settings.poisonAfterWorkerDeaths, !book.isDone(record.node) else {
            requeue(leaseID)
            return []
        }
        leases[leaseID] = nil
        peers[record.peer]?.leases.remove(leaseID)
        freed(record.peer)
        return poisoned(record.node)
    }

    /// Puts a lease's task back in its queue unless its result is already in.
    private mutating func requeue(_ leaseID: UInt64) {
        guard let record = leases.removeValue(forKey: leaseID) else { return }
        peers[record.peer]?.leases.remove(leaseID)
        freed(record.peer)
        guard !book.isDone(record.node) else { return }
        // Another copy may still be out (a backup, or a lease reissued after a silence).
        guard !leases.values.contains(where: { $0.node == record.node }) else { return }
        counters.leasesReissued += 1
        book.requeue(record.node)
    }

    private mutating func retire(_ id: PeerID, lost: Bool) -> [Action] {
        guard var peer = peers.removeValue(forKey: id) else { return [] }
        lastSeen[id] = nil
        joinedAt[id] = nil
        mayLease.remove(id)
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
        let place = book.place(of: node, config: welcome.config)
        let message =
            "\(node.level == 0 ? "chunk \(node.index)" : "\(node)") was running on \(deaths[node]!.count) workers when they died or stalled (\(workers)): \(place)"
        guard settings.onPoisoned == .skip, book.leaveOut(node, counters: &counters, progress: &progress) else {
            let failure = TaskFailure(
                leaseID: 0, node: node, code: .poisoned, message: message,
                path: welcome.config.files.first?.path)
            return fail(failure, from: PeerID([]))
        }
        var actions: [Action] = [.log(.error, "poisoned chunk left out (--on-poisoned skip)", ["chunk": "\(node.index)", "why": message])]
        actions += cancelCopies(of: node)
        return actions + (book.isFinished ? finish() : [])
    }

    private func finalize(_ peer: inout Peer) {
        let connected = (now - peer.joined).seconds
        peer.tally.connectedSeconds = connected
        peer.tally.idleSeconds = max(0, Double(peer.slots) * connected - peer.tally.busySeconds)
    }

    // MARK: results

    private mutating func accept(_ message: WorkerMessage, from id: PeerID, epoch: UInt64) -> [Action] {
        let result = message.taskResult
        let leaseID = result?.leaseID ?? 0, busy = result?.busySeconds ?? 0, peakResident = result?.peakResidentBytes ?? 0
        let record = leases.removeValue(forKey: leaseID)
        peers[id]?.leases.remove(leaseID)
        mayLease.insert(id)
        if let record, record.peer != id {
            peers[record.peer]?.leases.remove(leaseID)
            freed(record.peer)
        }
        guard epoch == self.epoch else {
            counters.staleResults += 1
            if record != nil { leases[leaseID] = record; requeue(leaseID) }
            return [.log(.warning, "result from another coordinator epoch; ignored", ["peer": "\(id)", "node": message.nodeText])]
        }
        guard let node = book.node(of: message), record == nil || record!.node == node else {
            counters.invalidResults += 1
            if record != nil { leases[leaseID] = record; requeue(leaseID) }
            return [.log(.warning, "result names a task its lease was not for; dropped", ["peer": "\(id)", "node": message.nodeText])]
        }
        guard !book.isDone(node) else {
            counters.duplicateResults += 1
            return [.log(.debug, "duplicate result ignored (first valid result wins)", ["peer": "\(id)", "node": "\(node)"])]
        }
        let taken: TakenResult
        do {
            taken = try book.take(message, node: node, now: now, counters: &counters, progress: &progress)
        } catch {
            counters.invalidResults += 1
            if record != nil { leases[leaseID] = record; requeue(leaseID) }
            return [
                .log(
                    .warning, "invalid result dropped; task goes back to the queue",
                    ["peer": "\(id)", "node": "\(node)", "reason": error.reason])
            ]
        }
        if let record {
            durations[node.level].insert((now - record.issued).seconds)
            if record.isBackup { counters.backupsWon += 1 }
        }
        if var peer = peers[id] {
            if taken.readsPool { peer.tally.chunkTasks += 1 } else { peer.tally.mergeTasks += 1 }
            peer.tally.rows += taken.rows
            peer.tally.busySeconds += max(0, busy)
            peer.tally.peakResidentBytes = max(peer.tally.peakResidentBytes, peakResident)
            peers[id] = peer
        }
        return [.persist(taken.record)] + cancelCopies(of: node) + (book.isFinished ? finish() : [])
    }

    /// Copies of a task still out once its result is settled are pointless: take them back.
    /// A cancelled task runs on until its worker notices, holding the worker's slot: the slot stays
    /// taken until a heartbeat no longer lists the lease (leasing into it drew an "over credit" release,
    /// which retired the worker — a lone worker's run then waited forever).
    private mutating func cancelCopies(of node: MergeTree.Node) -> [Action] {
        var actions: [Action] = []
        for (other, r) in leases.filter({ $0.value.node == node }).sorted(by: { $0.key < $1.key }) {
            leases[other] = nil
            peers[r.peer]?.leases.remove(other)
            peers[r.peer]?.revoked.insert(other)
            actions.append(.send(r.peer, .cancel(leaseID: other)))
        }
        return actions
    }

    /// The job is done: every worker is told to leave, and the outcome goes out.
    private mutating func finish() -> [Action] {
        phase = .finished
        var workers = departed
        for id in peers.keys.sorted(by: { peers[$0]!.joined < peers[$1]!.joined }) {
            finalize(&peers[id]!)
            workers.append(peers[id]!.tally)
        }
        var actions = sayFarewell(nextRunFollows ? .nextRun(reason: "the run is done") : .shutdown(reason: "the run is done", status: 0))
        actions.append(.finished(book.outcome(workers: workers, counters: counters)))
        return actions
    }

    private mutating func fail(_ failure: TaskFailure, from id: PeerID) -> [Action] {
        if failure.code == .poolMismatch {
            // This worker cannot see the pool the run reads: its problem, not the run's.
            var actions: [Action] = [
                .log(
                    .error, "worker cannot read the pool; it leaves the run",
                    ["peer": "\(id)", "reason": failure.message])
            ]
            actions += retire(id, lost: false)
            return actions
        }
        guard phase == .running else { return [] }
        phase = .failed
        var actions = sayFarewell(.shutdown(reason: failure.message, status: Int(failure.statusCode.rawValue)))
        actions.append(.failed(failure))
        return actions
    }
}

/// How loud a coordinator's log line is.
public enum CoordinatorLogLevel: Sendable, Equatable { case debug, info, warning, error }

extension WorkerMessage {
    /// The task a result names, as its sender put it (for a log line about a result that was dropped).
    var nodeText: String {
        switch self {
        case .chunkResult(let r): "\(MergeTree.Node(level: 0, index: r.chunk))"
        case .mergeResult(let r): "\(r.node)"
        case .assignResult(let r): "\(r.node)"
        case .dedupResult(let r): "\(MergeTree.Node(level: 0, index: r.group))"
        default: "none"
        }
    }
}
