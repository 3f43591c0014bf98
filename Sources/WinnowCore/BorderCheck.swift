import WinnowNative

/// De-duplication across cluster borders. The within-cluster walk never compares rows of different
/// clusters, and near-duplicates that a border separates are both kept: on MiniLM embeddings of
/// Debian's fortunes 7 % of the pairs above 0.9. Each row kept by the walk is therefore also compared
/// with the kept rows of the other clusters it may have a near-duplicate in (`BorderCells`: those whose
/// border is nearer than a near-duplicate can be), nearest borders first as far as a budget of
/// comparisons goes (`BorderBudget`, in steps until one finds nothing), and the pairs found above the threshold are settled in the keep
/// order, as one walk over all of them would.
public enum BorderCheck {
    /// A kept row and a kept row of another cluster above the threshold.
    public struct Pair: Sendable, Equatable {
        public let row: Int64
        public let partner: Int64
        public let similarity: Float

        public init(row: Int64, partner: Int64, similarity: Float) {
            self.row = row
            self.partner = partner
            self.similarity = similarity
        }
    }

    /// Every pair of a guest and a host row (unit length) above `threshold`: guest by guest, hosts in
    /// their order. `sgemm`s of `guestSlice` guests at a time against the hosts: a large cluster draws
    /// many guests (at 10M rows, 19,000 hosts and as many guests would be 1.4 GB of products at once).
    public static func pairs(guests: VectorBlock, rows guestRows: [Int64], hosts: VectorBlock, rows hostRows: [Int64], threshold: Float) -> [Pair] {
        precondition(guests.rows == guestRows.count && hosts.rows == hostRows.count, "BorderCheck.pairs: rows")
        guard guests.rows > 0, hosts.rows > 0 else { return [] }
        var sims = [Float](repeating: 0, count: min(guestSlice, guests.rows) * hosts.rows)
        var out: [Pair] = []
        for start in stride(from: 0, to: guests.rows, by: guestSlice) {
            let slice = start..<min(start + guestSlice, guests.rows)
            BLAS.multiplyTransposed(guests.values, rows: slice, by: hosts.values, rows: 0..<hosts.rows, dimension: guests.dimension, into: &sims)
            for (i, g) in slice.enumerated() {
                for h in 0..<hosts.rows where sims[i * hosts.rows + h] > threshold {
                    out.append(Pair(row: guestRows[g], partner: hostRows[h], similarity: sims[i * hosts.rows + h]))
                }
            }
        }
        return out
    }

    public static let guestSlice = 1024

    /// The rows the pairs drop, settled in the keep order (`precedes`: a strict order of rows): a row
    /// is dropped when a row before it that is still kept is its partner, for the nearest such one
    /// (the highest cosine, then the row first in the order). A pair found from both sides counts once.
    /// Ascending by row.
    ///
    /// With `deciding`, only those rows are settled, and a partner outside them counts as kept when
    /// `alreadyKept` says so (rows decided before, which stay as they are).
    public static func settle(
        _ pairs: [Pair], deciding: Set<Int64>? = nil, alreadyKept: (Int64) -> Bool = { _ in false }, precedes: (Int64, Int64) -> Bool
    ) -> [NearDuplicates.Dropped] {
        var partners: [Int64: [(row: Int64, similarity: Float)]] = [:]
        for p in pairs where p.row != p.partner {
            partners[p.row, default: []].append((p.partner, p.similarity))
            partners[p.partner, default: []].append((p.row, p.similarity))
        }
        var kept = Set<Int64>(), dropped: [NearDuplicates.Dropped] = []
        for row in partners.keys.filter({ deciding?.contains($0) ?? true }).sorted(by: precedes) {
            var best: (row: Int64, similarity: Float)?
            for q in partners[row]! where kept.contains(q.row) || (deciding?.contains(q.row) == false && alreadyKept(q.row)) {
                if let b = best, !(q.similarity > b.similarity || (q.similarity == b.similarity && precedes(q.row, b.row))) { continue }
                best = q
            }
            if let best {
                dropped.append(NearDuplicates.Dropped(row: row, nearestKept: best.row, similarity: best.similarity))
            } else {
                kept.insert(row)
            }
        }
        return dropped.sorted { $0.row < $1.row }
    }
}
