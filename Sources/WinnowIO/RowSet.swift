import Crypto

/// Pool rows named by number in a file: `--rows` (select only among these, e.g. `dedup`'s
/// `kept.npy`) and `--exclude`. A 1-D `.npy` of int64 or int32 global rows, in any order; a row
/// named twice counts once.
public enum RowSet {
    /// The rows a run may use, ascending: those of `rows` (every pool row when nil) less those of
    /// `exclude`; nil when neither is given.
    public static func eligible(rows: String?, exclude: String?, poolRows: Int) throws(InputError) -> [Int]? {
        guard rows != nil || exclude != nil else { return nil }
        var chosen = [Bool](repeating: rows == nil, count: poolRows)
        if let rows { for r in try numbers(rows, flag: "--rows", poolRows: poolRows) { chosen[r] = true } }
        if let exclude { for r in try numbers(exclude, flag: "--exclude", poolRows: poolRows) { chosen[r] = false } }
        let eligible = chosen.indices.filter { chosen[$0] }
        guard !eligible.isEmpty else {
            throw InputError(.emptyPool, path: rows ?? exclude!, "no pool row is left to select among (--rows less --exclude is empty)")
        }
        return eligible
    }

    /// `--given`: rows chosen before, in the file's order (a `selection.npy` is in pick order), each a
    /// row the selection may use, none twice.
    public static func given(_ path: String, among eligible: [Int]?, poolRows: Int) throws(InputError) -> [Int64] {
        let rows = try numbers(path, flag: "--given", poolRows: poolRows)
        var seen = Set<Int>()
        let allowed = eligible.map(Set.init)
        for (i, r) in rows.enumerated() {
            guard seen.insert(r).inserted else {
                throw InputError(.badShape, path: path, row: i, "--given entry \(i) names row \(r) a second time")
            }
            if let allowed, !allowed.contains(r) {
                throw InputError(.rowOutOfRange, path: path, row: i, "--given entry \(i) is row \(r), which --rows/--exclude leave out")
            }
        }
        return rows.map { Int64($0) }
    }

    /// SHA-256 of the rows as little-endian int64s: what a run's configuration hash holds of them.
    public static func digest(_ rows: [Int]) -> [UInt8] {
        var hasher = SHA256()
        for r in rows { withUnsafeBytes(of: Int64(r).littleEndian) { hasher.update(bufferPointer: $0) } }
        return Array(hasher.finalize())
    }

    /// The rows a file names, each checked to be a pool row.
    static func numbers(_ path: String, flag: String, poolRows: Int) throws(InputError) -> [Int] {
        let file = try NpyFile.open(path)
        let h = file.header
        guard h.dtype == .int64 || h.dtype == .int32 else {
            throw InputError(.unsupportedDtype, path: path, byteOffset: 0, "\(flag) dtype '\(h.dtype.rawValue)' is not '<i8' or '<i4' (row numbers)")
        }
        guard h.shape.count == 1 || (h.shape.count == 2 && h.shape[1] == 1) else {
            throw InputError(.badShape, path: path, byteOffset: 0, "\(flag) must be 1-D (one pool row number per entry), shape is \(h.shape)")
        }
        let values = file.map.integers(at: h.dataOffset, count: h.shape[0], elementSize: h.dtype.size)
        if let bad = values.firstIndex(where: { $0 < 0 || $0 >= Int64(poolRows) }) {
            throw InputError(
                .rowOutOfRange, path: path, row: bad,
                "\(flag) entry \(bad) is \(values[bad]), not a row of the pool (0..<\(poolRows))")
        }
        return values.map { Int($0) }
    }
}
