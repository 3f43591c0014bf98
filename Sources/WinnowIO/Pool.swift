import WinnowCore
import WinnowNative

/// The pool: one or more 2-D float32/float16 `.npy` files with the same `d`, read as one array whose
/// global row numbers run through the files in manifest order. Only headers are read to open it;
/// rows come from the memory maps on demand.
public final class Pool: Sendable {
    public struct File: Sendable {
        public let npy: NpyFile
        public let rows: Int
        /// Global row number of this file's first row.
        public let firstRow: Int
        public var path: String { npy.path }
        public var dtype: NpyHeader.DType { npy.header.dtype }
    }

    public let files: [File]
    public let dimension: Int
    public let totalRows: Int

    public static func open(paths: [String]) throws(InputError) -> Pool {
        guard !paths.isEmpty else { throw InputError(.emptyPool, path: "", "no input files") }
        var files: [File] = []
        var dimension: Int?
        var next = 0
        for path in paths {
            let npy = try NpyFile.open(path)
            let h = npy.header
            guard h.dtype == .float32 || h.dtype == .float16 else {
                throw InputError(
                    .unsupportedDtype, path: path, byteOffset: 0,
                    "dtype '\(h.dtype.rawValue)' is not a pool dtype: vectors must be '<f4' (float32) or '<f2' (float16)"
                        + (h.shape.count == 1
                            ? "; this looks like a side column (one value per row): glob only the pool's files (winnow generate's are DIR/pool-*.npy) and pass it with --labels, --ids or --rows"
                            : ""))
            }
            guard h.shape.count == 2 else {
                throw InputError(
                    .badShape, path: path, byteOffset: 0,
                    "shape \(h.shape) is \(h.shape.count)-D: a pool file must be 2-D (rows, d)")
            }
            guard !h.fortranOrder || h.shape[0] <= 1 || h.shape[1] <= 1 else {
                throw InputError(
                    .fortranOrder, path: path, byteOffset: 0,
                    "array is in Fortran order; save it in C order (numpy.ascontiguousarray)")
            }
            guard h.shape[1] >= 1 else {
                throw InputError(.badShape, path: path, byteOffset: 0, "vectors have d = 0")
            }
            if let d = dimension, d != h.shape[1] {
                throw InputError(
                    .dimensionMismatch, path: path, byteOffset: 0,
                    "d = \(h.shape[1]) differs from d = \(d) of \(files[0].path)")
            }
            dimension = h.shape[1]
            files.append(File(npy: npy, rows: h.shape[0], firstRow: next))
            next += h.shape[0]
        }
        guard next > 0 else { throw InputError(.emptyPool, path: paths[0], "the pool has no rows") }
        return Pool(files: files, dimension: dimension!, totalRows: next)
    }

    private init(files: [File], dimension: Int, totalRows: Int) {
        self.files = files
        self.dimension = dimension
        self.totalRows = totalRows
    }

    /// The file holding a global row, and the row's number inside it.
    public func locate(_ row: Int) -> (file: Int, row: Int) {
        var lo = 0, hi = files.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if files[mid].firstRow <= row { lo = mid } else { hi = mid - 1 }
        }
        return (lo, row - files[lo].firstRow)
    }

    /// The vectors of global row ranges, in order, widened to Float.
    public func read(_ ranges: [Range<Int>]) -> VectorBlock {
        var out: [Float] = []
        out.reserveCapacity(ranges.reduce(0) { $0 + $1.count } * dimension)
        for range in ranges { append(range, to: &out) }
        return VectorBlock(values: out, dimension: dimension)
    }

    /// The vectors of global rows, in the order given (consecutive rows are read as one range). Pages
    /// are let go after every `releaseEvery` ranges, or sooner once the ranges reach into
    /// `releaseStretches` stretches of `stretchBytes`, over the rows those ranges span: rows scattered
    /// over a range (a sample) share pages, which releasing after each row would read again and again,
    /// and a cluster's rows scattered over the whole pool would touch all of it before one release at
    /// the end (a worker held 7.7 GB of a 10M-row pool's pages that way). A kernel that maps a file 2
    /// MiB at a time maps that much for each scattered row: 1,024 of them held 2 GB resident.
    public func read(rows: [Int]) -> VectorBlock {
        var ranges: [Range<Int>] = []
        for r in rows {
            if let last = ranges.last, last.upperBound == r {
                ranges[ranges.count - 1] = last.lowerBound..<r + 1
            } else {
                ranges.append(r..<r + 1)
            }
        }
        var out: [Float] = []
        out.reserveCapacity(rows.count * dimension)
        // Rows of one stretch, roughly (files and their element sizes aside: it only paces releases).
        let stretchRows = max(1, Self.stretchBytes / (2 * dimension))
        var start = 0
        while start < ranges.count {
            var end = start, stretches = 0, last = -1
            while end < ranges.count, end - start < Self.releaseEvery, stretches < Self.releaseStretches {
                let first = ranges[end].lowerBound / stretchRows
                stretches += (first == last ? 0 : 1) + (ranges[end].upperBound - 1) / stretchRows - first
                last = (ranges[end].upperBound - 1) / stretchRows
                append(ranges[end], to: &out, releasing: false)
                end += 1
            }
            let group = ranges[start..<end]
            release(group.map(\.lowerBound).min()!..<group.map(\.upperBound).max()!)
            start = end
        }
        return VectorBlock(values: out, dimension: dimension)
    }

    static let releaseEvery = 1024
    static let releaseStretches = 64
    static let stretchBytes = 2 << 20

    /// Lets go of the mapped pages of a range of rows.
    private func release(_ range: Range<Int>) {
        forEachSpan(of: range) { file, offset, bytes, _ in file.npy.map.release(offset: offset, count: bytes) }
    }

    private func append(_ range: Range<Int>, to out: inout [Float], releasing: Bool = true) {
        forEachSpan(of: range) { file, offset, bytes, rows in
            file.npy.map.appendFloats(at: offset, rows: rows, dimension: dimension, elementSize: file.dtype.size, to: &out)
            // Copied out: a process's resident memory is then what it works on, not the pool pages
            // it has read (design §2: a worker's memory depends on the chunk size, not on N).
            if releasing { file.npy.map.release(offset: offset, count: bytes) }
        }
    }

    /// A range of global rows as the files hold it: each file's share, by byte offset, byte count and rows.
    private func forEachSpan(of range: Range<Int>, _ body: (File, Int, Int, Int) -> Void) {
        var row = range.lowerBound
        while row < range.upperBound {
            let (f, local) = locate(row)
            let file = files[f]
            let count = min(range.upperBound - row, file.rows - local)
            let size = file.dtype.size
            body(file, file.npy.header.dataOffset + local * dimension * size, count * dimension * size, count)
            row += count
        }
    }

    /// Byte offset of a global row in its file (for messages and duplicate checks).
    public func byteOffset(ofRow row: Int) -> (file: Int, offset: Int) {
        let (f, local) = locate(row)
        let file = files[f]
        return (f, file.npy.header.dataOffset + local * dimension * file.dtype.size)
    }

    /// Every row of the pool holding NaN/Inf (ascending), read `blockRows` rows at a time.
    public func nonfiniteRows(blockRows: Int = 65_536) -> [Int] {
        stride(from: 0, to: totalRows, by: blockRows).flatMap { start in
            let end = min(totalRows, start + blockRows)
            return Self.nonfiniteRows(read([start..<end]), rows: (start..<end).map(Int64.init)).map(Int.init)
        }
    }

    /// Every non-finite row among `rows` (global, ascending) whose vectors are `block`.
    public static func nonfiniteRows(_ block: VectorBlock, rows: [Int64]) -> [Int64] {
        (0..<block.rows).compactMap { i in
            EmbeddingStatistics.isFinite(block.values, offset: i * block.dimension, dimension: block.dimension) ? nil : rows[i]
        }
    }

    /// `block` (the vectors of `rows`, ascending) without its non-finite rows: the finite rows' vectors,
    /// their offsets in `block` (nil: every row is finite) and the rows left out.
    public static func leavingOutNonfinite(_ block: VectorBlock, rows: [Int]) -> (finite: VectorBlock, kept: [Int]?, left: [Int64]) {
        let bad = nonfiniteRows(block, rows: rows.map(Int64.init))
        guard !bad.isEmpty else { return (block, nil, []) }
        let out = Set(bad)
        let kept = rows.indices.filter { !out.contains(Int64(rows[$0])) }
        return (block.gather(kept), kept, bad)
    }

    /// The error for a non-finite row under `--nonfinite fail`.
    public func nonfiniteError(row: Int64, count: Int) -> InputError {
        let (f, local) = locate(Int(row))
        let more = count > 1 ? " (and \(count - 1) more in the same chunk)" : ""
        return InputError(
            .nonfinite, path: files[f].path, row: local,
            "row \(local) (global row \(row)) has a NaN or Inf value\(more); rerun with --nonfinite skip to exclude such rows")
    }
}
