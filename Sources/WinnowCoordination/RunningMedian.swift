import HeapModule

/// The median of numbers that keep arriving, at any time in O(1) and each arrival in O(log n): the
/// element a sort would put at index count / 2. The straggler and stall rules ask for a level's
/// median task time whenever a worker has no task and each time the loop looks for stalls; sorting
/// every finished time for that was O(n log n) each time, with n up to 122,071 chunks at 10^9 rows.
public struct RunningMedian: Sendable {
    /// The smallest count / 2 numbers.
    private var lower = Heap<Double>()
    /// The rest; its least is the median.
    private var upper = Heap<Double>()

    public init() {}

    public var count: Int { lower.count + upper.count }
    public var median: Double? { upper.min }

    public mutating func insert(_ x: Double) {
        if let m = upper.min, x < m { lower.insert(x) } else { upper.insert(x) }
        while lower.count > count / 2 { upper.insert(lower.popMax()!) }
        while lower.count < count / 2 { lower.insert(upper.popMin()!) }
    }
}
