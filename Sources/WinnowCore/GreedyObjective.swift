/// A monotone submodular objective as the greedy optimizers see it: fresh marginal gains for any
/// batch of candidates, upper bounds to start lazy greedy from, and a commit when one is picked.
/// Implementations know nothing of files, chunks or workers.
public protocol GreedyObjective {
    /// How many candidates there are; candidates are numbered `0..<candidateCount`.
    var candidateCount: Int { get }
    /// Each candidate's global row number: equal gains go to the smaller row, always.
    var candidateRows: [Int64] { get }
    /// Upper bounds on every candidate's gain before anything is selected.
    mutating func initialBounds() -> [Double]
    /// The fresh marginal gain of each candidate in `batch` given the current selection.
    mutating func gains(of batch: [Int]) -> [Double]
    /// Adds a candidate to the selection.
    mutating func commit(_ candidate: Int)
    /// The weight each selected candidate ends up representing, in selection order.
    func representedWeights(of selection: [Int]) -> [Double]
    /// Whether evaluating candidates together is cheaper per candidate than one at a time (one
    /// `sgemm` for a batch of columns). When it is not (a held similarity block: every gain is a read),
    /// lazy greedy re-evaluates one stale candidate at a time, the fewest evaluations lazy greedy can make.
    var evaluatesInBatches: Bool { get }
    /// Upper bounds on every candidate's gain given the current selection, tight enough that lazy
    /// greedy need evaluate only the candidates that can still win a step; nil when the objective
    /// keeps no such bounds. Asked after each commit; the first answer may cost a pass over the block.
    mutating func trackedBounds() -> [Double]?
    /// Upper bounds on the fresh gains of `batch`, cheaper than the gains themselves; nil when the
    /// objective has none (yet). Lazy greedy ranks stale candidates by them and computes the gain
    /// only of one whose bound reaches the top, so the picks are those of the gains alone.
    mutating func quickBounds(of batch: [Int]) -> [Double]?
    /// Every candidate's fresh gain at once, when a step has already evaluated `evaluated` stale
    /// candidates one by one and the objective can read them all in one pass for less than the
    /// step is likely to go on costing; nil otherwise. Lazy greedy then ranks every candidate by its
    /// gain, so the step picks what it would have picked.
    mutating func freshPass(evaluated: Int) -> [Double]?
}

extension GreedyObjective {
    public var evaluatesInBatches: Bool { true }
    public mutating func trackedBounds() -> [Double]? { nil }
    public mutating func quickBounds(of batch: [Int]) -> [Double]? { nil }
    public mutating func freshPass(evaluated: Int) -> [Double]? { nil }
}
