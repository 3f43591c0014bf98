import Synchronization

/// How far a running task has come, read from another thread: the worker's heartbeats carry it so
/// the coordinator can tell a slow task from a stuck one (design §4, `progressTimeout`).
///
/// It counts rows processed — rows read, then candidate rows whose gain the greedy evaluated — so
/// it moves at least once per greedy step however long the task runs. It also counts what a person
/// watching one long task wants to read (`task`): the picks made, and the tiles of tracked gains'
/// similarity pass, which alone takes hours in an `--exact` run of a million rows.
public final class ProgressMeter: Sendable {
    private let count = Atomic<UInt64>(0)
    private let picks = Atomic<Int>(0)
    private let passTiles = Atomic<Int>(0)
    private let passTilesDone = Atomic<Int>(0)

    public init() {}

    public func add(_ rows: Int) {
        count.add(UInt64(max(0, rows)), ordering: .relaxed)
    }

    public var rowsDone: UInt64 { count.load(ordering: .relaxed) }

    /// A greedy pick was made (a row of progress too).
    public func picked() {
        picks.add(1, ordering: .relaxed)
        add(1)
    }

    /// A pass over the similarity block of `tiles` tiles begins.
    public func beginPass(tiles: Int) {
        passTiles.store(max(0, tiles), ordering: .relaxed)
        passTilesDone.store(0, ordering: .relaxed)
    }

    /// A tile of the pass is done; `rows` candidate rows' worth of progress.
    public func tileDone(rows: Int) {
        passTilesDone.add(1, ordering: .relaxed)
        add(rows)
    }

    /// The task's picks and pass so far, for a task of `budget` picks.
    public func task(budget: Int) -> TaskProgress {
        TaskProgress(
            picks: picks.load(ordering: .relaxed), budget: budget,
            passTilesDone: passTilesDone.load(ordering: .relaxed), passTiles: passTiles.load(ordering: .relaxed))
    }
}

/// An objective that reports to a `ProgressMeter` (when there is one) every batch of gains it
/// evaluates and every pick, and otherwise is the objective it wraps.
struct MeteredObjective<Base: GreedyObjective>: GreedyObjective {
    var base: Base
    let meter: ProgressMeter?

    var candidateCount: Int { base.candidateCount }
    var candidateRows: [Int64] { base.candidateRows }

    mutating func initialBounds() -> [Double] {
        defer { meter?.add(base.candidateCount) }
        return base.initialBounds()
    }

    mutating func gains(of batch: [Int]) -> [Double] {
        defer { meter?.add(batch.count) }
        return base.gains(of: batch)
    }

    mutating func commit(_ candidate: Int) {
        base.commit(candidate)
        meter?.picked()
    }

    func representedWeights(of selection: [Int]) -> [Double] { base.representedWeights(of: selection) }

    var evaluatesInBatches: Bool { base.evaluatesInBatches }

    mutating func trackedBounds() -> [Double]? { base.trackedBounds() }

    mutating func quickBounds(of batch: [Int]) -> [Double]? {
        guard let bounds = base.quickBounds(of: batch) else { return nil }
        meter?.add(batch.count)
        return bounds
    }

    mutating func freshPass(evaluated: Int) -> [Double]? {
        guard let gains = base.freshPass(evaluated: evaluated) else { return nil }
        meter?.add(gains.count)
        return gains
    }
}
