/// The fixed reduction tree over chunks (design §2, phase 4): level 0 holds the chunks in chunk order;
/// each node of level `l + 1` merges up to `fanIn` consecutive nodes of level `l`; the last level has
/// one node, the root. Merges read children in node order, never in arrival order.
public struct MergeTree: Sendable, Equatable {
    public struct Node: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let level: Int
        public let index: Int
        public init(level: Int, index: Int) {
            self.level = level
            self.index = index
        }
        public static func < (a: Node, b: Node) -> Bool { (a.level, a.index) < (b.level, b.index) }
        public var description: String { "L\(level).\(index)" }
    }

    public let fanIn: Int
    /// Node count per level; `levelSizes[0]` is the chunk count.
    public let levelSizes: [Int]

    public init(leaves: Int, fanIn: Int) {
        precondition(leaves >= 1 && fanIn >= 2)
        self.fanIn = fanIn
        var sizes = [leaves]
        while sizes.last! > 1 { sizes.append((sizes.last! + fanIn - 1) / fanIn) }
        levelSizes = sizes
    }

    public var root: Node { Node(level: levelSizes.count - 1, index: 0) }

    public func children(of node: Node) -> [Node] {
        guard node.level > 0 else { return [] }
        let below = levelSizes[node.level - 1]
        return (node.index * fanIn..<min(below, (node.index + 1) * fanIn)).map { Node(level: node.level - 1, index: $0) }
    }

    public func parent(of node: Node) -> Node? {
        node == root ? nil : Node(level: node.level + 1, index: node.index / fanIn)
    }

    /// The chunks beneath a node.
    public func leaves(of node: Node) -> Range<Int> {
        var lower = node.index, upper = node.index + 1
        for _ in 0..<node.level {
            lower *= fanIn
            upper *= fanIn
        }
        return lower..<min(upper, levelSizes[0])
    }

    /// Every merge node (level ≥ 1), bottom level first, in index order.
    public var mergeNodes: [Node] {
        levelSizes.indices.dropFirst().flatMap { l in (0..<levelSizes[l]).map { Node(level: l, index: $0) } }
    }
}

/// Local and merge budgets (design §2, phases 3–4).
public struct BudgetRule: Sendable, Equatable {
    public let k: Int
    public let oversample: Double
    public let totalRows: Int

    public init(k: Int, oversample: Double, totalRows: Int) {
        self.k = k
        self.oversample = oversample
        self.totalRows = totalRows
    }

    /// A chunk's local budget: `min(rows, k, ⌈α · k · rows / N⌉)`, or `min(rows, k)` when the chunk
    /// is the whole tree.
    public func leafBudget(rows: Int, isRoot: Bool) -> Int {
        if isRoot { return min(k, rows) }
        return max(1, min(rows, k, share(rows, oversample)))
    }

    /// A merge node's budget: `k` at the root. Below it, at most `⌈α · k · rows / N⌉` and at most half
    /// of the node's candidates, but never less than the node's plain share `⌈k · rows / N⌉`. With a
    /// constant α alone, an inner node's budget equals the sum of its children's and candidates pile up
    /// unchanged until the root (design §2b: 800,000 at 10M rows); halving per level keeps the root near
    /// a few times k, and the plain-share floor keeps at least k candidates reaching it.
    public func mergeBudget(rows: Int, candidates: Int, isRoot: Bool) -> Int {
        if isRoot { return min(k, candidates) }
        let halved = max(share(rows, 1), (candidates + 1) / 2)
        return max(1, min(candidates, k, share(rows, oversample), halved))
    }

    /// The most a non-root merge node over `rows` pool rows may keep, whatever its candidates.
    public func mergeBudgetBound(rows: Int) -> Int { max(1, min(k, share(rows, oversample))) }

    private func share(_ rows: Int, _ factor: Double) -> Int {
        Int((factor * Double(k) * Double(rows) / Double(max(1, totalRows))).rounded(.up))
    }

    /// `k` apportioned over parts of `rows` pool rows each, summing to exactly `min(k, Σ rows)`:
    /// each part gets ⌊k · rows / N⌋, and the rest go one each to the largest remainders (the
    /// earlier part on a tie). Integer arithmetic, so every process plans the same shares.
    public static func apportion(_ k: Int, over rows: [Int]) -> [Int] {
        let total = rows.reduce(0, +)
        guard total > 0 else { return rows.map { _ in 0 } }
        let k = min(k, total)
        var shares = rows.map { k * $0 / total }
        let order = rows.indices.sorted { a, b in
            let ra = k * rows[a] % total, rb = k * rows[b] % total
            return ra != rb ? ra > rb : a < b
        }
        var left = k - shares.reduce(0, +)
        for i in order where left > 0 && shares[i] < rows[i] {
            shares[i] += 1
            left -= 1
        }
        return shares
    }
}
