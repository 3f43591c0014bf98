/// `--label-budget`: how many picks each label may have (a partition-matroid constraint).
public enum LabelBudget: Sendable, Equatable, Hashable {
    /// Each label's share of k follows its share of the pool (largest remainders, summing to k).
    case proportional
    /// k split evenly over the labels; a label with fewer rows than its share keeps them all and
    /// the rest is spread over the others.
    case balanced
    /// Exactly these caps (labels not listed: 0), each at most the label's rows.
    case explicit([Int64: Int])

    public var name: String {
        switch self {
        case .proportional: "proportional"
        case .balanced: "balanced"
        case .explicit: "explicit"
        }
    }
}

/// Per-label caps of one task: labels ascending, each with the most picks it may have.
public struct LabelCaps: Sendable, Equatable, Hashable {
    public var labels: [Int64]
    public var caps: [Int]

    public init(labels: [Int64], caps: [Int]) {
        precondition(labels.count == caps.count, "LabelCaps: lengths differ")
        self.labels = labels
        self.caps = caps
    }

    public func cap(of label: Int64) -> Int {
        guard let i = labels.firstIndex(of: label) else { return 0 }
        return caps[i]
    }

    public var total: Int { caps.reduce(0, +) }

    /// Whether `picked` (one label per pick) stays within every cap.
    public func admits(_ picked: [Int64]) -> Bool {
        var counts: [Int64: Int] = [:]
        for l in picked { counts[l, default: 0] += 1 }
        return counts.allSatisfy { $0.value <= cap(of: $0.key) }
    }
}

/// The label constraint of a whole run: the caps at the root, and how many rows of each label lie
/// in each chunk, from which every task's caps follow (`caps(rows:isRoot:oversample:)`).
public struct LabelPlan: Sendable, Equatable {
    /// Labels ascending, with the root's caps.
    public let root: LabelCaps
    /// Pool rows of each label (aligned with `root.labels`).
    public let totals: [Int]
    /// Rows of each label in each chunk.
    public let chunkCounts: [[Int]]

    /// - Parameters:
    ///   - labels: one label per pool row.
    ///   - chunks: the chunk plan's row ranges.
    ///   - leftOut: a label whose rows are known never to be candidates (a row left out as NaN/Inf:
    ///     `RunOptions.plannedLabels`): it gets no cap, and its rows count for no label — a cap on rows
    ///     nobody can pick would leave the selection short of k by that cap.
    public init(labels: [Int64], chunks: [[Range<Int>]], budget: LabelBudget, k: Int, leftOut: Int64? = nil) {
        var present = Set(labels)
        if let leftOut { present.remove(leftOut) }
        let distinct = present.sorted()
        let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        var totals = [Int](repeating: 0, count: distinct.count)
        for l in labels { if let i = index[l] { totals[i] += 1 } }
        chunkCounts = chunks.map { ranges in
            var counts = [Int](repeating: 0, count: distinct.count)
            for r in ranges { for row in r { if let i = index[labels[row]] { counts[i] += 1 } } }
            return counts
        }
        self.totals = totals
        root = LabelCaps(labels: distinct, caps: Self.rootCaps(totals: totals, labels: distinct, budget: budget, k: k))
    }

    static func rootCaps(totals: [Int], labels: [Int64], budget: LabelBudget, k: Int) -> [Int] {
        let n = totals.reduce(0, +)
        let k = min(k, n)
        switch budget {
        case .explicit(let caps):
            return labels.indices.map { min(max(0, caps[labels[$0]] ?? 0), totals[$0]) }
        case .proportional:
            // Largest remainders: floors first, then one more to the largest fractions (smaller label on ties).
            let exact = totals.map { Double(k) * Double($0) / Double(max(1, n)) }
            var caps = exact.map { Int($0.rounded(.down)) }
            let order = labels.indices.sorted { (exact[$0] - Double(caps[$0]), -$0) > (exact[$1] - Double(caps[$1]), -$1) }
            for i in order.prefix(k - caps.reduce(0, +)) { caps[i] += 1 }
            return caps
        case .balanced:
            // Water-filling: every label gets the same level, or all its rows when it has fewer.
            var caps = [Int](repeating: 0, count: totals.count)
            var left = k
            var open = labels.indices.filter { totals[$0] > 0 }
            while left > 0 && !open.isEmpty {
                let share = max(1, left / open.count)
                for i in open where left > 0 {
                    let add = min(share, totals[i] - caps[i], left)
                    caps[i] += add
                    left -= add
                }
                open = open.filter { caps[$0] < totals[$0] }
            }
            return caps
        }
    }

    /// The caps of a task with `counts` rows of each label beneath it: at the root the root's caps;
    /// below, each label's proportional share of its root cap times α, ⌈α · cap · rows_here / rows⌉,
    /// at most the root cap — so that every level offers its parent α times what the parent needs
    /// of every label, whichever chunks hold it.
    public func caps(counts: [Int], isRoot: Bool, oversample: Double) -> LabelCaps {
        guard !isRoot else { return root }
        let caps = root.caps.indices.map { i -> Int in
            guard totals[i] > 0, counts[i] > 0 else { return 0 }
            let share = oversample * Double(root.caps[i]) * Double(counts[i]) / Double(totals[i])
            return min(root.caps[i], Int(share.rounded(.up)))
        }
        return LabelCaps(labels: root.labels, caps: caps)
    }
}

/// A partition-matroid constraint as a greedy loop sees it: candidate `i` belongs to `group[i]`,
/// which may take `remaining[group]` more picks. A candidate whose group is full is skipped.
public struct GroupLimits: Sendable, Equatable {
    public var group: [Int]
    public var remaining: [Int]

    public init(group: [Int], remaining: [Int]) {
        self.group = group
        self.remaining = remaining
    }

    /// The limits `caps` put on candidates with these labels (a label without a cap: none allowed).
    public init(labels: [Int64], caps: LabelCaps) {
        let index = Dictionary(uniqueKeysWithValues: caps.labels.enumerated().map { ($1, $0) })
        group = labels.map { index[$0] ?? caps.labels.count }
        remaining = caps.caps + [0]
    }

    @inline(__always)
    public func allows(_ candidate: Int) -> Bool { remaining[group[candidate]] > 0 }

    public mutating func take(_ candidate: Int) { remaining[group[candidate]] -= 1 }
}
