/// The rows a k-means fits its centroids on when the pool has far more rows than the centroids need:
/// each row is in the sample with probability `fraction`, decided by a hash of the seed and its global
/// row number alone. Any process can tell which rows of a range are in it without a list of the rows
/// (at 10^9 rows a list would be gigabytes), and the sample does not depend on how the pool is cut
/// into blocks, on workers or on retries.
public struct FitSample: Sendable, Equatable {
    public let seed: UInt64
    /// In (0, 1): the share of the pool's rows in the sample.
    public let fraction: Double

    public init(seed: UInt64, fraction: Double) {
        precondition(fraction > 0 && fraction < 1, "FitSample: a fraction in (0, 1)")
        self.seed = seed
        self.fraction = fraction
    }

    /// The sample for `k` centroids of `rowsPerCluster` rows each from `totalRows` rows; nil when that
    /// is the whole pool (or `rowsPerCluster` is 0: fit on every row).
    public static func forFit(rows totalRows: Int, clusters k: Int, rowsPerCluster: Int, seed: UInt64) -> FitSample? {
        guard rowsPerCluster > 0, k * rowsPerCluster < totalRows else { return nil }
        return FitSample(seed: seed, fraction: Double(k * rowsPerCluster) / Double(totalRows))
    }

    /// Whether `row` is in the sample: its hash, read as a number in [0, 1), is below the fraction.
    @inline(__always)
    public func contains(_ row: Int) -> Bool {
        var mix = SplitMix64(state: (seed ^ 0x6669_7473_616D_706C) &+ UInt64(truncatingIfNeeded: row) &* 0xD6E8_FEB8_6659_FD93)
        return Double(mix.next() >> 11) * 0x1p-53 < fraction
    }

    /// The rows of `range` in the sample, ascending.
    public func rows(in range: Range<Int>) -> [Int] { range.filter(contains) }

    /// Pool rows a block of a fitting pass spans so that about `sampledRows` of them are in the sample.
    public func span(sampledRows: Int) -> Int { max(1, Int((Double(sampledRows) / fraction).rounded(.up))) }
}
