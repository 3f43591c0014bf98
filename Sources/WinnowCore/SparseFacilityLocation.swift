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

    /// - Parameter threads: threads for the lists (the same lists for any count).
    public init(kernel: PairwiseKernel, candidateRows: [Int64], neighbors: Int, targetWeights: [Double]? = nil, threads: Int = 1) {
        precondition(candidateRows.count == kernel.candidateCount, "SparseFacilityLocation: candidate rows")
        if let targetWeights { precondition(targetWeights.count == kernel.targetCount, "SparseFacilityLocation: weights") }
        self.kernel = kernel
        self.candidateRows = candidateRows
        weights = targetWeights
        lists = NeighborLists(kernel: kernel, neighbors: neighbors, threads: threads)
        cover = [Float](repeating: 0, count: kernel.targetCount)
    }

    public var candidateCount: Int { kernel.candidateCount }

    /// Every gain is a short walk over a held list.
    public var evaluatesInBatches: Bool { false }

    /// With nothing selected, the gains themselves: exact bounds, one pass over the lists.
    public mutating func initialBounds() -> [Double] {
        gains(of: Array(0..<candidateCount))
    }

    public mutating func gains(of batch: [Int]) -> [Double] {
        batch.map { j in
            var total = 0.0
            for e in lists.start[j]..<lists.start[j + 1] {
                let i = Int(lists.targets[e])
                let d = lists.values[e] - cover[i]
                if d > 0 { total += (weights?[i] ?? 1) * Double(d) }
            }
            return total
        }
    }

    public mutating func commit(_ candidate: Int) {
        for e in lists.start[candidate]..<lists.start[candidate + 1] {
            let i = Int(lists.targets[e])
            if lists.values[e] > cover[i] { cover[i] = lists.values[e] }
        }
    }

    /// Every target's weight goes to its most similar pick over the full measure, not the lists
    /// alone: a target none of whose K was picked still stands for its rows somewhere, so a node's
    /// weights sum to the rows beneath it, as facility location's do (ties: the smaller row).
    ///
    /// A target's list holds its K most similar candidates, so when one of them was picked the best
    /// listed pick is its best pick of all, and only the other targets are compared with every pick:
    /// at the root of 1M rows (k = 10,000) that is a few targets instead of 170,000 × 10,000 pairs.
    /// A best listed pick that only ties the list's last value could lose its tie to an unlisted
    /// pick of a smaller row, so such a target is compared with every pick too.
    public func representedWeights(of selection: [Int]) -> [Double] {
        let nt = kernel.targetCount, k = lists.neighbors
        var position = [Int](repeating: -1, count: candidateCount)
        for (p, j) in selection.enumerated() { position[j] = p }
        var listed = [Int](repeating: 0, count: nt)
        var last = [Float](repeating: .infinity, count: nt)
        var best = [Float](repeating: -.infinity, count: nt)
        var owner = [Int](repeating: -1, count: nt)
        for j in 0..<candidateCount {
            for e in lists.start[j]..<lists.start[j + 1] {
                let i = Int(lists.targets[e]), v = lists.values[e]
                listed[i] += 1
                last[i] = min(last[i], v)
                let p = position[j]
                guard p >= 0 else { continue }
                if v > best[i] || (v == best[i] && candidateRows[j] < candidateRows[selection[owner[i]]]) {
                    best[i] = v
                    owner[i] = p
                }
            }
        }
        var totals = [Double](repeating: 0, count: selection.count)
        var unsettled: [Int] = []
        for i in 0..<nt {
            if owner[i] < 0 || (listed[i] == k && best[i] == last[i]) {
                unsettled.append(i)
            } else {
                totals[owner[i]] += weights?[i] ?? 1
            }
        }
        guard !unsettled.isEmpty else { return totals }
        let rest = PairwiseKernel(targets: kernel.preparedTargets.gather(unsettled), candidates: kernel.preparedCandidates)
        let shares = Evaluation.shares(of: selection, in: rest, candidateRows: candidateRows, weights: weights.map { w in unsettled.map { w[$0] } })
        for p in totals.indices { totals[p] += shares[p] }
        return totals
    }

    /// `f` of the current selection: `Σ_i w_i · cover[i]`.
    public var value: Double {
        var total = 0.0
        for i in cover.indices { total += (weights?[i] ?? 1) * Double(cover[i]) }
        return total
    }
}
