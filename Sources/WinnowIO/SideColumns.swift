import Foundation

/// Per-row columns that travel beside the pool (design §1): external ids (`.npy` int64/int32 or a
/// text file with one id a line), a quality score (float32) and a label (int32/int64). Each must have
/// exactly one entry per pool row.
public struct SideColumns: Sendable {
    public var ids: [String]?
    public var quality: [Float]?
    public var labels: [Int64]?

    public init(ids: [String]? = nil, quality: [Float]? = nil, labels: [Int64]? = nil) {
        self.ids = ids
        self.quality = quality
        self.labels = labels
    }

    /// The first id that stands on more than one row, with the rows (at most ten) it stands on.
    public static func firstRepeated(_ ids: [String]) -> (id: String, rows: [Int])? {
        var first: [String: Int] = [:]
        for (row, id) in ids.enumerated() {
            if let earlier = first[id] {
                return (id, [earlier] + ids.indices.filter { $0 > earlier && ids[$0] == id }.prefix(9))
            }
            first[id] = row
        }
        return nil
    }

    public static func load(ids: String?, quality: String?, labels: String?, rows: Int) throws(InputError) -> SideColumns {
        var out = SideColumns()
        if let ids {
            if ids.hasSuffix(".npy") {
                out.ids = try integers(ids, rows: rows, what: "--ids").map(String.init)
            } else {
                out.ids = try textLines(ids, rows: rows)
            }
        }
        if let quality {
            let file = try column(quality, rows: rows, what: "--quality", allowed: [.float32])
            var values: [Float] = []
            file.map.appendFloats(at: file.header.dataOffset, rows: rows, dimension: 1, elementSize: 4, to: &values)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw InputError(.nonfinite, path: quality, row: bad, "quality score of row \(bad) is NaN or Inf")
            }
            out.quality = values
        }
        if let labels {
            out.labels = try integers(labels, rows: rows, what: "--labels")
        }
        return out
    }

    private static func integers(_ path: String, rows: Int, what: String) throws(InputError) -> [Int64] {
        let file = try column(path, rows: rows, what: what, allowed: [.int64, .int32])
        return file.map.integers(at: file.header.dataOffset, count: rows, elementSize: file.header.dtype.size)
    }

    static func column(_ path: String, rows: Int, what: String, allowed: [NpyHeader.DType]) throws(InputError) -> NpyFile {
        let file = try NpyFile.open(path)
        let h = file.header
        guard allowed.contains(h.dtype) else {
            throw InputError(
                .unsupportedDtype, path: path, byteOffset: 0,
                "\(what) dtype '\(h.dtype.rawValue)' is not one of \(allowed.map(\.rawValue))")
        }
        guard h.shape.count == 1 || (h.shape.count == 2 && h.shape[1] == 1) else {
            throw InputError(.badShape, path: path, byteOffset: 0, "\(what) must be 1-D (one value per pool row), shape is \(h.shape)")
        }
        guard h.shape[0] == rows else {
            throw InputError(
                .lengthMismatch, path: path, byteOffset: 0,
                "\(what) has \(h.shape[0]) entries but the pool has \(rows) rows")
        }
        return file
    }

    private static func textLines(_ path: String, rows: Int) throws(InputError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(.unreadable, path: path, "cannot read --ids file")
        }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.count == rows else {
            throw InputError(.lengthMismatch, path: path, "--ids has \(lines.count) lines but the pool has \(rows) rows")
        }
        return lines
    }
}
