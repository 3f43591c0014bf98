/// How the pool's global rows are cut into chunks (design §2, phase 1). Depends only on the row count
/// and the settings — never on the number of workers — so every run with the same inputs and seed
/// cuts the same chunks.
public struct ChunkPlan: Sendable, Equatable {
    public let totalRows: Int
    /// Each chunk's rows as sorted, non-overlapping, coalesced ranges of global rows.
    public let chunks: [[Range<Int>]]

    public init(totalRows: Int, settings: SelectionSettings) {
        self.totalRows = totalRows
        guard totalRows > 0 else {
            chunks = []
            return
        }
        let chunkCount = (totalRows + settings.chunkRows - 1) / settings.chunkRows
        switch settings.partition {
        case .contiguous:
            chunks = (0 ..< chunkCount).map { c in
                [c * settings.chunkRows ..< min(totalRows, (c + 1) * settings.chunkRows)]
            }
        case .random:
            let b = settings.blockRows
            var blocks = Array(0 ..< (totalRows + b - 1) / b)
            var random = SeededRandom(seed: settings.seed, stream: .partition)
            random.shuffle(&blocks)
            let perChunk = settings.chunkRows / b
            chunks = (0 ..< chunkCount).map { c in
                let mine = blocks[min(blocks.count, c * perChunk) ..< min(blocks.count, (c + 1) * perChunk)].sorted()
                var ranges: [Range<Int>] = []
                for block in mine {
                    let r = block * b ..< min(totalRows, (block + 1) * b)
                    if let last = ranges.last, last.upperBound == r.lowerBound {
                        ranges[ranges.count - 1] = last.lowerBound ..< r.upperBound
                    } else {
                        ranges.append(r)
                    }
                }
                return ranges
            }
        }
    }

    public func rowCount(ofChunk c: Int) -> Int { chunks[c].reduce(0) { $0 + $1.count } }

    /// The chunk's global rows, ascending.
    public func rows(ofChunk c: Int) -> [Int64] { chunks[c].flatMap { $0.map { Int64($0) } } }
}
