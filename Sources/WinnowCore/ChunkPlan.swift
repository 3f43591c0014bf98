/// How the pool's global rows are cut into chunks (design §2, phase 1). Depends only on the row count,
/// the settings, the rows a selection may use (`--rows`, `--exclude`) and (`--partition cluster`) the
/// rows' clusters — never on the number of workers — so every run with the same inputs and seed cuts
/// the same chunks.
public struct ChunkPlan: Sendable, Equatable {
    /// The rows the chunks hold together.
    public let totalRows: Int
    /// Each chunk's rows as sorted, non-overlapping, coalesced ranges of global rows.
    public let chunks: [[Range<Int>]]

    /// - Parameters:
    ///   - totalRows: the pool's rows.
    ///   - clusters: each pool row's cluster, for `.cluster` (−1: a row left out, ordered first).
    ///   - eligible: the global rows to plan, ascending and distinct (nil: all). The chunks are cut
    ///     from them as from a pool of only those rows, each position mapped back to its global row:
    ///     the plan of a pool copied from them, in global rows.
    public init(totalRows: Int, settings: SelectionSettings, clusters: [Int32]? = nil, eligible: [Int]? = nil) {
        if let eligible {
            let local = ChunkPlan(totalRows: eligible.count, settings: settings, clusters: clusters.map { c in eligible.map { c[$0] } })
            self.totalRows = local.totalRows
            chunks = local.chunks.map { ranges in Self.coalesced(ranges.flatMap { $0.map { eligible[$0]..<eligible[$0] + 1 } }) }
            return
        }
        self.totalRows = totalRows
        guard totalRows > 0 else {
            chunks = []
            return
        }
        let chunkCount = (totalRows + settings.chunkRows - 1) / settings.chunkRows
        switch settings.partition {
        case .cluster:
            guard let clusters, clusters.count == totalRows else { preconditionFailure("ChunkPlan: --partition cluster without every row's cluster") }
            // Rows by (cluster, row): a stable counting sort.
            let order = (0..<totalRows).sorted { (clusters[$0], $0) < (clusters[$1], $1) }
            chunks = (0..<chunkCount).map { c in
                Self.coalesced(order[c * settings.chunkRows..<min(totalRows, (c + 1) * settings.chunkRows)].sorted().map { $0..<$0 + 1 })
            }
        case .contiguous:
            chunks = (0..<chunkCount).map { c in
                [c * settings.chunkRows..<min(totalRows, (c + 1) * settings.chunkRows)]
            }
        case .random:
            let b = settings.blockRows
            var blocks = Array(0..<(totalRows + b - 1) / b)
            var random = SeededRandom(seed: settings.seed, stream: .partition)
            random.shuffle(&blocks)
            let perChunk = settings.chunkRows / b
            chunks = (0..<chunkCount).map { c in
                let mine = blocks[min(blocks.count, c * perChunk)..<min(blocks.count, (c + 1) * perChunk)].sorted()
                return Self.coalesced(mine.map { $0 * b..<min(totalRows, ($0 + 1) * b) })
            }
        }
    }

    /// Ascending, non-overlapping ranges with touching neighbours joined.
    private static func coalesced(_ sorted: [Range<Int>]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for r in sorted {
            if let last = ranges.last, last.upperBound == r.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<r.upperBound
            } else {
                ranges.append(r)
            }
        }
        return ranges
    }

    public func rowCount(ofChunk c: Int) -> Int { chunks[c].reduce(0) { $0 + $1.count } }

    /// The chunk's global rows, ascending.
    public func rows(ofChunk c: Int) -> [Int64] { chunks[c].flatMap { $0.map { Int64($0) } } }
}
