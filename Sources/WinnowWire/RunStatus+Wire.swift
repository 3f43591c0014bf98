import WinnowCoordination

extension RunStatus {
    var wire: Winnow_V1_StatusReply {
        var b = Winnow_V1_StatusReply()
        b.runID = runID
        b.state = state.rawValue
        b.level = UInt32(clamping: level)
        b.levels = UInt32(clamping: levels)
        b.phase = phase
        b.levelTasksDone = UInt64(clamping: levelTasksDone)
        b.levelTasksTotal = UInt64(clamping: levelTasksTotal)
        b.levelRowsDone = UInt64(clamping: levelRowsDone)
        b.totalRows = UInt64(clamping: totalRows)
        b.chunkRowsDone = UInt64(clamping: chunkRowsDone)
        b.tasksDone = UInt64(clamping: tasksDone)
        b.tasksTotal = UInt64(clamping: tasksTotal)
        b.tasksRunning = UInt64(clamping: tasksRunning)
        b.elapsedSeconds = elapsedSeconds
        b.levelSeconds = levelSeconds
        b.rowsPerSecond = rowsPerSecond
        b.etaSeconds = etaSeconds ?? -1
        b.workersAlive = UInt32(clamping: workersAlive)
        b.retries = UInt64(clamping: retries)
        b.backups = UInt64(clamping: counters.backupsIssued)
        b.duplicateResults = UInt64(clamping: counters.duplicateResults)
        b.invalidMessages = UInt64(clamping: counters.invalidMessages)
        b.tasksReused = UInt64(clamping: counters.reusedFromJournal)
        b.workers = workers.map { w in
            var x = Winnow_V1_WorkerStatus()
            x.name = w.name
            x.host = w.host
            x.slots = UInt32(clamping: w.slots)
            x.running = UInt32(clamping: w.running)
            x.chunkTasks = UInt64(clamping: w.chunkTasks)
            x.mergeTasks = UInt64(clamping: w.mergeTasks)
            x.busySeconds = w.busySeconds
            return x
        }
        return b
    }

    /// A reply as a client reads it. Counts past Int's range, a level beyond the levels, or times
    /// that are not finite numbers are refused; retries arrive as one count (reissued).
    init(wire b: Winnow_V1_StatusReply, limits: WireLimits) throws(WireError) {
        guard let state = State(rawValue: b.state) else { throw WireError(.inconsistent, "status: state \"\(b.state.prefix(32))\"") }
        guard b.levels >= 1, b.level < b.levels, b.levels <= 64 else {
            throw WireError(.inconsistent, "status: level \(b.level) of \(b.levels)")
        }
        guard b.workers.count <= 65_536 else { throw WireError(.overLimit, "status: \(b.workers.count) workers") }
        let counts = [
            b.levelTasksDone, b.levelTasksTotal, b.levelRowsDone, b.totalRows, b.chunkRowsDone, b.tasksDone,
            b.tasksTotal, b.tasksRunning, b.retries, b.backups, b.duplicateResults, b.invalidMessages, b.tasksReused,
        ]
        guard counts.allSatisfy({ $0 <= UInt64(Int.max) }) else { throw WireError(.overLimit, "status: a count beyond Int") }
        let times = [b.elapsedSeconds, b.levelSeconds, b.rowsPerSecond, b.etaSeconds] + b.workers.map(\.busySeconds)
        guard times.allSatisfy(\.isFinite) else { throw WireError(.inconsistent, "status: a time that is not a finite number") }
        guard b.runID.utf8.count <= 128, b.workers.allSatisfy({ $0.name.utf8.count + $0.host.utf8.count <= limits.stringBytes }) else {
            throw WireError(.overLimit, "status: a name too long")
        }
        var counters = CoordinationCounters()
        counters.leasesReissued = Int(b.retries)
        counters.backupsIssued = Int(b.backups)
        counters.duplicateResults = Int(b.duplicateResults)
        counters.invalidMessages = Int(b.invalidMessages)
        counters.reusedFromJournal = Int(b.tasksReused)
        self.init(
            runID: b.runID, state: state, level: Int(b.level), levels: Int(b.levels),
            levelTasksDone: Int(b.levelTasksDone), levelTasksTotal: Int(b.levelTasksTotal), levelRowsDone: Int(b.levelRowsDone),
            chunkRowsDone: Int(b.chunkRowsDone), totalRows: Int(b.totalRows), tasksDone: Int(b.tasksDone),
            tasksTotal: Int(b.tasksTotal), tasksRunning: Int(b.tasksRunning), elapsedSeconds: b.elapsedSeconds,
            levelSeconds: b.levelSeconds, rowsPerSecond: b.rowsPerSecond, etaSeconds: b.etaSeconds < 0 ? nil : b.etaSeconds,
            workersAlive: Int(b.workersAlive), counters: counters,
            workers: b.workers.map {
                WorkerStatus(
                    name: $0.name, host: $0.host, slots: Int($0.slots), running: Int($0.running),
                    chunkTasks: Int(clamping: $0.chunkTasks), mergeTasks: Int(clamping: $0.mergeTasks), busySeconds: $0.busySeconds)
            })
    }
}
