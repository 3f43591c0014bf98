import WinnowCore

/// `--targets`: the vectors facility location covers instead of the pool (an in-domain set to select
/// towards): one `.npy` of the pool's dtype rules and d, read whole — it is meant to be small.
public enum TargetVectors {
    public static func load(_ path: String, dimension: Int) throws(InputError) -> VectorBlock {
        try read(Pool.open(paths: [path]), dimension: dimension)
    }

    /// The vectors of a targets file already opened (as a one-file pool).
    public static func read(_ file: Pool, dimension: Int) throws(InputError) -> VectorBlock {
        let path = file.files[0].path
        guard file.dimension == dimension else {
            throw InputError(.dimensionMismatch, path: path, byteOffset: 0, "--targets has d = \(file.dimension); the pool has d = \(dimension)")
        }
        let vectors = file.read([0..<file.totalRows])
        let bad = Pool.nonfiniteRows(vectors, rows: (0..<Int64(file.totalRows)).map { $0 })
        if let first = bad.first {
            throw InputError(.nonfinite, path: path, row: Int(first), "--targets row \(first) has a NaN or Inf value")
        }
        return vectors
    }
}
