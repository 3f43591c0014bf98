import WinnowCoordination
import WinnowCore

/// Every knob of the coordinator simulation, with its one default: the plan of the pool simulated,
/// the workers, what their tasks cost, and the faults injected.
struct SimulationSettings: Sendable {
    enum Default {
        static let rows = 1_000_000_000
        static let dimension = 384
        static let k = 1_000_000
        static let workers = 1_000
        static let slots = 1
        /// The spread of a task's time around its level's measured median (a log-normal's σ): the
        /// 10M run's chunk tasks ranged over about ±10 % on an idle machine.
        static let spread = 0.1
        /// Share of tasks that run `slowdown` times longer (a slow node, a noisy neighbour).
        static let stragglerShare = 0.05
        static let slowdown = 4.0
        /// Mean virtual seconds between two losses of one worker (its process or node gone).
        static let secondsBetweenLosses = 3.0 * 3600
        /// Virtual seconds before a lost worker's replacement says Hello (a Slurm step restarted).
        static let rejoinSeconds = 30.0
        /// When the coordinator is killed and restarted from its journal, as a share of the ideal makespan.
        static let restartAt = 0.5
        /// Virtual seconds the coordinator is away before its replay starts (process start, reconnects).
        static let restartSeconds = 5.0
        /// One-way message latency in virtual seconds (a cluster network under load).
        static let latency = 0.0005
        /// How often the server's loop ticks its state machine when no message wakes it.
        static let tickSeconds = 0.05
        static let seed: UInt64 = 0
    }

    var rows = Default.rows
    var dimension = Default.dimension
    var k = Default.k
    var workers = Default.workers
    var slots = Default.slots
    var spread = Default.spread
    var stragglerShare = Default.stragglerShare
    var slowdown = Default.slowdown
    var secondsBetweenLosses = Default.secondsBetweenLosses
    var rejoinSeconds = Default.rejoinSeconds
    /// nil: no restart.
    var restartAt: Double? = Default.restartAt
    var restartSeconds = Default.restartSeconds
    var latency = Default.latency
    var tickSeconds = Default.tickSeconds
    var seed = Default.seed
    /// The folder the journal is written in (removed afterwards).
    var folder: String
    /// The selection's settings: the product's defaults, at this k.
    var selection: SelectionSettings
    /// The coordinator's and workers' settings: the product's defaults.
    var coordination = CoordinationSettings()

    init(folder: String) {
        self.folder = folder
        selection = SelectionSettings(budget: Default.k)
    }
}
