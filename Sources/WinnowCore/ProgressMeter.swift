import Synchronization

/// How far a running task has come, read from another thread: the worker's heartbeats carry it so
/// the coordinator can tell a slow task from a stuck one (design §4, `progressTimeout`).
///
/// It counts rows processed — rows read, then candidate rows whose gain the greedy evaluated — so
/// it moves at least once per greedy step however long the task runs.
public final class ProgressMeter: Sendable {
    private let count = Atomic<UInt64>(0)

    public init() {}

    public func add(_ rows: Int) {
        count.add(UInt64(max(0, rows)), ordering: .relaxed)
    }

    public var rowsDone: UInt64 { count.load(ordering: .relaxed) }
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
        meter?.add(1)
    }

    func representedWeights(of selection: [Int]) -> [Double] { base.representedWeights(of: selection) }

    var evaluatesInBatches: Bool { base.evaluatesInBatches }

    mutating func trackedBounds() -> [Double]? { base.trackedBounds() }
}
