import WinnowCore
import WinnowIO

extension Pool {
    /// The merge task with its children's row samples read from the pool: samples travel as row
    /// numbers (the pool is shared), and a merge that covers them needs the vectors. nil when a
    /// sampled row lies beyond the pool (the lease is then invalid, not the data).
    public func readingSamples(of task: MergeTask) -> MergeTask? {
        guard task.children.allSatisfy({ ($0.sample?.rows ?? []).allSatisfy { $0 >= 0 && $0 < totalRows } }) else { return nil }
        var task = task
        task.children = task.children.map { child in
            var c = child
            c.sample = child.sample?.withVectors { read(rows: $0.map { Int($0) }) }
            return c
        }
        return task
    }
}
