import WinnowCoordination
import WinnowCore

/// The shape of the plan simulated.
struct PlanFigures: Codable {
    var chunks = 0
    var levelSizes: [Int] = []
    var topLevel = 0
    var leafBudget = 0

    init() {}

    init(job: SelectionJob) {
        chunks = job.chunkCount
        levelSizes = job.tree.levelSizes
        topLevel = job.topLevel
        leafBudget = job.leafBudgets.first ?? 0
    }
}

/// What one simulated run measured.
struct SimulationFigures {
    var plan = PlanFigures()
    var chunkSeconds = 0.0
    /// Per merge level: the measured seconds of its first greedy merge.
    var mergeSeconds: [Int: Double] = [:]
    var events = 0
    var makespanSeconds = 0.0
    var idealSeconds = 0.0
    var tally = MeasuredCoordinator.Tally()
    var counters = CoordinationCounters()
    var workersLost = 0
    var restartedAt: Double?
    var tasksDoneAtKill = 0
    var replay: MeasuredCoordinator.ReplayFigures?
    var baselineResidentBytes = 0
    var peakResidentBytes = 0
    var peakSampledResidentBytes = 0
    var replayPeakResidentBytes = 0
}

extension MeasuredCoordinator.Tally {
    /// Two incarnations' tallies together.
    func adding(_ other: Self) -> Self {
        var sum = self
        sum.cpuSeconds += other.cpuSeconds
        sum.statusSeconds += other.statusSeconds
        sum.journalWallSeconds += other.journalWallSeconds
        sum.calls += other.calls
        sum.messagesIn += other.messagesIn
        sum.bytesIn += other.bytesIn
        sum.messagesOut += other.messagesOut
        sum.bytesOut += other.bytesOut
        sum.journalRecords += other.journalRecords
        sum.journalBytes += other.journalBytes
        sum.largestMessage = max(sum.largestMessage, other.largestMessage)
        return sum
    }
}
