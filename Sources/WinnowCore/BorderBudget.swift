/// The reaches a border check can pay for: nearest borders first (`BorderCells.Reach` order), as many
/// as fit in `budget` comparisons, stopping at the first that does not fit. Reaches may be offered in
/// any order and still give that set: reaches are held unsorted, and when they are twice as many as
/// the last choice kept, the ones that fit are chosen again (a selection by cost, in linear time) and
/// the first that does not fit becomes the cut — every reach at or beyond a cut stays out, since the
/// nearer ones already cost more than the budget with it. (A heap kept in order on every offer spent
/// 38 % of a 10M-row reaches pass in its pops, one thread at a time.)
public struct BorderBudget: Sendable {
    public let budget: Double
    private var held: [Held] = []
    /// Held reaches at which the next choice is made.
    private var chooseAt: Int
    private let chooseAtLeast: Int
    /// The nearest reach left out (nil: none yet): every reach nearer than it may be checked.
    public private(set) var cut: BorderCells.Reach?

    private struct Held {
        let reach: BorderCells.Reach
        let comparisons: Int
    }

    /// `chooseAtLeast`: reaches held before a first choice (the memory of a choice against its time).
    public init(budget: Double, chooseAtLeast: Int = 1 << 16) {
        precondition(budget >= 0 && chooseAtLeast >= 1, "BorderBudget: negative budget")
        self.budget = budget
        self.chooseAtLeast = chooseAtLeast
        chooseAt = chooseAtLeast
    }

    /// Offers a reach that costs `comparisons` (the kept rows of its cluster).
    public mutating func offer(_ reach: BorderCells.Reach, comparisons: Int) {
        if let cut, !(reach < cut) { return }
        held.append(Held(reach: reach, comparisons: comparisons))
        if held.count >= chooseAt {
            choose()
            chooseAt = max(chooseAtLeast, 2 * held.count)
        }
    }

    /// The reaches chosen, nearest first, and the comparisons each costs.
    public mutating func chosen() -> (reaches: [BorderCells.Reach], comparisons: [Int]) {
        choose()
        held.sort { $0.reach < $1.reach }
        return (held.map(\.reach), held.map(\.comparisons))
    }

    /// Keeps the held reaches that fit, in no order, and moves the cut to the first that does not.
    private mutating func choose() {
        var low = 0, high = held.count, room = budget
        // held[..<low] fit whatever comes after them; held[high...] are beyond the first that does
        // not fit. Partition around a pivot until the range is empty.
        while low < high {
            let pivot = held[low + (high - low) / 2].reach
            var i = low
            for t in low..<high where held[t].reach < pivot {
                held.swapAt(i, t)
                i += 1
            }
            let nearer = held[low..<i].reduce(0.0) { $0 + Double($1.comparisons) }
            if nearer > room {
                high = i
                continue
            }
            room -= nearer
            // The pivot, the least of held[i..<high].
            let at = held[i..<high].firstIndex { $0.reach == pivot }!
            held.swapAt(i, at)
            if Double(held[i].comparisons) > room {
                low = i
                high = i
            } else {
                room -= Double(held[i].comparisons)
                low = i + 1
            }
        }
        if low < held.count {
            let beyond = held[low...].min { $0.reach < $1.reach }!.reach
            if cut.map({ beyond < $0 }) ?? true { cut = beyond }
            held.removeSubrange(low...)
        }
    }
}

extension BorderBudget {
    /// Reaches, nearest first, that cost `costs` comparisons, cut into consecutive steps: the first of
    /// at most `first` comparisons, each next of at most twice the last (a reach that alone costs more
    /// is a step of its own; .infinity: one step). Doubling keeps a pool with nothing across its
    /// borders at the cost of the first step, and a pool with much there at a few steps.
    public static func steps(costs: [Int], first: Double) -> [Range<Int>] {
        precondition(first > 0, "BorderBudget.steps: a step must allow some comparisons")
        var out: [Range<Int>] = [], start = 0, spent = 0.0, step = first
        for (i, cost) in costs.enumerated() {
            if i > start, spent + Double(cost) > step {
                out.append(start..<i)
                start = i
                spent = 0
                step *= 2
            }
            spent += Double(cost)
        }
        if start < costs.count { out.append(start..<costs.count) }
        return out
    }

    /// The steps of `steps(costs:first:)` given to `compare` in order until one finds nothing: what
    /// they found, in step order, how many reaches (a prefix) were compared, and the steps taken.
    public static func spend<Found>(
        costs: [Int], first: Double, _ compare: (Range<Int>) throws -> [Found]
    ) rethrows -> (found: [Found], compared: Int, steps: Int) {
        var found: [Found] = [], compared = 0, taken = 0
        for range in steps(costs: costs, first: first) {
            let more = try compare(range)
            found += more
            compared = range.upperBound
            taken += 1
            if more.isEmpty { break }
        }
        return (found, compared, taken)
    }
}
