import WinnowNative

/// De-duplication across cluster borders. The within-cluster walk never compares rows of different
/// clusters, and near-duplicates that a border separates are both kept: on MiniLM embeddings of
/// Debian's fortunes 7 % of the pairs above 0.9. Each row kept by the walk is therefore also compared
/// with the rows kept in its runner-up cluster (its second-nearest centroid), and the pairs found
/// above the threshold are settled in the keep order, as one walk over all of them would.
///
/// A row needs no comparison where the border is further than a near-duplicate can be: for rows of
/// unit length, cosine > t means distance < δ = √(2 − 2t), and every row of the runner-up's cell lies
/// beyond the bisector of the two centroids, at `(‖x − r‖² − ‖x − c‖²) / (2‖c − r‖)` from `x`.
public enum BorderCheck {
    /// A kept row and a kept row of its runner-up cluster above the threshold.
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

    /// Whether a row (unit length) of the cluster centred at `own` can have a row of the runner-up's
    /// cell (centred at `runnerUp`) above `threshold`: its distance to their bisector is below δ.
    /// Computed in Double, with a margin for the float rows and centroids: it may say yes needlessly,
    /// never no wrongly.
    public static func reaches(_ row: ArraySlice<Float>, own: ArraySlice<Float>, runnerUp: ArraySlice<Float>, threshold: Float) -> Bool {
        var toOwn = 0.0, toRunnerUp = 0.0, apart = 0.0
        for (x, (c, r)) in zip(row, zip(own, runnerUp)) {
            let x = Double(x), c = Double(c), r = Double(r)
            toOwn += (x - c) * (x - c)
            toRunnerUp += (x - r) * (x - r)
            apart += (c - r) * (c - r)
        }
        let delta = (2 - 2 * Double(threshold)).squareRoot()
        guard apart > 0 else { return true }
        return (toRunnerUp - toOwn) / (2 * apart.squareRoot()) < delta * (1 + 1e-4) + 1e-6
    }

    /// Every pair of a guest and a host row (unit length) above `threshold`: guest by guest, hosts in
    /// their order. One `sgemm` of the guests against the hosts.
    public static func pairs(guests: VectorBlock, rows guestRows: [Int64], hosts: VectorBlock, rows hostRows: [Int64], threshold: Float) -> [Pair] {
        precondition(guests.rows == guestRows.count && hosts.rows == hostRows.count, "BorderCheck.pairs: rows")
        guard guests.rows > 0, hosts.rows > 0 else { return [] }
        var sims = [Float](repeating: 0, count: guests.rows * hosts.rows)
        BLAS.multiplyTransposed(guests.values, rows: 0..<guests.rows, by: hosts.values, rows: 0..<hosts.rows, dimension: guests.dimension, into: &sims)
        var out: [Pair] = []
        for g in 0..<guests.rows {
            for h in 0..<hosts.rows where sims[g * hosts.rows + h] > threshold {
                out.append(Pair(row: guestRows[g], partner: hostRows[h], similarity: sims[g * hosts.rows + h]))
            }
        }
        return out
    }

    /// The rows the pairs drop, settled in the keep order (`precedes`: a strict order of rows): a row
    /// is dropped when a row before it that is still kept is its partner, for the nearest such one
    /// (the highest cosine, then the row first in the order). A pair found from both sides counts once.
    /// Ascending by row.
    public static func settle(_ pairs: [Pair], precedes: (Int64, Int64) -> Bool) -> [NearDuplicates.Dropped] {
        var partners: [Int64: [(row: Int64, similarity: Float)]] = [:]
        for p in pairs where p.row != p.partner {
            partners[p.row, default: []].append((p.partner, p.similarity))
            partners[p.partner, default: []].append((p.row, p.similarity))
        }
        var kept = Set<Int64>(), dropped: [NearDuplicates.Dropped] = []
        for row in partners.keys.sorted(by: precedes) {
            var best: (row: Int64, similarity: Float)?
            for q in partners[row]! where kept.contains(q.row) {
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
