/// `--labels FILE` as the selection reads it: one int64 or int32 label per pool row, memory-mapped;
/// workers read the labels of their chunks' rows, the planner reads them all once.
public struct LabelColumn: SideColumnFile {
    public let npy: NpyFile
    public let rows: Int

    /// Opens `path` and checks it is an int64/int32 column of `rows` entries.
    public static func open(_ path: String, rows: Int) throws(InputError) -> LabelColumn {
        LabelColumn(npy: try SideColumns.column(path, rows: rows, what: "--labels", allowed: [.int64, .int32]), rows: rows)
    }

    /// The labels of `rows` (global row numbers), in order.
    public func values(of rows: [Int64]) -> [Int64] {
        let size = npy.header.dtype.size
        return rows.map { npy.map.integers(at: npy.header.dataOffset + Int($0) * size, count: 1, elementSize: size)[0] }
    }

    /// Every row's label.
    public func all() -> [Int64] {
        npy.map.integers(at: npy.header.dataOffset, count: rows, elementSize: npy.header.dtype.size)
    }
}
