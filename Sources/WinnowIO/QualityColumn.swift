/// A per-row column a selection reads beside the pool (`--quality`, `--labels`): memory-mapped, one
/// entry per pool row, opened by path and checked against the pool's row count.
public protocol SideColumnFile: Sendable {
    var npy: NpyFile { get }
    var rows: Int { get }
    static func open(_ path: String, rows: Int) throws(InputError) -> Self
}

extension SideColumnFile {
    public var path: String { npy.path }
}

/// `--quality FILE` as the selection reads it: one float32 score per pool row, memory-mapped, read
/// for the rows a task needs (workers never load the whole column).
public struct QualityColumn: SideColumnFile {
    public let npy: NpyFile
    public let rows: Int

    /// Opens `path` and checks it is a float32 column of `rows` entries.
    public static func open(_ path: String, rows: Int) throws(InputError) -> QualityColumn {
        try open(path, rows: rows, what: "--quality")
    }

    /// The same for another float32 column (`--score`), named so in errors.
    public static func open(_ path: String, rows: Int, what: String) throws(InputError) -> QualityColumn {
        QualityColumn(npy: try SideColumns.column(path, rows: rows, what: what, allowed: [.float32]), rows: rows)
    }

    /// The scores of `rows` (global row numbers), in order; a NaN or Inf score is refused naming its row.
    public func values(of rows: [Int64]) throws(InputError) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows.count)
        for row in rows {
            npy.map.appendFloats(at: npy.header.dataOffset + Int(row) * 4, rows: 1, dimension: 1, elementSize: 4, to: &out)
            guard out[out.count - 1].isFinite else {
                throw InputError(.nonfinite, path: path, row: Int(row), "score of row \(row) is NaN or Inf")
            }
        }
        return out
    }
}
