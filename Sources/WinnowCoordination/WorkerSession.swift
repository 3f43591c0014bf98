/// A worker's side of the conversation as a pure state machine: it says Hello until welcomed, runs
/// the leases it is given (never more than its slots), sends results and heartbeats, and decides
/// when to exit. The runtime performs the actions: running a task, sending, exiting.
public struct WorkerSession {
    public enum Action: Sendable, Equatable {
        case send(WorkerMessage)
        /// Open the pool the run reads (once, after the Welcome).
        case prepare(RunConfig)
        case run(Lease)
        /// The coordinator no longer wants this lease's result.
        case cancel(UInt64)
        /// Every task running now belongs to a run or a membership that is over: drop their results.
        case abandonTasks
        case exit(StatusCode, reason: String)
    }

    enum Phase: Equatable {
        case greeting
        case working
        /// The coordinator went silent: Hello again with backoff until it answers or time runs out.
        case reconnecting(since: Duration, backoff: Duration)
        case stopped
    }

    public private(set) var hello: Hello
    public let settings: CoordinationSettings
    private var phase = Phase.greeting
    private var started: Duration
    private var lastHeard: Duration
    private var lastSent: Duration
    private var heartbeat: Duration
    private var silenceLimit: Duration
    private var running: Set<UInt64> = []
    private var cancelled: Set<UInt64> = []
    public private(set) var tasksDone = 0
    public private(set) var welcome: Welcome?

    public init(hello: Hello, settings: CoordinationSettings, now: Duration) {
        self.hello = hello
        self.hello.join = 1
        self.settings = settings
        started = now
        lastHeard = now
        lastSent = now
        heartbeat = settings.heartbeat
        silenceLimit = settings.silenceLimit
    }

    public var runningLeases: [UInt64] { running.sorted() }

    public mutating func start(now: Duration) -> [Action] {
        lastSent = now
        return [.send(.hello(hello))]
    }

    public mutating func receive(_ message: CoordinatorMessage, now: Duration) -> [Action] {
        guard phase != .stopped else { return [] }
        lastHeard = now
        switch message {
        case .welcome(let w):
            if case .reconnecting = phase { phase = .greeting }
            guard phase == .greeting else { return [] }
            phase = .working
            welcome = w
            heartbeat = w.heartbeat
            silenceLimit = w.heartbeat * w.liveness
            return [.prepare(w.config)]
        case .reject(let r) where r.reason == .unknownPeer:
            // Declared gone while we were cut off: join again. While greeting we already are.
            guard phase == .working else { return [] }
            return joinAgain(now: now)
        case .reject(let r):
            phase = .stopped
            if r.reason == .shuttingDown { return [.exit(.done, reason: "the run is already over")] }
            return [.exit(.incompatible, reason: "coordinator refused this worker: \(r.detail)")]
        case .heartbeat, .status:
            return []
        case .lease(let lease):
            guard phase == .working else { return [] }
            guard running.count < hello.slots, !running.contains(lease.id) else {
                return [.send(.release(leases: [lease.id], reason: "over credit"))]
            }
            running.insert(lease.id)
            return [.run(lease)]
        case .cancel(let id):
            guard running.contains(id) else { return [] }
            cancelled.insert(id)
            return [.cancel(id)]
        case .shutdown(let reason, _):
            phase = .stopped
            // The acknowledgement lets the coordinator stop repeating its Shutdown and exit.
            return [
                .send(.release(leases: running.sorted(), reason: "shutdown received")),
                .exit(.done, reason: "coordinator: \(reason)"),
            ]
        case .nextRun:
            // The same coordinator's next run, another configuration: the hash this worker was told to
            // expect named the run just done, which it has served.
            hello.expectedConfigHash = []
            return joinAgain(now: now)
        }
    }

    /// A task finished; `result` is its ChunkResult, MergeResult or failure.
    public mutating func finished(_ leaseID: UInt64, result: WorkerMessage, now: Duration) -> [Action] {
        guard running.remove(leaseID) != nil else { return [] }
        tasksDone += 1
        guard phase == .working, cancelled.remove(leaseID) == nil else { return [] }
        lastSent = now
        return [.send(result)]
    }

    /// - Parameter progress: rows done so far by each running lease, for the heartbeat.
    public mutating func tick(now: Duration, progress: [UInt64: UInt64] = [:]) -> [Action] {
        switch phase {
        case .stopped:
            return []
        case .greeting:
            if now - started > settings.connectTimeout {
                phase = .stopped
                return [.exit(.temporary, reason: "no coordinator answered within \(settings.connectTimeout)")]
            }
            guard now - lastSent >= settings.heartbeat else { return [] }
            lastSent = now
            return [.send(.hello(hello))]
        case .reconnecting(let since, let backoff):
            if now - since > settings.coordinatorLostTimeout {
                phase = .stopped
                return [.exit(.temporary, reason: "the coordinator has been gone for \(now - since); giving up")]
            }
            guard now - lastSent >= backoff else { return [] }
            lastSent = now
            phase = .reconnecting(since: since, backoff: min(backoff * 2, CoordinationSettings.Default.reconnectBackoffMax))
            return [.send(.hello(hello))]
        case .working:
            if now - lastHeard > silenceLimit {
                // Whatever runs now belongs to a coordinator that is gone; its successor will lease again.
                running.removeAll()
                cancelled.removeAll()
                welcome = nil
                hello.join += 1
                phase = .reconnecting(since: now, backoff: CoordinationSettings.Default.reconnectBackoffFirst)
                lastSent = now
                return [.abandonTasks, .send(.hello(hello))]
            }
            guard now - lastSent >= heartbeat else { return [] }
            lastSent = now
            let leases = running.sorted().map { LeaseProgress(id: $0, rowsDone: progress[$0]) }
            return [.send(.heartbeat(leases: leases, tasksDone: tasksDone))]
        }
    }

    /// The coordinator of this run was restarted (same run, new epoch): what was running is stale;
    /// say Hello again and carry on with the new one.
    public mutating func coordinatorRestarted(now: Duration) -> [Action] {
        guard phase != .stopped else { return [] }
        return joinAgain(now: now)
    }

    /// Hello from scratch: whatever runs now belongs to a run that is over (its results would be dropped).
    private mutating func joinAgain(now: Duration) -> [Action] {
        phase = .greeting
        started = now
        lastHeard = now
        lastSent = now
        running.removeAll()
        cancelled.removeAll()
        welcome = nil
        hello.join += 1
        return [.abandonTasks, .send(.hello(hello))]
    }

    /// The pool the Welcome named cannot be read here: tell the coordinator, then leave.
    public mutating func cannotPrepare(_ reason: String) -> [Action] {
        phase = .stopped
        return [
            .send(.failure(TaskFailure(leaseID: 0, node: .init(level: 0, index: 0), code: .poolMismatch, message: reason))),
            .exit(.incompatible, reason: reason),
        ]
    }
}
