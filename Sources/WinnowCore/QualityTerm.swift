/// `f(S) + Σ_{s ∈ S} bonus(s)`: an objective plus a modular term (`λ · quality`). A modular term
/// keeps submodularity, so stale bounds stay upper bounds and lazy greedy stays exact; every gain
/// reported includes the candidate's bonus. Without a bonus it is the objective it wraps.
struct QualityTerm<Base: GreedyObjective>: GreedyObjective {
    var base: Base
    let bonus: [Double]?

    var candidateCount: Int { base.candidateCount }
    var candidateRows: [Int64] { base.candidateRows }

    mutating func initialBounds() -> [Double] {
        let bounds = base.initialBounds()
        guard let bonus else { return bounds }
        return zip(bounds, bonus).map { $0 + $1 }
    }

    mutating func gains(of batch: [Int]) -> [Double] {
        let gains = base.gains(of: batch)
        guard let bonus else { return gains }
        return zip(gains, batch).map { $0 + bonus[$1] }
    }

    mutating func commit(_ candidate: Int) { base.commit(candidate) }

    func representedWeights(of selection: [Int]) -> [Double] { base.representedWeights(of: selection) }

    var evaluatesInBatches: Bool { base.evaluatesInBatches }

    mutating func quickBounds(of batch: [Int]) -> [Double]? {
        guard let bounds = base.quickBounds(of: batch) else { return nil }
        guard let bonus else { return bounds }
        return zip(bounds, batch).map { $0 + bonus[$1] }
    }

    mutating func freshPass(evaluated: Int) -> [Double]? {
        guard let gains = base.freshPass(evaluated: evaluated) else { return nil }
        guard let bonus else { return gains }
        return zip(gains, bonus).map { $0 + $1 }
    }

    mutating func trackedBounds() -> [Double]? {
        guard let bounds = base.trackedBounds() else { return nil }
        guard let bonus else { return bounds }
        return zip(bounds, bonus).map { $0 + $1 }
    }
}
