import Foundation
import WinnowCore
import WinnowIO

/// Statistics of every file of a pool and of the whole pool, the total merged from the files' by
/// Chan's formula. Exact duplicates are found across the whole pool: a hash of each row's bytes,
/// then a byte comparison, so only identical rows count (memory: one hash entry per distinct row).
public struct PoolInspection: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var path: String
        public var rows: Int
        public var dimension: Int
        public var dtype: String
        public var statistics: EmbeddingStatistics
    }

    public var files: [Entry]
    public var total: Entry

    public static func inspect(_ pool: Pool, blockRows: Int = 8192) -> PoolInspection {
        var entries: [Entry] = []
        var total = EmbeddingStatistics(dimension: pool.dimension)
        var seen: [UInt64: [Int]] = [:]
        for file in pool.files {
            var stats = EmbeddingStatistics(dimension: pool.dimension)
            var start = 0
            while start < file.rows {
                let range = file.firstRow + start..<file.firstRow + min(file.rows, start + blockRows)
                stats.add(pool.read([range]))
                start += blockRows
            }
            let rowBytes = pool.dimension * file.dtype.size
            for local in 0..<file.rows {
                let row = file.firstRow + local
                let offset = file.npy.header.dataOffset + local * rowBytes
                let h = file.npy.map.hash(at: offset, count: rowBytes) ^ UInt64(file.dtype.size)
                let earlier = seen[h] ?? []
                let duplicate = earlier.contains { other in
                    let (of, oo) = pool.byteOffset(ofRow: other)
                    return pool.files[of].dtype == file.dtype && file.npy.map.equalBytes(at: offset, pool.files[of].npy.map, at: oo, count: rowBytes)
                }
                if duplicate { stats.duplicateRows += 1 } else { seen[h, default: []].append(row) }
            }
            entries.append(Entry(path: file.path, rows: file.rows, dimension: pool.dimension, dtype: file.dtype.rawValue, statistics: stats))
            total.merge(stats)
        }
        let dtypes = Set(pool.files.map(\.dtype.rawValue)).sorted().joined(separator: ",")
        return PoolInspection(files: entries, total: Entry(path: "total", rows: pool.totalRows, dimension: pool.dimension, dtype: dtypes, statistics: total))
    }

    /// A plain table: one line per file and a total line, then the per-dimension summary.
    public func table() -> String {
        func line(_ cells: [String]) -> String {
            let widths = [40, 10, 5, 6, 10, 10, 10, 8, 8, 10]
            return zip(cells, widths).map { c, w in c.count >= w ? c : String(repeating: " ", count: w - c.count) + c }.joined(separator: " ")
        }
        var out = [line(["file", "rows", "d", "dtype", "norm min", "norm mean", "norm max", "zero", "nan/inf", "duplicate"])]
        for e in files + [total] {
            let s = e.statistics
            let name = e.path.count > 40 ? "…" + e.path.suffix(39) : e.path
            out.append(
                line([
                    name, "\(e.rows)", "\(e.dimension)", e.dtype,
                    String(format: "%.4g", s.count > 0 ? s.normMin : 0), String(format: "%.4g", s.normMean),
                    String(format: "%.4g", s.normMax), "\(s.zeroRows)", "\(s.nonfiniteRows)", "\(s.duplicateRows)",
                ]))
        }
        let s = total.statistics
        let v = s.variance
        if !v.isEmpty {
            out.append("")
            out.append(
                String(
                    format: "per-dimension mean: min %.4g, max %.4g; variance: min %.4g, max %.4g, total %.4g",
                    s.mean.min()!, s.mean.max()!, v.min()!, v.max()!, s.totalVariance))
        }
        return out.joined(separator: "\n")
    }
}
