import WinnowNative

/// Data-quality statistics of a set of rows, mergeable exactly (design §2, phase 2): per-dimension
/// mean and M2 by Welford's update, combined across chunks by Chan's parallel formula, so the
/// coordinator's merge of chunk statistics equals a single pass over the whole pool.
///
/// Non-finite rows are counted and excluded from every other figure.
public struct EmbeddingStatistics: Sendable, Equatable, Codable {
    public private(set) var dimension: Int
    /// Finite rows counted.
    public private(set) var count: Int
    public private(set) var mean: [Double]
    /// Sum of squared deviations from the mean, per dimension.
    public private(set) var m2: [Double]
    public private(set) var normMin: Double
    public private(set) var normMax: Double
    public private(set) var normSum: Double
    /// Rows whose every value is 0.
    public private(set) var zeroRows: Int
    /// Rows with a NaN or ±Inf value (excluded from the rest).
    public private(set) var nonfiniteRows: Int
    /// Rows equal, value for value, to an earlier row of the same scan (see `duplicateScope`).
    public var duplicateRows: Int

    public init(dimension: Int) {
        self.dimension = dimension
        count = 0
        mean = [Double](repeating: 0, count: dimension)
        m2 = [Double](repeating: 0, count: dimension)
        normMin = .infinity
        normMax = 0
        normSum = 0
        zeroRows = 0
        nonfiniteRows = 0
        duplicateRows = 0
    }

    /// Rebuilds statistics from their parts, as a worker sent them.
    public init(
        dimension: Int, count: Int, mean: [Double], m2: [Double], normMin: Double, normMax: Double,
        normSum: Double, zeroRows: Int, nonfiniteRows: Int, duplicateRows: Int
    ) {
        self.dimension = dimension
        self.count = count
        self.mean = mean
        self.m2 = m2
        self.normMin = normMin
        self.normMax = normMax
        self.normSum = normSum
        self.zeroRows = zeroRows
        self.nonfiniteRows = nonfiniteRows
        self.duplicateRows = duplicateRows
    }

    /// Per-dimension variance (population).
    public var variance: [Double] { m2.map { count > 0 ? $0 / Double(count) : 0 } }
    public var normMean: Double { count > 0 ? normSum / Double(count) : 0 }
    /// Total variance `Σ_d var_d`, i.e. the mean squared distance to the mean.
    public var totalVariance: Double { variance.reduce(0, +) }

    /// Whether a row (given as `dimension` values starting at `offset`) is all finite.
    public static func isFinite(_ values: [Float], offset: Int, dimension: Int) -> Bool {
        for k in 0..<dimension where !values[offset + k].isFinite { return false }
        return true
    }

    /// Adds one row: Welford's update.
    public mutating func add(_ values: [Float], offset: Int) {
        guard Self.isFinite(values, offset: offset, dimension: dimension) else {
            nonfiniteRows += 1
            return
        }
        count += 1
        let n = Double(count)
        var ss = 0.0
        for k in 0..<dimension {
            let x = Double(values[offset + k])
            ss += x * x
            let delta = x - mean[k]
            mean[k] += delta / n
            m2[k] += delta * (x - mean[k])
        }
        let norm = ss.squareRoot()
        normMin = min(normMin, norm)
        normMax = max(normMax, norm)
        normSum += norm
        if ss == 0 { zeroRows += 1 }
    }

    /// Adds every row of a block.
    public mutating func add(_ block: VectorBlock) {
        for r in 0..<block.rows { add(block.values, offset: r * block.dimension) }
    }

    /// Chan et al.'s pairwise combination: the statistics of the union of two disjoint row sets.
    public mutating func merge(_ other: EmbeddingStatistics) {
        precondition(other.dimension == dimension, "EmbeddingStatistics.merge: dimension mismatch")
        defer {
            zeroRows += other.zeroRows
            nonfiniteRows += other.nonfiniteRows
            duplicateRows += other.duplicateRows
        }
        guard other.count > 0 else { return }
        guard count > 0 else {
            (count, mean, m2) = (other.count, other.mean, other.m2)
            (normMin, normMax, normSum) = (other.normMin, other.normMax, other.normSum)
            return
        }
        let na = Double(count), nb = Double(other.count), n = na + nb
        for k in 0..<dimension {
            let delta = other.mean[k] - mean[k]
            mean[k] += delta * nb / n
            m2[k] += other.m2[k] + delta * delta * na * nb / n
        }
        count += other.count
        normMin = min(normMin, other.normMin)
        normMax = max(normMax, other.normMax)
        normSum += other.normSum
    }

    /// Statistics of a block, with exact duplicates counted inside it.
    public static func of(_ block: VectorBlock) -> EmbeddingStatistics {
        var s = EmbeddingStatistics(dimension: block.dimension)
        s.add(block)
        s.duplicateRows = DuplicateFinder.duplicates(in: block).count
        return s
    }
}

/// Exact duplicate rows: hash first, then compare values, so a hash collision never counts.
public enum DuplicateFinder {
    /// Indices of rows equal to an earlier row of the block.
    public static func duplicates(in block: VectorBlock) -> [Int] {
        var seen: [UInt64: [Int]] = [:]
        var out: [Int] = []
        let d = block.dimension
        for r in 0..<block.rows {
            let row = block.values[r * d..<(r + 1) * d]
            let h = RowHash.hash(block.values, offset: r * d, count: d)
            if let earlier = seen[h], earlier.contains(where: { block.values[$0 * d..<($0 + 1) * d].elementsEqual(row) { $0.bitPattern == $1.bitPattern } }) {
                out.append(r)
            } else {
                seen[h, default: []].append(r)
            }
        }
        return out
    }
}
