/// `--objective random`, the seeded baseline, as the greedy machinery sees it: every row's "gain" is
/// a fixed key drawn from the seed and its global row number, so a greedy keeps the rows with the
/// largest keys. A chunk keeps its largest keys and every merge the largest among its children's, so
/// the selection is the pool's top-k keys among the rows the chunks kept: a seeded, nearly uniform
/// sample (exactly uniform whenever no chunk holds more of the pool's top k than its local budget)
/// that does not depend on workers, arrival order or retries.
public struct RandomKeys: GreedyObjective {
    public let candidates: VectorBlock
    public let candidateRows: [Int64]
    private let keys: [Double]
    private let represented: [Double]?

    public init(candidates: VectorBlock, candidateRows: [Int64], seed: UInt64, represented: [Double]? = nil) {
        precondition(candidateRows.count == candidates.rows, "RandomKeys: candidate rows")
        self.candidates = candidates
        self.candidateRows = candidateRows
        self.represented = represented
        keys = candidateRows.map { Self.key(row: $0, seed: seed) }
    }

    /// A row's key in [0, 1): the same wherever and however often it is drawn.
    public static func key(row: Int64, seed: UInt64) -> Double {
        var random = SeededRandom(seed: seed, stream: .randomKey, Int(truncatingIfNeeded: row))
        return Double(random.next() >> 11) * 0x1p-53
    }

    public var candidateCount: Int { candidateRows.count }
    public mutating func initialBounds() -> [Double] { keys }
    public mutating func gains(of batch: [Int]) -> [Double] { batch.map { keys[$0] } }
    public mutating func commit(_ candidate: Int) {}

    public func representedWeights(of selection: [Int]) -> [Double] {
        Evaluation.shares(of: selection, among: candidates, rows: candidateRows, weights: represented)
    }
}
