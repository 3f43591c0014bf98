extension Range where Bound == Int {
    /// The range cut into `parts` consecutive pieces of nearly equal size, fewer where a piece would
    /// hold fewer than `minimum` values (none empty unless the range is): how a block's rows or
    /// columns are dealt to threads.
    func split(into parts: Int, minimum: Int = 1) -> [Range<Int>] {
        let parts = Swift.max(1, Swift.min(parts, count / Swift.max(1, minimum)))
        return (0..<parts).map { p in
            lowerBound + count * p / parts..<lowerBound + count * (p + 1) / parts
        }
    }
}
