import WinnowCore
import WinnowIO

/// One block of a Lloyd pass against the pool on disk: read the block, leave out (or refuse)
/// non-finite rows, scale to unit length if asked, assign. `winnow cluster` in one process and every
/// worker call this one function, so both produce the same partials for the same block.
public enum AssignRunner {
    public static func run(_ task: AssignTask, pool: Pool, skipNonfinite: Bool, progress: ProgressMeter? = nil) throws(InputError) -> AssignOutcome {
        var block = pool.read([task.rows])
        progress?.add(task.rows.count)
        let bad = Pool.nonfiniteRows(block, rows: task.rows.map(Int64.init))
        var kept: [Int]?
        if !bad.isEmpty {
            guard skipNonfinite else { throw pool.nonfiniteError(row: bad[0], count: bad.count) }
            let out = Set(bad.map { Int($0) - task.rows.lowerBound })
            kept = (0..<task.rows.count).filter { !out.contains($0) }
            block = block.gather(kept!)
        }
        if task.normalizesRows { block = block.normalized() }
        return AssignOutcome.assigning(block, rows: task.rows, kept: kept, to: task.centroids, returnsAssignments: task.returnsAssignments)
    }
}
