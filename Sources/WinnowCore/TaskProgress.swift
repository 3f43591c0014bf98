/// Where one running greedy stands: shown while a level has a single long task (`--exact`, a root
/// merge), where no task finishing for minutes would otherwise look like a stuck run.
public struct TaskProgress: Sendable, Equatable {
    public var picks: Int
    public var budget: Int
    /// Tiles of tracked gains' similarity pass (0 of 0: no pass).
    public var passTilesDone: Int
    public var passTiles: Int

    public init(picks: Int, budget: Int, passTilesDone: Int = 0, passTiles: Int = 0) {
        self.picks = picks
        self.budget = budget
        self.passTilesDone = passTilesDone
        self.passTiles = passTiles
    }

    /// The pass is running: begun, not yet done.
    public var inPass: Bool { passTiles > 0 && passTilesDone < passTiles }
}
