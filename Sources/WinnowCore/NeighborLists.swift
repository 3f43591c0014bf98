import WinnowNative

/// Each target's K most similar candidates, turned around: for every candidate, the targets that
/// count it among their K and its similarity to each. Sparse facility location reads a candidate's
/// gain from its own list, so a chunk of n rows needs n · K entries, not an n × n block.
///
/// The lists are exact for the kernel's values: a target keeps its K largest similarities, equal
/// values going to the smaller candidate index; each candidate's targets are in increasing order.
/// Within a chunk a pair's similarity is computed once and serves both of its rows.
public struct NeighborLists: Sendable {
    public let neighbors: Int
    public let candidateCount: Int
    public let targetCount: Int
    /// Candidate `j`'s entries are `start[j] ..< start[j + 1]` of `targets` and `values`.
    public let start: [Int]
    public let targets: [Int32]
    public let values: [Float]

    /// A chunk against itself is walked in tiles on and above the diagonal, each serving both of
    /// its halves (half the multiply-adds); other candidates a batch at a time against every target.
    /// Targets keep a heap of their best K so far, with its worst value beside the others so that
    /// a scan is one compare; the heap settles ties itself, so the order values arrive in is free.
    public init(kernel: PairwiseKernel, neighbors k: Int, batch: Int = 256, tile: Int = 512) {
        precondition(k >= 1, "NeighborLists: K must be at least 1")
        let nt = kernel.targetCount, nc = kernel.candidateCount
        neighbors = k
        candidateCount = nc
        targetCount = nt
        var heaps = TopHeaps(count: nt, k: k)
        var out: [Float] = [], hits: [Int] = []
        if kernel.isSymmetric {
            for a in stride(from: 0, to: nt, by: tile) {
                let rows = a..<min(nt, a + tile)
                for b in stride(from: a, to: nt, by: tile) {
                    let columns = b..<min(nt, b + tile)
                    kernel.values(candidates: rows, targets: columns, into: &out)
                    let width = columns.count
                    // Row r is candidate `rows[r]` for the targets `columns`…
                    for r in 0..<rows.count {
                        Kernels.indicesReaching(
                            out, offset: r * width, count: width, thresholds: heaps.threshold,
                            thresholdOffset: b, into: &hits)
                        for c in hits { heaps.offer(out[r * width + c], candidate: Int32(a + r), to: b + c) }
                    }
                    // …and, off the diagonal, target `rows[r]`'s values for the candidates `columns`.
                    guard b != a else { continue }
                    for r in 0..<rows.count {
                        Kernels.indicesReaching(out, offset: r * width, count: width, threshold: heaps.threshold[a + r], into: &hits)
                        for c in hits { heaps.offer(out[r * width + c], candidate: Int32(b + c), to: a + r) }
                    }
                }
            }
        } else {
            var scratch: [Float] = []
            for first in stride(from: 0, to: nc, by: batch) {
                let ids = Array(first..<min(nc, first + batch))
                kernel.values(for: ids, into: &out, scratch: &scratch)
                for (b, j) in ids.enumerated() {
                    Kernels.indicesReaching(out, offset: b * nt, count: nt, thresholds: heaps.threshold, thresholdOffset: 0, into: &hits)
                    for i in hits { heaps.offer(out[b * nt + i], candidate: Int32(j), to: i) }
                }
            }
        }
        // Turned around: count each candidate's entries, then fill in target order.
        var start = [Int](repeating: 0, count: nc + 1)
        for j in heaps.candidate where j >= 0 { start[Int(j) + 1] += 1 }
        for j in 0..<nc { start[j + 1] += start[j] }
        var next = Array(start.dropLast())
        var targets = [Int32](repeating: 0, count: start[nc])
        var values = [Float](repeating: 0, count: start[nc])
        for i in 0..<nt {
            for slot in i * k..<(i + 1) * k {
                let j = Int(heaps.candidate[slot])
                guard j >= 0 else { continue }
                targets[next[j]] = Int32(i)
                values[next[j]] = heaps.value[slot]
                next[j] += 1
            }
        }
        self.start = start
        self.targets = targets
        self.values = values
    }

    public var entryCount: Int { targets.count }
}

/// One bounded min-heap per target in flat arrays: slot `i · k` is target `i`'s worst kept entry
/// (the smallest value; among equal values the larger candidate index). Empty slots hold −∞ and
/// candidate −1, so that while a list is short every finite value enters.
private struct TopHeaps {
    let k: Int
    var value: [Float]
    var candidate: [Int32]
    /// `value[i · k]`, contiguous: what a new value must exceed to enter target `i`'s list.
    var threshold: [Float]

    init(count: Int, k: Int) {
        self.k = k
        value = [Float](repeating: -.infinity, count: count * k)
        candidate = [Int32](repeating: -1, count: count * k)
        threshold = [Float](repeating: -.infinity, count: count)
    }

    /// Keeps `(v, j)` when it beats the worst kept entry: a larger value, or an equal value from a
    /// smaller candidate (the scans pass equal values on to here).
    mutating func offer(_ v: Float, candidate j: Int32, to i: Int) {
        let base = i * k
        guard v > value[base] || (v == value[base] && j < candidate[base]) else { return }
        value[base] = v
        candidate[base] = j
        var at = 0
        while true {
            let left = 2 * at + 1, right = left + 1
            var worst = at
            if left < k && worse(base + left, than: base + worst) { worst = left }
            if right < k && worse(base + right, than: base + worst) { worst = right }
            if worst == at { break }
            value.swapAt(base + at, base + worst)
            candidate.swapAt(base + at, base + worst)
            at = worst
        }
        threshold[i] = value[base]
    }

    private func worse(_ a: Int, than b: Int) -> Bool {
        value[a] < value[b] || (value[a] == value[b] && candidate[a] > candidate[b])
    }
}
