import Foundation
import Logging
import Synchronization
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative
import WinnowTransport
import WinnowWire

/// A worker process's event loop: a DEALER socket to the coordinator, the `WorkerSession` state
/// machine, and one thread per running task (tasks never touch the socket: libzmq sockets belong to
/// one thread; finished tasks queue their result and wake the loop through a pipe).
public final class WorkerProcess {
    public struct Options: Sendable {
        public var connect: String
        public var name: String
        public var slots: Int = CoordinationSettings.Default.slots
        public var expectedConfigHash: [UInt8] = []
        /// Test and benchmark aid: each task takes this many times as long (1: no throttle).
        public var throttle: Double = 1
        /// Test aid: the first task hangs (a stuck filesystem read) while heartbeats go on.
        public var stallFirstTask = false
        public var coordination = CoordinationSettings()
        public var limits = WireLimits()
        /// `.curveClient` for a coordinator that runs with keys; `.plain` only on loopback.
        public var security = TransportSecurity.plain

        public init(connect: String, name: String) {
            self.connect = connect
            self.name = name
        }
    }

    private let options: Options
    private let log: Logger
    private let context: Context
    private let socket: Socket
    private let monitor: HandshakeMonitor
    private var warnedHandshake = false
    private let wakeup: WakeupPipe
    private var codec: WireCodec
    private var session: WorkerSession
    private var pool: Pool?
    private var quality: QualityColumn?
    private var targets: VectorBlock?
    private var given: GivenRows?
    private var labels: LabelColumn?
    private var runID = ""
    private var epoch: UInt64 = 0
    private var sequence: UInt64 = 0
    private let inbox: Inbox
    /// Counts the runs this process has joined (a restarted coordinator, a next run): a task started
    /// for an earlier one may finish after the new run has leased the same lease id, and must not answer it.
    private var generation: UInt64 = 0
    /// Progress of the tasks running now, shared with their threads.
    private var meters: [UInt64: ProgressMeter] = [:]
    private var stalledOnce = false
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    public init(options: Options, log: Logger) throws(TransportError) {
        self.options = options
        self.log = log
        context = try Context()
        socket = try Socket(context, kind: .dealer)
        try socket.setMaximumMessageSize(Int64(options.limits.messageBytes))
        if case .curveClient(let secret, let serverKey) = options.security {
            try socket.enableCurveClient(secretKey: secret, serverKey: serverKey)
        }
        try socket.setLiveness(
            interval: options.coordination.heartbeat, timeout: options.coordination.silenceLimit,
            connectTimeout: options.coordination.heartbeat * 2)
        monitor = try HandshakeMonitor(context, watching: socket)
        try socket.connect(options.connect)
        wakeup = try WakeupPipe()
        inbox = Inbox(wakeup: wakeup)
        codec = WireCodec(limits: options.limits)
        let hello = Hello(
            productVersion: WinnowVersion.product, slots: options.slots,
            host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
            expectedConfigHash: options.expectedConfigHash, blasKernel: BLAS.kernel)
        start = clock.now
        session = WorkerSession(hello: hello, settings: options.coordination, now: .zero)
    }

    private var now: Duration { clock.now - start }

    /// Runs until the coordinator says Shutdown or Reject, or goes silent; returns the exit status.
    public func run(stop: StopSignals?) throws -> StatusCode {
        log.info("worker connecting", metadata: ["endpoint": "\(options.connect)", "slots": "\(options.slots)"])
        if let status = try perform(session.start(now: now)) { return status }
        let poller = Poller()
        while true {
            if let request = stop?.request {
                let leases = session.runningLeases
                if !leases.isEmpty { _ = try perform([.send(.release(leases: leases, reason: "worker stopped by \(request.name)"))]) }
                try? socket.setLinger(milliseconds: 1000)
                return request.statusCode
            }
            let ready = try poller.wait(sockets: [socket, monitor.pollable], descriptors: [wakeup.readDescriptor], timeoutMillis: 100)
            if ready.descriptors[0] { wakeup.drain() }
            if ready.sockets[1], let status = try handshakeEvents() { return status }
            while let frames = try socket.receive() {
                if let status = try handle(frames) { return status }
            }
            for (id, started, message) in inbox.take() where started == generation {
                meters[id] = nil
                if let status = try perform(session.finished(id, result: message, now: now)) { return status }
            }
            if let status = try perform(session.tick(now: now, progress: meters.mapValues(\.rowsDone))) { return status }
        }
    }

    /// A refused key will stay refused: leave at once (69) instead of knocking until the timeout.
    /// Other failed handshakes may be a coordinator still starting: warn once and keep trying.
    private func handshakeEvents() throws -> StatusCode? {
        for event in try monitor.events() {
            switch event {
            case .succeeded:
                break
            case .refused:
                return try perform([.exit(.incompatible, reason: event.explanation)])
            case .failed, .cutOff:
                log.log(level: warnedHandshake ? .debug : .warning, "\(event.explanation)")
                warnedHandshake = true
            }
        }
        return nil
    }

    private func handle(_ frames: [[UInt8]]) throws -> StatusCode? {
        guard frames.count == 1 else {
            log.warning("invalid message from the coordinator dropped", metadata: ["reason": "\(frames.count) frames"])
            return nil
        }
        do {
            let (header, message) = try codec.decodeCoordinatorMessage(frames[0])
            if case .welcome = message {
                runID = header.runID
                epoch = header.epoch
            } else if runID != "", header.runID == runID, header.epoch != epoch {
                log.notice("the coordinator was restarted; joining it again", metadata: ["run": "\(runID)"])
                epoch = header.epoch
                return try perform(session.coordinatorRestarted(now: now))
            } else if runID != "", header.runID != runID {
                log.warning("message from another run's coordinator dropped", metadata: ["run": "\(header.runID)"])
                return nil
            }
            if case .reject(let r) = message, r.reason == .unknownPeer {
                log.notice("the coordinator no longer counts this worker (it went silent there); joining again")
            }
            if case .nextRun(let reason) = message {
                log.info("the run is done and another follows; joining it", metadata: ["reason": "\(reason)"])
                // The next run has another id: its Welcome, or its Reject if it is over before this
                // worker's Hello gets there, must not be dropped as another run's.
                runID = ""
            }
            return try perform(session.receive(message, now: now))
        } catch let error as WireError where error.code == .unknownFields {
            // Not noise to drop: every Welcome of this run will say the same.
            return try perform([.exit(.incompatible, reason: error.detail)])
        } catch let error as WireError {
            log.warning("invalid message from the coordinator dropped", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    /// Tasks still running belong to a run that is over: their results are dropped when they finish.
    private func forgetRunningTasks() {
        generation += 1
        meters.removeAll()
    }

    private func perform(_ actions: [WorkerSession.Action]) throws -> StatusCode? {
        for action in actions {
            switch action {
            case .send(let message):
                sequence += 1
                let header = MessageHeader(runID: runID, epoch: epoch, sender: options.name, sequence: sequence)
                try socket.send([codec.encode(message, header: header)])
            case .prepare(let config):
                do {
                    pool = try config.openPool()
                    quality = try config.openQuality()
                    labels = try config.openLabels()
                    targets = try config.openTargets()
                    given = config.givenRows.isEmpty ? nil : GivenRows(rows: config.givenRows, vectors: pool!.read(rows: config.givenRows.map { Int($0) }))
                    codec.dimension = config.dimension
                    codec.normalizesRows = config.clustering?.normalizesRows ?? false
                    log.info("worker joined the run", metadata: ["rows": "\(config.totalRows)", "d": "\(config.dimension)"])
                } catch {
                    log.error("\(error.message)")
                    return try perform(session.cannotPrepare(error.message))
                }
            case .run(let lease):
                startTask(lease)
            case .abandonTasks:
                forgetRunningTasks()
            case .cancel(let id):
                log.debug("lease cancelled; its result will be dropped", metadata: ["lease": "\(id)"])
            case .exit(let status, let reason):
                log.log(level: status == .done ? .info : .error, "worker exits", metadata: ["status": "\(status.rawValue)", "reason": "\(reason)"])
                try? socket.setLinger(milliseconds: 1000)
                return status
            }
        }
        return nil
    }

    private func startTask(_ lease: Lease) {
        guard let pool, let settings = session.welcome?.config.settings,
            let skip = session.welcome?.config.skipNonfinite
        else { return }
        let throttle = options.throttle
        let quality = quality, labels = labels, given = given, targets = targets
        let inbox = inbox, generation = generation
        let meter = ProgressMeter()
        meters[lease.id] = meter
        let stall = options.stallFirstTask && !stalledOnce
        stalledOnce = stalledOnce || stall
        let thread = Thread {
            while stall { Thread.sleep(forTimeInterval: 3600) }
            let clock = ContinuousClock()
            let t0 = clock.now
            var message = WorkerTask.run(
                lease, pool: pool, quality: quality, labels: labels, settings: settings, skipNonfinite: skip, progress: meter, given: given,
                targets: targets)
            var busy = (clock.now - t0).seconds
            if throttle > 1 {
                Thread.sleep(forTimeInterval: busy * (throttle - 1))
                busy *= throttle
            }
            message.setBusy(busy, peakResidentBytes: ResourceUsage.peakResidentBytes())
            inbox.deliver(lease.id, generation, message)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Hands a finished task's message back to the event loop.
private final class Inbox: Sendable {
    private let queue = Mutex<[(UInt64, UInt64, WorkerMessage)]>([])
    let wakeup: WakeupPipe

    init(wakeup: WakeupPipe) { self.wakeup = wakeup }

    /// - Parameter generation: the run the task was started for (`WorkerProcess.generation`).
    func deliver(_ id: UInt64, _ generation: UInt64, _ message: WorkerMessage) {
        queue.withLock { $0.append((id, generation, message)) }
        wakeup.signal()
    }

    func take() -> [(UInt64, UInt64, WorkerMessage)] {
        queue.withLock { q in
            defer { q.removeAll() }
            return q
        }
    }
}

/// One leased task, run: a chunk against the pool, or a merge on the candidates the lease carries.
enum WorkerTask {
    static func run(
        _ lease: Lease, pool: Pool, quality: QualityColumn?, labels: LabelColumn?, settings: SelectionSettings, skipNonfinite: Bool,
        progress: ProgressMeter, given: GivenRows? = nil, targets: VectorBlock? = nil
    ) -> WorkerMessage {
        switch lease.work {
        case .chunk(let task):
            guard task.ranges.last.map({ $0.upperBound <= pool.totalRows }) ?? false, task.budget >= 1 else {
                return .failure(
                    TaskFailure(
                        leaseID: lease.id, node: lease.node, code: .invalidTask,
                        message: "chunk \(task.chunk) names rows beyond the pool's \(pool.totalRows)"))
            }
            do {
                guard task.labelCaps == nil || labels != nil else {
                    return .failure(
                        TaskFailure(
                            leaseID: lease.id, node: lease.node, code: .invalidTask,
                            message: "chunk \(task.chunk) has label caps but the run has no labels column"))
                }
                let out = try ChunkRunner.run(
                    task, pool: pool, quality: quality, labels: labels, settings: settings, skipNonfinite: skipNonfinite,
                    progress: progress, given: given, targets: targets)
                return .chunkResult(
                    ChunkResult(
                        leaseID: lease.id, chunk: task.chunk, coreset: out.coreset,
                        statistics: out.statistics, skippedRows: out.skipped, busySeconds: 0))
            } catch {
                return .failure(
                    TaskFailure(
                        leaseID: lease.id, node: lease.node,
                        code: error.code == .nonfinite ? .nonfinite : .badData,
                        message: error.description, path: error.path,
                        row: error.row.map(Int64.init), byteOffset: error.byteOffset.map(Int64.init)))
            }
        case .merge(let leased):
            guard let task = pool.readingSamples(of: leased) else {
                return .failure(
                    TaskFailure(
                        leaseID: lease.id, node: lease.node, code: .invalidTask,
                        message: "merge \(leased.node) samples rows beyond the pool's \(pool.totalRows)"))
            }
            return .mergeResult(
                MergeResult(
                    leaseID: lease.id, node: task.node,
                    coreset: task.run(settings: task.settingsHere(settings), progress: progress, targets: targets, given: given),
                    busySeconds: 0))
        case .assign(let task):
            guard task.rows.upperBound <= pool.totalRows, task.centroids.dimension == pool.dimension else {
                return .failure(
                    TaskFailure(
                        leaseID: lease.id, node: lease.node, code: .invalidTask,
                        message: "Lloyd pass \(task.pass) block \(task.block) names rows beyond the pool's \(pool.totalRows)"))
            }
            do {
                let outcome = try AssignRunner.run(task, pool: pool, skipNonfinite: skipNonfinite, progress: progress)
                return .assignResult(AssignResult(leaseID: lease.id, node: task.node, outcome: outcome, busySeconds: 0))
            } catch {
                return .failure(
                    TaskFailure(
                        leaseID: lease.id, node: lease.node, code: error.code == .nonfinite ? .nonfinite : .badData,
                        message: error.description, path: error.path,
                        row: error.row.map(Int64.init), byteOffset: error.byteOffset.map(Int64.init)))
            }
        case .dedup(let task):
            guard task.clusters.allSatisfy({ ($0.rows.last ?? 0) < Int64(pool.totalRows) }) else {
                return .failure(
                    TaskFailure(
                        leaseID: lease.id, node: lease.node, code: .invalidTask,
                        message: "de-duplication group \(task.group) names rows beyond the pool's \(pool.totalRows)"))
            }
            var scores: [Float]?
            if task.settings.keep == .quality {
                guard let quality else {
                    return .failure(
                        TaskFailure(
                            leaseID: lease.id, node: lease.node, code: .invalidTask,
                            message: "de-duplication group \(task.group) keeps by quality but the run has no quality column"))
                }
                do {
                    scores = try quality.values(of: task.rows)
                } catch {
                    return .failure(
                        TaskFailure(leaseID: lease.id, node: lease.node, code: .badData, message: error.description, path: error.path))
                }
            }
            let finding = task.run(
                read: { rows in
                    progress.add(rows.count)
                    return pool.read(rows: rows.map(Int.init))
                }, quality: scores)
            return .dedupResult(DedupResult(leaseID: lease.id, group: task.group, finding: finding, busySeconds: 0))
        }
    }
}

extension WorkerMessage {
    /// Stamps a result with how long its task ran and the process's peak memory so far.
    mutating func setBusy(_ seconds: Double, peakResidentBytes: Int) {
        func stamped<R: TaskResult>(_ r: R) -> R {
            var r = r
            r.busySeconds = seconds
            r.peakResidentBytes = peakResidentBytes
            return r
        }
        switch self {
        case .chunkResult(let r): self = .chunkResult(stamped(r))
        case .mergeResult(let r): self = .mergeResult(stamped(r))
        case .assignResult(let r): self = .assignResult(stamped(r))
        case .dedupResult(let r): self = .dedupResult(stamped(r))
        default: break
        }
    }
}
