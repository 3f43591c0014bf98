/// Clustered Gaussian pools for demos, tests and benchmarks: `clusters` centres drawn from N(0, 1)^d,
/// each row a centre plus N(0, spread²) noise. Rows are generated in fixed blocks from their own
/// seeded streams, so any row range comes out the same however the pool is written.
public struct SyntheticPool: Sendable {
    public static let blockRows = 4096

    public let rows: Int
    public let dimension: Int
    public let clusters: Int
    public let spread: Double
    public let seed: UInt64
    private let centres: [Float]

    public init(rows: Int, dimension: Int, clusters: Int = 64, spread: Double = 0.5, seed: UInt64 = 0) {
        precondition(rows >= 0 && dimension >= 1 && clusters >= 1)
        self.rows = rows
        self.dimension = dimension
        self.clusters = clusters
        self.spread = spread
        self.seed = seed
        var random = SeededRandom(seed: seed, stream: .synthetic, -1)
        centres = (0..<clusters * dimension).map { _ in Float(random.normal()) }
    }

    /// The cluster of every row in `range`, and the rows' values (row-major).
    public func generate(_ range: Range<Int>) -> (labels: [Int32], values: [Float]) {
        var labels: [Int32] = [], values: [Float] = []
        labels.reserveCapacity(range.count)
        values.reserveCapacity(range.count * dimension)
        var block = range.lowerBound / Self.blockRows
        while block * Self.blockRows < range.upperBound {
            var random = SeededRandom(seed: seed, stream: .synthetic, block)
            let start = block * Self.blockRows
            for row in start..<min(rows, start + Self.blockRows) {
                let c = random.index(below: clusters)
                let keep = range.contains(row)
                if keep { labels.append(Int32(c)) }
                for k in 0..<dimension {
                    let v = centres[c * dimension + k] + Float(spread * random.normal())
                    if keep { values.append(v) }
                }
            }
            block += 1
        }
        return (labels, values)
    }
}
