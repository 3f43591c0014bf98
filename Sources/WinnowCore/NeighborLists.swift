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
    /// its halves (half the multiply-adds); other candidates a batch at a time against every target,
    /// the batch's values handed to the targets a tile at a time so that the tile's heaps stay in
    /// cache. Targets keep their best K so far in `TopHeaps`, which settle ties themselves, so the
    /// order values arrive in is free.
    public init(kernel: PairwiseKernel, neighbors k: Int, batch: Int = 256, tile: Int = 512) {
        precondition(k >= 1, "NeighborLists: K must be at least 1")
        let nt = kernel.targetCount, nc = kernel.candidateCount
        neighbors = k
        candidateCount = nc
        targetCount = nt
        var heaps = TopHeaps(count: nt, k: k)
        var out: [Float] = []
        if kernel.isSymmetric {
            for a in stride(from: 0, to: nt, by: tile) {
                let rows = a..<min(nt, a + tile)
                for b in stride(from: a, to: nt, by: tile) {
                    let columns = b..<min(nt, b + tile)
                    kernel.values(candidates: rows, targets: columns, into: &out)
                    let width = columns.count
                    // Row r is candidate `rows[r]` for the targets `columns`…
                    for r in 0..<rows.count {
                        heaps.offerRow(out, offset: r * width, count: width, firstTarget: b, candidate: Int32(a + r))
                    }
                    // …and, off the diagonal, target `rows[r]`'s values for the candidates `columns`.
                    guard b != a else { continue }
                    for r in 0..<rows.count {
                        heaps.offerColumn(out, offset: r * width, count: width, target: a + r, firstCandidate: Int32(b))
                    }
                }
            }
        } else {
            var scratch: [Float] = []
            for first in stride(from: 0, to: nc, by: batch) {
                let ids = Array(first..<min(nc, first + batch))
                kernel.values(for: ids, into: &out, scratch: &scratch)
                for t in stride(from: 0, to: nt, by: 2 * tile) {
                    let width = min(2 * tile, nt - t)
                    for (b, j) in ids.enumerated() {
                        heaps.offerRow(out, offset: b * nt + t, count: width, firstTarget: t, candidate: Int32(j))
                    }
                }
            }
        }
        // Turned around: count each candidate's entries, then fill in target order.
        var start = [Int](repeating: 0, count: nc + 1)
        for slot in 0..<nt * k {
            let j = heaps.entry(slot).candidate
            if j >= 0 { start[Int(j) + 1] += 1 }
        }
        for j in 0..<nc { start[j + 1] += start[j] }
        var next = Array(start.dropLast())
        var targets = [Int32](repeating: 0, count: start[nc])
        var values = [Float](repeating: 0, count: start[nc])
        for i in 0..<nt {
            for slot in i * k..<(i + 1) * k {
                let (value, candidate) = heaps.entry(slot)
                let j = Int(candidate)
                guard j >= 0 else { continue }
                targets[next[j]] = Int32(i)
                values[next[j]] = value
                next[j] += 1
            }
        }
        self.start = start
        self.targets = targets
        self.values = values
    }

    public var entryCount: Int { targets.count }
}
