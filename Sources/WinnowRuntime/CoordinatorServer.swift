import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowTransport
import WinnowWire

/// The coordinator process's event loop: a ROUTER socket, the `Coordinator` state machine (with the
/// book of a selection or a k-means), a clock. Every received message is decoded and validated here;
/// anything invalid is dropped, counted and logged once per peer, and the loop keeps serving.
public final class CoordinatorServer<Book: TaskBook> {
    public let endpoint: String
    public let configHash: [UInt8]
    private let context: Context
    private let socket: Socket
    private let codec: WireCodec
    private var machine: Coordinator<Book>
    private let log: Logger
    private var sequence: UInt64 = 0
    private var traffic = WireTraffic()
    private var warnedPeers: Set<PeerID> = []
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Binds `serving.bind` (e.g. `tcp://*:7700`, or `tcp://127.0.0.1:*` for any free port). From
    /// `serving`: results already in its journal are reused; `.curveServer` security admits only its
    /// allowed worker keys (checked before any message); with `nextRunFollows` the workers are sent on
    /// when this run is done (`Coordinator.nextRunFollows`); with `followsRun` late hellos of the
    /// earlier run are answered (`answerLateHellos`), and `earlierRuns` are the configurations a late
    /// worker may have been told to expect (`Coordinator.earlierRuns`).
    ///   - derivedInputs: input files the command made itself from journaled work (the labels a
    ///     cluster-balanced selection's k-means wrote): written again on a resume, they are left out
    ///     of the journal's data fingerprint, which covers the files they were made from.
    public init(
        book: Book, config: RunConfig, serving: ServeContext, limits: WireLimits = WireLimits(), derivedInputs: Set<String> = [], log: Logger
    ) throws {
        let coordination = serving.coordination, security = serving.security
        self.coordination = coordination
        self.followsRun = serving.followsRun
        context = try Context()
        socket = try Socket(context, kind: .router)
        try socket.setMaximumMessageSize(Int64(limits.messageBytes))
        try socket.setHighWaterMarks(send: 10_000, receive: 10_000)
        try socket.setLiveness(interval: coordination.heartbeat, timeout: coordination.silenceLimit, connectTimeout: coordination.heartbeat * 2)
        if case .curveServer(let secret, let allowed) = security {
            authenticator = try Authenticator(context: context, allowing: allowed)
            try socket.enableCurveServer(secretKey: secret, zapDomain: "winnow")
            self.security.mechanism = "curve"
            self.security.allowedKeys = allowed.count
        }
        monitor = try HandshakeMonitor(context, watching: socket)
        try socket.bind(serving.bind)
        endpoint = try socket.lastEndpoint()
        var codec = WireCodec(limits: limits, dimension: config.dimension)
        codec.normalizesRows = config.clustering?.normalizesRows ?? false
        self.codec = codec
        configHash = config.hash
        let welcome = Welcome(configHash: configHash, config: config, heartbeat: coordination.heartbeat, liveness: coordination.liveness)
        var random = SystemRandomNumberGenerator()
        // The run id names the run across coordinator restarts; the epoch names this incarnation.
        let runID = configHash.prefix(8).hexString
        machine = Coordinator(book: book, welcome: welcome, runID: runID, epoch: random.next() | 1, settings: coordination)
        machine.nextRunFollows = serving.nextRunFollows
        machine.earlierRuns = serving.earlierRuns
        self.log = log
        start = clock.now
        if let journalPath = serving.journal {
            let t0 = clock.now
            let data = try DataFingerprint.of(paths: config.inputPaths.filter { !derivedInputs.contains($0) })
            let fingerprintSeconds = (clock.now - t0).seconds
            let replay = try JournalReplay(path: journalPath, configHash: configHash, data: data, codec: codec, into: &machine)
            let checkSeconds = fingerprintSeconds + replay.openSeconds
            let journal = replay.journal, reused = replay.reused
            self.journal = journal
            if journal.recordsLost > 0 {
                log.warning(
                    "the journal was damaged in the middle; what followed the damage is cut off and runs again",
                    metadata: [
                        "journal": "\(journalPath)", "records_lost": "\(journal.recordsLost)", "bytes_cut": "\(journal.truncatedBytes)",
                    ])
            }
            if reused > 0 || journal.truncatedBytes > 0 {
                log.notice(
                    "resuming from the journal",
                    metadata: [
                        "journal": "\(journalPath)", "tasks_reused": "\(reused)", "torn_tail_bytes": "\(journal.truncatedBytes)",
                        "data_check_seconds": "\(String(format: "%.3f", checkSeconds))",
                    ])
            }
            restoredOutcome = try perform(replay.actions)
            try commit()
        }
    }

    private var journal: Journal?
    private var authenticator: Authenticator?
    private let monitor: HandshakeMonitor
    private var security = SecurityTally()
    private var warnedAddresses: Set<String> = []

    deinit {
        // The ZAP handler goes last: libzmq admits every key while none is bound.
        socket.close()
        monitor.close()
        authenticator?.stop()
    }
    private let coordination: CoordinationSettings
    private let followsRun: Bool

    /// Set when the journal already held the whole run.
    private var restoredOutcome: (Book.Outcome, CoordinationReport)?

    /// Whether the journal held the whole run: `run` returns at once, and no worker is needed.
    public var isRestoredWhole: Bool { restoredOutcome != nil }

    private var now: Duration { clock.now - start }

    /// Serves until the root is done (returns it), a task fails the run, `stop` asks, or `watchdog`
    /// (asked every loop) names a reason to give up. `monitor` is offered the run's status every loop.
    public func run(stop: StopSignals?, monitor: RunMonitor? = nil, watchdog: () -> RunFailure? = { nil }) throws -> (Book.Outcome, CoordinationReport) {
        log.info(
            "coordinator listening",
            metadata: [
                "endpoint": "\(endpoint)", "tasks": "\(machine.tasksLeft)",
                "config": "\(configHash.prefix(6).hexString)",
            ])
        // Finished, restored from the journal, failed or stopped: the summary line and last metrics.
        defer { monitor?.finish(status()) }
        if let restoredOutcome { return restoredOutcome }
        let outcome: (Book.Outcome, CoordinationReport)
        do {
            outcome = try serve(stop: stop, runMonitor: monitor, watchdog: watchdog)
        } catch {
            try? seeOffWorkers()
            throw error
        }
        try seeOffWorkers()
        return outcome
    }

    /// After the end (done, failed or stopped), answers for at most heartbeat × liveness, so that no
    /// worker of the run outlives it waiting for a coordinator (and holding its Slurm step open):
    /// - until every worker told that the run is over has acknowledged it; one whose Shutdown was
    ///   lost, or that the run declared gone behind a broken link, is told again when it next speaks;
    /// - for the last run of a command whose earlier run sent its workers on (`followsRun`), or one
    ///   told how many workers to expect, until `--expect-workers` workers have been seen (when 0,
    ///   the whole time): a worker may say Hello only once this run is done (it was short, or its
    ///   first Hello went to the closing socket of the run before), and is told the run is over.
    private func seeOffWorkers() throws {
        guard !machine.nextRunFollows else { return }
        let lateHellos = followsRun || coordination.expectWorkers > 0
        let deadline = now + coordination.silenceLimit
        let poller = Poller()
        while now < deadline {
            let awaitingHellos = lateHellos && (coordination.expectWorkers == 0 || machine.workersSeen < coordination.expectWorkers)
            guard awaitingHellos || !machine.awaitingFarewell.isEmpty else { return }
            if try poller.wait(sockets: [socket], timeoutMillis: 50).sockets[0] {
                while let frames = try socket.receive() { _ = try handle(frames) }
                try commit()
            }
        }
        if !machine.awaitingFarewell.isEmpty {
            log.notice("workers that did not acknowledge the end of the run", metadata: ["workers": "\(machine.awaitingFarewell.count)"])
        }
    }

    /// The run's status now, the transport's dropped messages included.
    public func status() -> RunStatus {
        var status = machine.status(now: now)
        status.counters.invalidMessages += traffic.invalidMessages
        return status
    }

    private func serve(stop: StopSignals?, runMonitor: RunMonitor?, watchdog: () -> RunFailure?) throws -> (Book.Outcome, CoordinationReport) {
        let poller = Poller()
        while true {
            if let request = stop?.request {
                try perform(machine.abort(reason: "coordinator stopped by \(request.name)", status: request.statusCode))
                try commit()
                linger()
                throw RunFailure.interrupted(request)
            }
            if let failure = watchdog() {
                try perform(machine.abort(reason: failure.message, status: failure.code))
                try commit()
                linger()
                throw failure
            }
            let ready = try poller.wait(sockets: [socket, monitor.pollable], timeoutMillis: 50)
            if ready.sockets[1] { try noteHandshakes() }
            if ready.sockets[0] {
                // Drain what is queued, bounded so ticks still run under a flood. The results taken
                // in are made durable together at the end (one sync), and only then is anything sent.
                for _ in 0..<Self.messagesPerCommit {
                    let t0 = clock.now
                    guard let frames = try socket.receive() else { break }
                    let outcome = try handle(frames)
                    traffic.messagingSeconds += (clock.now - t0).seconds
                    if let outcome { return outcome }
                }
            }
            if let outcome = try perform(machine.tick(now: now)) { return outcome }
            try commit()
            runMonitor?.observe(level: machine.level, status)
        }
    }

    private func handle(_ frames: [[UInt8]]) throws -> (Book.Outcome, CoordinationReport)? {
        guard frames.count == 2, !frames[0].isEmpty else {
            invalid(PeerID(frames.first ?? []), WireError(.badFrames, "\(frames.count) frames; a worker sends exactly one"))
            return nil
        }
        let peer = PeerID(frames[0])
        traffic.messagesIn += 1
        traffic.bytesIn += frames[1].count
        let decoded: (MessageHeader, WorkerMessage)
        do {
            decoded = try codec.decodeWorkerMessage(frames[1])
        } catch {
            invalid(peer, error)
            return nil
        }
        return try perform(machine.receive(decoded.1, header: decoded.0, from: peer, now: now))
    }

    /// Refused keys and broken handshakes: counted for the report, logged once per address.
    private func noteHandshakes() throws {
        for event in try monitor.events() {
            switch event {
            case .succeeded: security.handshakes += 1
            case .refused: break  // the authenticator's refusals below say more
            case .failed, .cutOff:
                security.failedHandshakes += 1
                log.log(
                    level: security.failedHandshakes == 1 ? .warning : .debug, "handshake failed",
                    metadata: ["reason": "\(event.explanation)", "count": "\(security.failedHandshakes)"])
            }
        }
        for refusal in authenticator?.takeRefusals() ?? [] {
            let first = warnedAddresses.insert(refusal.address).inserted
            log.log(
                level: first ? .warning : .debug, "peer refused: its key is not one of this run's worker keys",
                metadata: [
                    "address": "\(refusal.address)", "key": "\(refusal.key.map(\.z85) ?? "none (\(refusal.mechanism))")",
                ])
        }
        security.refusedKeys = authenticator?.counts.refused ?? 0
    }

    private func invalid(_ peer: PeerID, _ error: WireError) {
        traffic.invalidMessages += 1
        let first = warnedPeers.insert(peer).inserted
        log.log(
            level: first ? .warning : .debug, "invalid message dropped",
            metadata: ["peer": "\(peer)", "reason": "\(error)", "count": "\(traffic.invalidMessages)"])
    }

    /// Messages taken in before the journal is synced and the sends they led to go out: enough that
    /// a thousand workers' results cost a few syncs a second, few enough that no worker waits long
    /// for its next lease.
    static var messagesPerCommit: Int { 256 }

    @discardableResult
    private func perform(_ actions: [Coordinator<Book>.Action]) throws -> (Book.Outcome, CoordinationReport)? {
        for action in actions {
            switch action {
            case .send(let peer, let message):
                // Nothing leaves before the results journaled ahead of it are on disk.
                if journal?.hasUnsyncedRecords == true {
                    heldSends.append((peer, message))
                } else {
                    try send(message, to: peer)
                }
            case .persist(let message):
                let header = MessageHeader(runID: machine.runID, epoch: machine.epoch, sender: "journal", sequence: 0)
                try journal?.write(codec.encode(message, header: header))
            case .log(let level, let message, let metadata):
                log.log(level: level.logging, "\(message)", metadata: metadata.mapValues { .string($0) })
            case .finished(let outcome):
                try commit()
                linger()
                return (outcome, report(outcome))
            case .failed(let failure):
                try commit()
                linger()
                // A worker's message already names the file and row (it is the InputError's text).
                throw RunFailure(failure.statusCode, failure.message)
            }
        }
        return nil
    }

    /// Sends held until the journal's last records are on disk.
    private var heldSends: [(PeerID, CoordinatorMessage)] = []

    /// Makes the results journaled since the last commit durable with one sync, then sends what
    /// waited for them, in order.
    private func commit() throws {
        let t0 = clock.now
        try journal?.sync()
        journalSyncSeconds += (clock.now - t0).seconds
        let held = heldSends
        heldSends = []
        for (peer, message) in held { try send(message, to: peer) }
    }

    private var journalSyncSeconds = 0.0

    private func send(_ message: CoordinatorMessage, to peer: PeerID) throws {
        var message = message
        // The state machine's answer lacks the messages the transport dropped before it.
        if case .status = message { message = .status(status()) }
        let t0 = clock.now
        sequence += 1
        let header = MessageHeader(runID: machine.runID, epoch: machine.epoch, sender: "coordinator", sequence: sequence)
        let bytes = codec.encode(message, header: header)
        if try socket.send([peer.bytes, bytes]) {
            traffic.messagesOut += 1
            traffic.bytesOut += bytes.count
        } else {
            traffic.messagesNotSent += 1
        }
        traffic.messagingSeconds += (clock.now - t0).seconds
    }

    /// Gives the last Shutdown messages time to leave before the socket closes.
    private func linger() {
        try? socket.setLinger(milliseconds: 2000)
    }

    private func report(_ outcome: Book.Outcome) -> CoordinationReport {
        // One count of invalid messages in both places: those the transport could not decode and
        // those the state machine dropped.
        var counters = outcome.counters
        counters.invalidMessages += traffic.invalidMessages
        var traffic = traffic
        traffic.invalidMessages = counters.invalidMessages
        let wall = now.seconds
        let rows = max(1, machine.book.totalRows)
        try? noteHandshakes()
        return CoordinationReport(
            endpoint: endpoint, security: security, workers: outcome.workers,
            counters: counters, wire: traffic, wallSeconds: wall,
            wireBytesPerRow: Double(traffic.bytesIn + traffic.bytesOut) / Double(rows),
            messagingShare: wall > 0 ? traffic.messagingSeconds / wall : 0,
            journal: journal.map {
                JournalTally(records: $0.recordsWritten, bytes: $0.bytesWritten, syncs: $0.syncs, syncSeconds: journalSyncSeconds)
            })
    }
}

extension CoordinatorLogLevel {
    var logging: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}
