import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative

extension RunConfig {
    /// The configuration a coordinator sends: the pool's files as it sees them, the settings, and the
    /// BLAS kernel this process computes with (the run's: workers must have the same).
    public init(
        pool: Pool, settings: SelectionSettings, skipNonfinite: Bool, quality: QualityColumn? = nil, labels: LabelColumn? = nil,
        eligibleRows: [Int]? = nil, givenRows: [Int64] = [], targets: String? = nil
    ) {
        func file(_ column: some SideColumnFile) -> File {
            File(path: column.path, rows: column.rows, bytes: column.npy.fileSize, dtype: column.npy.header.dtype.rawValue)
        }
        self.init(
            files: pool.files.map { File(path: $0.path, rows: $0.rows, bytes: $0.npy.fileSize, dtype: $0.dtype.rawValue) },
            dimension: pool.dimension, totalRows: pool.totalRows, settings: settings, skipNonfinite: skipNonfinite,
            quality: quality.map(file), labels: labels.map(file))
        blasKernel = BLAS.kernel
        eligibleRowsDigest = eligibleRows.map(RowSet.digest) ?? []
        self.givenRows = givenRows
        if let targets, let file = try? Pool.open(paths: [targets]).files.first {
            self.targets = File(path: file.path, rows: file.rows, bytes: file.npy.fileSize, dtype: file.dtype.rawValue)
        }
    }

    /// The `--targets` vectors on this host, when the run has them: checked like the pool's files.
    public func openTargets() throws(RunFailure) -> VectorBlock? {
        guard let targets else { return nil }
        do {
            let file = try Pool.open(paths: [targets.path])
            let size = file.files[0].npy.fileSize
            guard size == targets.bytes else {
                throw RunFailure(.incompatible, "\(targets.path) differs here (\(size) bytes) from the coordinator's (\(targets.bytes) bytes)")
            }
            return try TargetVectors.read(file, dimension: dimension)
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw RunFailure(.incompatible, "cannot read the run's targets here: \(error)")
        }
    }

    /// Every file the run's results are computed from: the pool's, then its side columns.
    public var inputPaths: [String] { files.map(\.path) + [quality, labels, targets].compactMap { $0?.path } }

    /// The quality column on this host, when the run weighs quality.
    public func openQuality() throws(RunFailure) -> QualityColumn? { try open(quality, what: "quality") }

    /// The labels column on this host, when the run sets label budgets.
    public func openLabels() throws(RunFailure) -> LabelColumn? { try open(labels, what: "labels") }

    /// A side column on this host, with the same checks as the pool's: a worker that sees another
    /// file at the path must not contribute.
    private func open<Column: SideColumnFile>(_ file: File?, what: String) throws(RunFailure) -> Column? {
        guard let file else { return nil }
        let column: Column
        do {
            column = try Column.open(file.path, rows: totalRows)
        } catch {
            throw RunFailure(.incompatible, "cannot open the run's \(what) column here: \(error)")
        }
        guard column.npy.fileSize == file.bytes else {
            throw RunFailure(.incompatible, "\(file.path) differs here (\(column.npy.fileSize) bytes) from the coordinator's (\(file.bytes) bytes)")
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
            throw RunFailure(.incompatible, "cannot open the run's pool here: \(error)")
        }
        guard pool.dimension == dimension else {
            throw RunFailure(.incompatible, "the pool here has d = \(pool.dimension); the coordinator's has \(dimension)")
        }
        for (mine, theirs) in zip(pool.files, files) {
            guard mine.rows == theirs.rows, mine.npy.fileSize == theirs.bytes, mine.dtype.rawValue == theirs.dtype else {
                throw RunFailure(
                    .incompatible,
                    "\(theirs.path) differs here (\(mine.rows) rows, \(mine.npy.fileSize) bytes, \(mine.dtype.rawValue)) from the coordinator's (\(theirs.rows) rows, \(theirs.bytes) bytes, \(theirs.dtype))"
                )
            }
        }
        return pool
    }
}
