import Foundation
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowRuntime
import WinnowWire

/// The coordinator process's share of the work, as `CoordinatorServer` does it but without a socket:
/// a worker's bytes decoded, the state machine, every send encoded, every accepted result journaled
/// (and synced). Each call is timed in this thread's CPU seconds; the journal's syncs also in wall
/// seconds, since a sync waits rather than computes.
struct MeasuredCoordinator {
    var machine: Coordinator<SelectionBook>
    let codec: WireCodec
    private(set) var journal: Journal
    private var sequence: UInt64 = 0

    /// What the state machine answered, for the simulation to carry out.
    struct Answer {
        var sends: [(PeerID, CoordinatorMessage)] = []
        var finished = false
        var failure: TaskFailure?
    }

    struct Tally {
        var cpuSeconds = 0.0
        /// Of it, building the run's status for the console.
        var statusSeconds = 0.0
        var journalWallSeconds = 0.0
        var calls = 0
        var messagesIn = 0
        var bytesIn = 0
        var messagesOut = 0
        var bytesOut = 0
        var journalRecords = 0
        var journalBytes = 0
        /// The largest message either way.
        var largestMessage = 0
    }

    private(set) var tally = Tally()

    static let configHash = [UInt8](repeating: 0x5A, count: 32)

    private init(machine: Coordinator<SelectionBook>, codec: WireCodec, journal: Journal) {
        self.machine = machine
        self.codec = codec
        self.journal = journal
    }

    private static func machine(job: SelectionJob, config: RunConfig, epoch: UInt64, coordination: CoordinationSettings) -> Coordinator<SelectionBook> {
        let welcome = Welcome(
            configHash: configHash, config: config, heartbeat: CoordinationSettings.Default.heartbeat,
            liveness: CoordinationSettings.Default.liveness)
        return Coordinator(book: SelectionBook(job: job), welcome: welcome, runID: "simulated", epoch: epoch, settings: coordination)
    }

    /// A coordinator starting the run, with an empty journal at `journalPath`.
    static func starting(job: SelectionJob, config: RunConfig, epoch: UInt64, journalPath: String, coordination: CoordinationSettings) throws -> Self {
        let (journal, _) = try Journal.open(path: journalPath, configHash: configHash, data: DataFingerprint(files: []))
        return Self(
            machine: machine(job: job, config: config, epoch: epoch, coordination: coordination), codec: WireCodec(dimension: job.dimension),
            journal: journal)
    }

    /// What a restart's replay cost.
    struct ReplayFigures {
        var wallSeconds = 0.0
        var cpuSeconds = 0.0
        /// Reading and checking the journal file, before any record is decoded.
        var openSeconds = 0.0
        var reused = 0
    }

    /// A new coordinator of the same run taking over from the journal at `journalPath`, as the
    /// server does (`JournalReplay`), timed whole.
    static func restarted(
        job: SelectionJob, config: RunConfig, epoch: UInt64, journalPath: String, coordination: CoordinationSettings
    ) throws -> (Self, ReplayFigures) {
        let wall = ContinuousClock.now, cpu = cpuSeconds()
        var machine = machine(job: job, config: config, epoch: epoch, coordination: coordination)
        let codec = WireCodec(dimension: job.dimension)
        let replay = try JournalReplay(
            path: journalPath, configHash: configHash, data: DataFingerprint(files: []), codec: codec, into: &machine)
        var figures = ReplayFigures()
        figures.cpuSeconds = cpuSeconds() - cpu
        figures.wallSeconds = (ContinuousClock.now - wall).seconds
        figures.openSeconds = replay.openSeconds
        figures.reused = replay.reused
        return (Self(machine: machine, codec: codec, journal: replay.journal), figures)
    }

    var epoch: UInt64 { machine.epoch }

    mutating func receive(_ bytes: [UInt8], from peer: PeerID, now: Duration) throws -> Answer {
        let start = Self.cpuSeconds()
        tally.messagesIn += 1
        tally.bytesIn += bytes.count
        tally.largestMessage = max(tally.largestMessage, bytes.count)
        let (header, message) = try codec.decodeWorkerMessage(bytes)
        let answer = try perform(machine.receive(message, header: header, from: peer, now: now))
        tally.cpuSeconds += Self.cpuSeconds() - start
        tally.calls += 1
        return answer
    }

    mutating func tick(now: Duration) throws -> Answer {
        let start = Self.cpuSeconds()
        let answer = try perform(machine.tick(now: now))
        tally.cpuSeconds += Self.cpuSeconds() - start
        tally.calls += 1
        return answer
    }

    /// What the server's loop does for its progress line and metrics each time it wakes
    /// (`RunMonitor.observe`): the level always, the whole status when a live line (every 200 ms) or
    /// a new phase is due.
    mutating func observeStatus(now: Duration) {
        let start = Self.cpuSeconds()
        let level = machine.level
        if level != shownLevel || now - lastStatus >= ProgressSettings.Default.liveRedraw {
            _ = machine.status(now: now)
            shownLevel = level
            lastStatus = now
        }
        let spent = Self.cpuSeconds() - start
        tally.cpuSeconds += spent
        tally.statusSeconds += spent
    }

    private var shownLevel: Int?
    private var lastStatus = Duration.zero

    private mutating func perform(_ actions: [Coordinator<SelectionBook>.Action]) throws -> Answer {
        var answer = Answer()
        for action in actions {
            switch action {
            case .send(let peer, let message):
                sequence += 1
                let bytes = codec.encode(message, header: MessageHeader(runID: machine.runID, epoch: machine.epoch, sender: "coordinator", sequence: sequence))
                tally.messagesOut += 1
                tally.bytesOut += bytes.count
                tally.largestMessage = max(tally.largestMessage, bytes.count)
                answer.sends.append((peer, message))
            case .persist(let message):
                let record = codec.encode(message, header: MessageHeader(runID: machine.runID, epoch: machine.epoch, sender: "journal", sequence: 0))
                let wall = ContinuousClock.now
                try journal.append(record)
                tally.journalWallSeconds += (ContinuousClock.now - wall).seconds
                tally.journalRecords += 1
                tally.journalBytes += record.count + 8
            case .finished:
                answer.finished = true
            case .failed(let failure):
                answer.failure = failure
            case .log:
                break
            }
        }
        return answer
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
