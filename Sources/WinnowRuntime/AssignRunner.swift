import WinnowCore
import WinnowIO

/// One block of a Lloyd pass against the pool on disk: read the block (only its fit-sample rows in an
/// iteration that fits on a sample), leave out (or refuse)
/// non-finite rows, scale to unit length if asked, assign. `winnow cluster` in one process and every
/// worker call this one function, so both produce the same partials for the same block.
public enum AssignRunner {
    public static func run(_ task: AssignTask, pool: Pool, skipNonfinite: Bool, progress: ProgressMeter? = nil) throws(InputError) -> AssignOutcome {
        let rows = task.participants
        let read = task.sample == nil ? pool.read([task.rows]) : pool.read(rows: rows)
        progress?.add(task.rows.count)
        var (block, kept, bad) = Pool.leavingOutNonfinite(read, rows: rows)
        if let first = bad.first, !skipNonfinite { throw pool.nonfiniteError(row: first, count: bad.count) }
        if task.normalizesRows { block = block.normalized() }
        return AssignOutcome.assigning(block, rows: rows, kept: kept, for: task)
    }
}
