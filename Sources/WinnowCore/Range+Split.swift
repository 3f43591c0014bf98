extension Range where Bound == Int {
    /// The range cut into `parts` consecutive pieces of nearly equal size (fewer when it holds fewer
    /// values; none empty unless the range is): how a block's rows or columns are dealt to threads.
    func split(into parts: Int) -> [Range<Int>] {
        let parts = Swift.max(1, Swift.min(parts, count))
        return (0 ..< parts).map { p in
            lowerBound + count * p / parts ..< lowerBound + count * (p + 1) / parts
        }
    }
}
