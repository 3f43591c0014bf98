import Foundation
import WinnowCoordination
import WinnowCore
import WinnowWire

/// One selection's coordinator driven by simulated workers in virtual time: the real state machine
/// (`Coordinator` with a `SelectionBook`), wire codec and journal; the workers are the real
/// `WorkerSession`s whose tasks take the measured times and return fabricated results of real size.
/// Faults: stragglers, workers lost and replaced, and one coordinator killed and restarted from its
/// journal. Only the coordinator's side is timed.
struct Simulation {
    struct Worker {
        var generation = 0
        var session: WorkerSession
        var alive = true
        /// The coordinator incarnation this worker last heard from (0: none yet).
        var epoch: UInt64 = 0
        var sequence: UInt64 = 0
        var running: [UInt64: (lease: Lease, started: Double, seconds: Double)] = [:]
    }

    enum Failure: Error, CustomStringConvertible {
        case runFailed(String)
        case neverFinished(virtualSeconds: Double)

        var description: String {
            switch self {
            case .runFailed(let why): "the simulated run failed: \(why)"
            case .neverFinished(let t): "the simulated run had not finished after \(Int(t)) virtual seconds"
            }
        }
    }

    let settings: SimulationSettings
    let job: SelectionJob
    let config: RunConfig
    private let journalPath: String
    private var coordinator: MeasuredCoordinator?
    /// Arrivals before this virtual time find no coordinator (killed, or replaying its journal).
    private var downUntil = 0.0
    private var workers: [Worker] = []
    private var peers: [PeerID: (worker: Int, generation: Int)] = [:]
    private var events = VirtualEvents()
    private var now = 0.0
    private var times: TaskTimes
    private let workerCodec: WireCodec
    private var random: SeededRandom
    private var finished = false
    /// Each task's duration the first time it was leased: the work an ideal run would do.
    private var firstDurations: [MergeTree.Node: Double] = [:]
    private var memory = ResidentMemory()
    private(set) var figures = SimulationFigures()

    static let workerTickSeconds = 0.25

    init(settings: SimulationSettings, job: SelectionJob, times: TaskTimes) {
        self.settings = settings
        self.job = job
        let perFile = 1_000_000
        let files = stride(from: 0, to: settings.rows, by: perFile).map { start in
            let rows = min(perFile, settings.rows - start)
            return RunConfig.File(
                path: "/shared/pool/shard-\(start / perFile).npy", rows: rows, bytes: rows * settings.dimension * 2 + 128, dtype: "float16")
        }
        config = RunConfig(files: files, dimension: settings.dimension, totalRows: settings.rows, settings: settings.selection, skipNonfinite: false)
        journalPath = (settings.folder as NSString).appendingPathComponent("journal.wnj")
        self.times = times
        workerCodec = WireCodec(dimension: settings.dimension)
        random = SeededRandom(seed: settings.seed, stream: .evaluation, 17)
    }

    /// What the ideal run takes: every task's work spread evenly over every slot.
    var estimatedIdealSeconds: Double {
        Double(job.chunkCount) * times.chunkSeconds / Double(settings.workers * settings.slots)
    }

    mutating func run() throws -> SimulationFigures {
        try? FileManager.default.removeItem(atPath: journalPath)
        figures.plan = PlanFigures(job: job)
        figures.chunkSeconds = times.chunkSeconds
        memory.resetPeak()
        figures.baselineResidentBytes = memory.resident()
        coordinator = try .starting(job: job, config: config, epoch: 1, journalPath: journalPath, coordination: settings.coordination)
        for i in 0..<settings.workers {
            workers.append(Worker(session: session(for: i, generation: 0)))
            events.schedule(.rejoin(worker: i), at: Double(i) * 0.001)
        }
        events.schedule(.coordinatorTick, at: settings.tickSeconds)
        if let share = settings.restartAt { events.schedule(.kill, at: share * estimatedIdealSeconds) }
        var nextMemorySample = 0.0
        let limit = 20 * estimatedIdealSeconds + 3600
        while !finished, let (at, event) = events.next() {
            now = at
            guard now < limit else { throw Failure.neverFinished(virtualSeconds: now) }
            try handle(event)
            figures.events += 1
            if now >= nextMemorySample {
                figures.peakSampledResidentBytes = max(figures.peakSampledResidentBytes, memory.resident())
                nextMemorySample = now + 1
            }
        }
        figures.makespanSeconds = now
        figures.idealSeconds = firstDurations.values.reduce(0, +) / Double(settings.workers * settings.slots)
        figures.peakResidentBytes = memory.peak()
        if let coordinator {
            figures.tally = coordinator.tally.adding(figures.tally)
            figures.counters = coordinator.machine.status(now: .seconds(now)).counters
        }
        figures.mergeSeconds = times.mergeSeconds.mapValues(\.seconds)
        return figures
    }

    // MARK: events

    private mutating func handle(_ event: VirtualEvent) throws {
        switch event {
        case .arrive(let i, let generation, let bytes):
            guard coordinator != nil, now >= downUntil else { return }
            let peer = Self.peer(i, generation)
            try carry(coordinator!.receive(bytes, from: peer, now: .seconds(now)))
            // The server ticks its state machine each time its loop wakes, and shows progress.
            try carry(coordinator!.tick(now: .seconds(now)))
            coordinator!.observeStatus(now: .seconds(now))
        case .deliver(let i, let generation, let message, let epoch):
            guard workers[i].alive, workers[i].generation == generation else { return }
            if case .welcome = message {
                workers[i].epoch = epoch
            } else if workers[i].epoch != 0, epoch != workers[i].epoch {
                workers[i].epoch = epoch
                apply(workers[i].session.coordinatorRestarted(now: .seconds(now)), worker: i)
                return
            }
            apply(workers[i].session.receive(message, now: .seconds(now)), worker: i)
        case .finish(let i, let generation, let leaseID):
            guard workers[i].alive, workers[i].generation == generation,
                let task = workers[i].running.removeValue(forKey: leaseID)
            else { return }
            let result = FabricatedResults(times: times, dimension: settings.dimension).result(of: task.lease, busySeconds: task.seconds)
            apply(workers[i].session.finished(leaseID, result: result, now: .seconds(now)), worker: i)
        case .workerTick(let i, let generation):
            guard workers[i].alive, workers[i].generation == generation else { return }
            let progress = workers[i].running.mapValues { r in UInt64(max(1, 1000 * (now - r.started) / r.seconds)) }
            apply(workers[i].session.tick(now: .seconds(now), progress: progress), worker: i)
            events.schedule(.workerTick(worker: i, generation: generation), at: now + Self.workerTickSeconds)
        case .coordinatorTick:
            if coordinator != nil, now >= downUntil { try carry(coordinator!.tick(now: .seconds(now))) }
            events.schedule(.coordinatorTick, at: now + settings.tickSeconds)
        case .lose(let i):
            guard workers[i].alive else { return }
            workers[i].alive = false
            workers[i].running = [:]
            figures.workersLost += 1
            events.schedule(.rejoin(worker: i), at: now + settings.rejoinSeconds)
        case .rejoin(let i):
            let generation = workers[i].alive ? 0 : workers[i].generation + 1
            workers[i] = Worker(generation: generation, session: session(for: i, generation: generation))
            peers[Self.peer(i, generation)] = (i, generation)
            apply(workers[i].session.start(now: .seconds(now)), worker: i)
            events.schedule(.workerTick(worker: i, generation: generation), at: now + Self.workerTickSeconds)
            let loss = -settings.secondsBetweenLosses * log(1 - random.unit())
            events.schedule(.lose(worker: i), at: now + loss)
        case .kill:
            figures.tally = coordinator!.tally
            figures.restartedAt = now
            figures.tasksDoneAtKill = coordinator!.machine.status(now: .seconds(now)).tasksDone
            coordinator = nil
            downUntil = .infinity
            events.schedule(.restart, at: now + settings.restartSeconds)
        case .restart:
            memory.resetPeak()
            let (restarted, replay) = try MeasuredCoordinator.restarted(
                job: job, config: config, epoch: 2, journalPath: journalPath, coordination: settings.coordination)
            figures.replay = replay
            figures.replayPeakResidentBytes = memory.peak()
            coordinator = restarted
            // The replay takes its wall time in virtual time too: nothing is served meanwhile.
            downUntil = now + replay.wallSeconds
        }
    }

    // MARK: carrying out actions

    private mutating func carry(_ answer: MeasuredCoordinator.Answer) throws {
        let epoch = coordinator!.epoch
        for (peer, message) in answer.sends {
            guard let (i, generation) = peers[peer] else { continue }
            events.schedule(.deliver(worker: i, generation: generation, message: message, epoch: epoch), at: now + settings.latency)
        }
        if let failure = answer.failure { throw Failure.runFailed(failure.message) }
        if answer.finished { finished = true }
    }

    private mutating func apply(_ actions: [WorkerSession.Action], worker i: Int) {
        for action in actions {
            switch action {
            case .send(let message):
                workers[i].sequence += 1
                let header = MessageHeader(
                    runID: "simulated", epoch: workers[i].epoch, sender: "w\(i).\(workers[i].generation)", sequence: workers[i].sequence)
                events.schedule(
                    .arrive(worker: i, generation: workers[i].generation, bytes: workerCodec.encode(message, header: header)),
                    at: now + settings.latency)
            case .prepare:
                break
            case .run(let lease):
                if case .merge(let task) = lease.work { times.measureMergeIfNew(task) }
                let seconds = times.duration(of: lease.work)
                if firstDurations[lease.node] == nil { firstDurations[lease.node] = seconds }
                workers[i].running[lease.id] = (lease, now, seconds)
                events.schedule(.finish(worker: i, generation: workers[i].generation, leaseID: lease.id), at: now + seconds)
            case .cancel(let id):
                // A cancelled task stops at its next progress check: its slot is free at once.
                workers[i].running[id] = nil
                apply(workers[i].session.finished(id, result: .release(leases: [id], reason: "cancelled"), now: .seconds(now)), worker: i)
            case .abandonTasks:
                workers[i].running = [:]
            case .exit:
                workers[i].alive = false
            }
        }
    }

    private func session(for i: Int, generation: Int) -> WorkerSession {
        WorkerSession(
            hello: Hello(productVersion: "simulated", slots: settings.slots, host: "node-\(i)", pid: generation + 1),
            settings: settings.coordination, now: .seconds(now))
    }

    static func peer(_ i: Int, _ generation: Int) -> PeerID { PeerID(Array("w\(i).\(generation)".utf8)) }
}
