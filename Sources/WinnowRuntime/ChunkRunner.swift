import WinnowCore
import WinnowIO

/// A chunk task against the pool on disk: read the chunk's rows, gather its statistics, leave out
/// (or refuse) non-finite rows, select. The single-process run and every worker call this one
/// function, so both produce the same coreset for the same chunk.
public enum ChunkRunner {
    public struct Output: Sendable {
        public var coreset: Coreset
        public var statistics: EmbeddingStatistics
        public var skipped: [Int64]
    }

    /// - Parameters:
    ///   - quality: the run's quality column, read for the chunk's rows when the settings weigh it.
    ///     The labels column is read for them when the task carries label caps.
    ///   - given: rows chosen before (`--given`), which the chunk's greedy starts from.
    ///   - targets: what facility location covers instead of the chunk's rows (`--targets`).
    public static func run(
        _ task: ChunkTask, pool: Pool, quality: QualityColumn? = nil, labels: LabelColumn? = nil,
        settings: SelectionSettings, skipNonfinite: Bool, progress: ProgressMeter? = nil, given: GivenRows? = nil,
        targets: VectorBlock? = nil
    ) throws(InputError) -> Output {
        var rows = task.rows
        var vectors = pool.read(task.ranges)
        progress?.add(rows.count)
        let statistics = EmbeddingStatistics.of(vectors)
        let bad = Pool.nonfiniteRows(vectors, rows: rows)
        if !bad.isEmpty {
            guard skipNonfinite else { throw pool.nonfiniteError(row: bad[0], count: bad.count) }
            let badSet = Set(bad)
            let keep = rows.indices.filter { !badSet.contains(rows[$0]) }
            rows = keep.map { rows[$0] }
            vectors = vectors.gather(keep)
        }
        var scores: [Float]?
        if settings.qualityWeight != 0 {
            guard let quality else { preconditionFailure("a quality weight without a quality column") }
            scores = try quality.values(of: rows)
        }
        var rowLabels: [Int64]?
        if task.labelCaps != nil {
            guard let labels else { preconditionFailure("label caps without a labels column") }
            rowLabels = labels.values(of: rows)
        }
        let coreset =
            rows.isEmpty
            ? Coreset.empty(dimension: pool.dimension, rowsBeneath: task.plannedRows)
            : SelectionTasks.chunk(
                task, rows: rows, vectors: vectors, settings: settings, quality: scores, labels: rowLabels, progress: progress,
                given: given, targets: targets)
        return Output(coreset: coreset, statistics: statistics, skipped: bad)
    }
}
