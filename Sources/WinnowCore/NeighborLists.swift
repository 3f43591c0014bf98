import Foundation
import Synchronization
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
    /// its halves (half the multiply-adds). Other candidates are compared a batch at a time with the
    /// targets of one part (`targetPart` of them) after another, each part keeping its own heaps; the
    /// parts are fixed, so the products and their values are the same whether one thread or
    /// `threads` share the parts out, and a batch's values reach a part's heaps a tile at a time, in
    /// cache. Targets keep their best K so far in `TopHeaps`, which settle ties themselves, so the
    /// order values arrive in is free.
    public init(kernel: PairwiseKernel, neighbors k: Int, batch: Int = 256, tile: Int = 512, threads: Int = 1) {
        precondition(k >= 1, "NeighborLists: K must be at least 1")
        let nt = kernel.targetCount, nc = kernel.candidateCount
        neighbors = k
        candidateCount = nc
        targetCount = nt
        let parts: [Range<Int>]
        let heaps: [TopHeaps]
        if kernel.isSymmetric {
            parts = [0..<nt]
            heaps = [Self.symmetricHeaps(kernel, k: k, tile: tile)]
        } else {
            parts = stride(from: 0, to: nt, by: Self.targetPart).map { $0..<min(nt, $0 + Self.targetPart) }
            heaps = Self.partHeaps(kernel, parts: parts, k: k, batch: batch, tile: tile, threads: threads)
        }
        // Turned around: count each candidate's entries, then fill in target order.
        var start = [Int](repeating: 0, count: nc + 1)
        for part in heaps {
            for slot in 0..<part.slotCount {
                let j = part.entry(slot).candidate
                if j >= 0 { start[Int(j) + 1] += 1 }
            }
        }
        for j in 0..<nc { start[j + 1] += start[j] }
        var next = Array(start.dropLast())
        var targets = [Int32](repeating: 0, count: start[nc])
        var values = [Float](repeating: 0, count: start[nc])
        for (part, range) in zip(heaps, parts) {
            for i in range {
                let first = (i - range.lowerBound) * k
                for slot in first..<first + k {
                    let (value, candidate) = part.entry(slot)
                    let j = Int(candidate)
                    guard j >= 0 else { continue }
                    targets[next[j]] = Int32(i)
                    values[next[j]] = value
                    next[j] += 1
                }
            }
        }
        self.start = start
        self.targets = targets
        self.values = values
    }

    public var entryCount: Int { targets.count }

    /// Targets per part when candidates are not the targets: a part's heaps (8 MiB at K = 64) and a
    /// batch's values for it (16 MiB) stay small whatever the sample, and parts are what threads share.
    public static let targetPart = 16_384

    /// A chunk's heaps: every tile on and above the diagonal serves as rows for its column targets
    /// and, off the diagonal, as columns for its row targets.
    private static func symmetricHeaps(_ kernel: PairwiseKernel, k: Int, tile: Int) -> TopHeaps {
        let nt = kernel.targetCount
        var heaps = TopHeaps(count: nt, k: k)
        var out: [Float] = []
        for a in stride(from: 0, to: nt, by: tile) {
            let rows = a..<min(nt, a + tile)
            for b in stride(from: a, to: nt, by: tile) {
                let columns = b..<min(nt, b + tile)
                kernel.values(candidates: rows, targets: columns, into: &out)
                let width = columns.count
                for r in 0..<rows.count {
                    heaps.offerRow(out, offset: r * width, count: width, firstTarget: b, candidate: Int32(a + r))
                }
                guard b != a else { continue }
                for r in 0..<rows.count {
                    heaps.offerColumn(out, offset: r * width, count: width, target: a + r, firstCandidate: Int32(b))
                }
            }
        }
        return heaps
    }

    /// Each part's heaps over every candidate, the parts dealt to `threads` threads in turn.
    private static func partHeaps(
        _ kernel: PairwiseKernel, parts: [Range<Int>], k: Int, batch: Int, tile: Int, threads: Int
    ) -> [TopHeaps] {
        let nc = kernel.candidateCount
        @Sendable func heaps(of part: Range<Int>) -> TopHeaps {
            var heaps = TopHeaps(count: part.count, k: k)
            var out: [Float] = [], scratch: [Float] = []
            for first in stride(from: 0, to: nc, by: batch) {
                let ids = Array(first..<min(nc, first + batch))
                kernel.values(for: ids, targets: part, into: &out, scratch: &scratch)
                for t in stride(from: 0, to: part.count, by: 2 * tile) {
                    let width = min(2 * tile, part.count - t)
                    for (b, j) in ids.enumerated() {
                        heaps.offerRow(out, offset: b * part.count + t, count: width, firstTarget: t, candidate: Int32(j))
                    }
                }
            }
            return heaps
        }
        let workers = max(1, min(threads, parts.count))
        guard workers > 1 else { return parts.map(heaps(of:)) }
        let done = Mutex([TopHeaps?](repeating: nil, count: parts.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for p in stride(from: w, to: parts.count, by: workers) {
                let made = heaps(of: parts[p])
                done.withLock { $0[p] = made }
            }
        }
        return done.withLock { $0.map { $0! } }
    }
}
