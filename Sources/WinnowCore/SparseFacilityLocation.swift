/// Facility location on each target's K nearest candidates (`--neighbors K`):
/// `f(S) = Σ_i w_i · max_{s ∈ S ∩ N_K(i)} sim(i, s)`, 0 for a target none of whose K is selected.
/// Still monotone submodular (facility location on a non-negative similarity that is zero off the
/// lists), so greedy keeps its guarantee for this f; with K ≥ the candidates it is facility location.
///
/// Its memory is n · K entries instead of the n × n block, and a gain is a walk over one
/// candidate's list (K targets on average) instead of over every target: large chunks become
/// affordable. What it gives up: a target far from all of its K counts for nothing while choosing.
public struct SparseFacilityLocation: GreedyObjective {
    public let kernel: PairwiseKernel
    public let lists: NeighborLists
    public let candidateRows: [Int64]
    private let weights: [Double]?
    /// `cover[i] = max(0, best listed similarity of target i to the selection)`.
    public private(set) var cover: [Float]

    public init(kernel: PairwiseKernel, candidateRows: [Int64], neighbors: Int, targetWeights: [Double]? = nil) {
        precondition(candidateRows.count == kernel.candidateCount, "SparseFacilityLocation: candidate rows")
        if let targetWeights { precondition(targetWeights.count == kernel.targetCount, "SparseFacilityLocation: weights") }
        self.kernel = kernel
        self.candidateRows = candidateRows
        weights = targetWeights
        lists = NeighborLists(kernel: kernel, neighbors: neighbors)
        cover = [Float](repeating: 0, count: kernel.targetCount)
    }

    public var candidateCount: Int { kernel.candidateCount }

    /// Every gain is a short walk over a held list.
    public var evaluatesInBatches: Bool { false }

    /// With nothing selected, the gains themselves: exact bounds, one pass over the lists.
    public mutating func initialBounds() -> [Double] {
        gains(of: Array(0 ..< candidateCount))
    }

    public mutating func gains(of batch: [Int]) -> [Double] {
        batch.map { j in
            var total = 0.0
            for e in lists.start[j] ..< lists.start[j + 1] {
                let i = Int(lists.targets[e])
                let d = lists.values[e] - cover[i]
                if d > 0 { total += (weights?[i] ?? 1) * Double(d) }
            }
            return total
        }
    }

    public mutating func commit(_ candidate: Int) {
        for e in lists.start[candidate] ..< lists.start[candidate + 1] {
            let i = Int(lists.targets[e])
            if lists.values[e] > cover[i] { cover[i] = lists.values[e] }
        }
    }

    /// Every target's weight goes to its most similar pick over the full measure, not the lists
    /// alone: a target none of whose K was picked still stands for its rows somewhere, so a node's
    /// weights sum to the rows beneath it, as facility location's do (ties: the smaller row).
    public func representedWeights(of selection: [Int]) -> [Double] {
        Evaluation.shares(of: selection, in: kernel, candidateRows: candidateRows, weights: weights)
    }

    /// `f` of the current selection: `Σ_i w_i · cover[i]`.
    public var value: Double {
        var total = 0.0
        for i in cover.indices { total += (weights?[i] ?? 1) * Double(cover[i]) }
        return total
    }
}
