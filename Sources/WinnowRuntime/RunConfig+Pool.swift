import WinnowCluster
import WinnowCore
import WinnowIO

extension RunConfig {
    /// The configuration a coordinator sends: the pool's files as it sees them, and the settings.
    public init(pool: Pool, settings: SelectionSettings, skipNonfinite: Bool, quality: QualityColumn? = nil, labels: LabelColumn? = nil) {
        self.init(files: pool.files.map { File(path: $0.path, rows: $0.rows, bytes: $0.npy.fileSize, dtype: $0.dtype.rawValue) },
                  dimension: pool.dimension, totalRows: pool.totalRows, settings: settings, skipNonfinite: skipNonfinite,
                  quality: quality.map { File(path: $0.path, rows: $0.rows, bytes: $0.npy.fileSize, dtype: $0.npy.header.dtype.rawValue) },
                  labels: labels.map { File(path: $0.path, rows: $0.rows, bytes: $0.npy.fileSize, dtype: $0.npy.header.dtype.rawValue) })
    }

    /// The labels column on this host, when the run sets label budgets; the same checks as the pool's.
    public func openLabels() throws(RunFailure) -> LabelColumn? {
        guard let labels else { return nil }
        let column: LabelColumn
        do {
            column = try LabelColumn.open(labels.path, rows: totalRows)
        } catch {
            throw RunFailure(status: 69, "cannot open the run's labels column here: \(error)")
        }
        guard column.npy.fileSize == labels.bytes else {
            throw RunFailure(status: 69, "\(labels.path) differs here (\(column.npy.fileSize) bytes) from the coordinator's (\(labels.bytes) bytes)")
        }
        return column
    }

    /// The quality column on this host, when the run weighs quality; the same checks as the pool's.
    public func openQuality() throws(RunFailure) -> QualityColumn? {
        guard let quality else { return nil }
        let column: QualityColumn
        do {
            column = try QualityColumn.open(quality.path, rows: totalRows)
        } catch {
            throw RunFailure(status: 69, "cannot open the run's quality column here: \(error)")
        }
        guard column.npy.fileSize == quality.bytes else {
            throw RunFailure(status: 69, "\(quality.path) differs here (\(column.npy.fileSize) bytes) from the coordinator's (\(quality.bytes) bytes)")
        }
        return column
    }

    /// Opens the pool on this host and checks it is the one the coordinator planned: same files,
    /// sizes, rows, dtype and d. A worker on a host with another copy must not contribute.
    public func openPool() throws(RunFailure) -> Pool {
        let pool: Pool
        do {
            pool = try Pool.open(paths: files.map(\.path))
        } catch {
            throw RunFailure(status: 69, "cannot open the run's pool here: \(error)")
        }
        guard pool.dimension == dimension else {
            throw RunFailure(status: 69, "the pool here has d = \(pool.dimension); the coordinator's has \(dimension)")
        }
        for (mine, theirs) in zip(pool.files, files) {
            guard mine.rows == theirs.rows, mine.npy.fileSize == theirs.bytes, mine.dtype.rawValue == theirs.dtype else {
                throw RunFailure(status: 69, "\(theirs.path) differs here (\(mine.rows) rows, \(mine.npy.fileSize) bytes, \(mine.dtype.rawValue)) from the coordinator's (\(theirs.rows) rows, \(theirs.bytes) bytes, \(theirs.dtype))")
            }
        }
        return pool
    }
}
