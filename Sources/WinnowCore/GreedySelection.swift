/// What a greedy run picked: candidate indices in pick order, each with its marginal gain and the
/// weight it represents at the end (how many target rows, weighted, have it as their nearest pick).
public struct GreedySelection: Sendable, Equatable {
    public var picks: [Int]
    public var gains: [Double]
    public var weights: [Double]

    public init(picks: [Int], gains: [Double], weights: [Double]) {
        self.picks = picks
        self.gains = gains
        self.weights = weights
    }
}
