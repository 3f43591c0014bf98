/// The reaches a border check can pay for: nearest borders first (`BorderCells.Reach` order), as many
/// as fit in `budget` comparisons, stopping at the first that does not fit. Reaches may be offered in
/// any order and still give that set: an offer that overflows the budget cuts off the farthest reach
/// held, and every reach at or beyond a cut stays out, since the nearer ones already cost more than
/// the budget with it.
public struct BorderBudget: Sendable {
    public let budget: Double
    private var held = Heap()
    private var cost = 0.0
    /// The nearest reach left out (nil: none yet): every reach nearer than it is checked.
    public private(set) var cut: BorderCells.Reach?

    public init(budget: Double) {
        precondition(budget >= 0, "BorderBudget: negative budget")
        self.budget = budget
    }

    /// Offers a reach that costs `comparisons` (the kept rows of its cluster).
    public mutating func offer(_ reach: BorderCells.Reach, comparisons: Int) {
        if let cut, !(reach < cut) { return }
        held.push((reach, comparisons))
        cost += Double(comparisons)
        while cost > budget, let farthest = held.popMax() {
            cost -= Double(farthest.comparisons)
            cut = farthest.reach
        }
    }

    /// The reaches held, nearest first, and the comparisons they cost.
    public func chosen() -> (reaches: [BorderCells.Reach], comparisons: Double) {
        (held.items.map(\.reach).sorted(), cost)
    }

    /// A max-heap by reach order.
    private struct Heap: Sendable {
        var items: [(reach: BorderCells.Reach, comparisons: Int)] = []

        mutating func push(_ item: (reach: BorderCells.Reach, comparisons: Int)) {
            items.append(item)
            var i = items.count - 1
            while i > 0, items[(i - 1) / 2].reach < items[i].reach {
                items.swapAt(i, (i - 1) / 2)
                i = (i - 1) / 2
            }
        }

        mutating func popMax() -> (reach: BorderCells.Reach, comparisons: Int)? {
            guard !items.isEmpty else { return nil }
            items.swapAt(0, items.count - 1)
            let top = items.removeLast()
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < items.count, items[largest].reach < items[l].reach { largest = l }
                if r < items.count, items[largest].reach < items[r].reach { largest = r }
                if largest == i { break }
                items.swapAt(i, largest)
                i = largest
            }
            return top
        }
    }
}
