import WinnowCoordination
import WinnowCore

/// Results a simulated worker sends: of the real shape and size, and valid for their task (the
/// coordinator checks them as any other), but picked without a greedy: a chunk picks its first rows, a
/// merge its first candidates, and a sample is the next rows. The coordinator's work and memory do not
/// depend on which rows are picked, only on how many.
struct FabricatedResults {
    let times: TaskTimes
    let dimension: Int

    func result(of lease: Lease, busySeconds: Double) -> WorkerMessage {
        switch lease.work {
        case .chunk(let task): .chunkResult(chunk(task, leaseID: lease.id, busySeconds: busySeconds))
        case .merge(let task): .mergeResult(merge(task, leaseID: lease.id, busySeconds: busySeconds))
        case .assign, .dedup: preconditionFailure("the simulation runs a selection")
        }
    }

    private func chunk(_ task: ChunkTask, leaseID: UInt64, busySeconds: Double) -> ChunkResult {
        let all = task.rows
        let count = min(task.budget, all.count)
        let picks = Array(all.prefix(count))
        var coreset = Coreset(
            rows: picks, vectors: times.vectors(of: picks), gains: descendingGains(count),
            weights: shares(of: Double(all.count), count), rowsBeneath: task.plannedRows)
        if task.sampleRows > 0 && count > 0 {
            let rest = Array(all.dropFirst(count).prefix(task.sampleRows))
            coreset.sample = RowSample(
                rows: rest, vectors: VectorBlock(values: [], dimension: dimension),
                weights: shares(of: Double(all.count - count), rest.count))
        }
        let d = dimension
        let statistics = EmbeddingStatistics(
            dimension: d, count: all.count, mean: [Double](repeating: 0.01, count: d), m2: [Double](repeating: 1, count: d),
            normMin: 0.9, normMax: 1.1, normSum: Double(all.count), zeroRows: 0, nonfiniteRows: 0, duplicateRows: 0)
        return ChunkResult(leaseID: leaseID, chunk: task.chunk, coreset: coreset, statistics: statistics, skippedRows: [], busySeconds: busySeconds)
    }

    private func merge(_ task: MergeTask, leaseID: UInt64, busySeconds: Double) -> MergeResult {
        let candidates = task.children.flatMap(\.rows)
        let count = min(task.budget, candidates.count)
        let vectors = VectorBlock.concatenate(task.children.map(\.vectors), dimension: dimension)
        var coreset = Coreset(
            rows: Array(candidates.prefix(count)),
            vectors: VectorBlock(values: Array(vectors.values.prefix(count * dimension)), dimension: dimension),
            gains: descendingGains(count), weights: shares(of: Double(task.rowsBeneath), count), rowsBeneath: task.rowsBeneath)
        if task.sampleRows > 0 && count > 0 {
            let sampled = task.children.flatMap { $0.sample?.rows ?? [] }.prefix(task.sampleRows)
            coreset.sample = RowSample(
                rows: Array(sampled), vectors: VectorBlock(values: [], dimension: dimension),
                weights: shares(of: Double(task.rowsBeneath - count), sampled.count))
        }
        return MergeResult(leaseID: leaseID, node: task.node, coreset: coreset, busySeconds: busySeconds)
    }

    private func descendingGains(_ count: Int) -> [Double] { (0..<count).map { 1 / Double($0 + 1) } }

    /// `count` weights summing to `total`.
    private func shares(of total: Double, _ count: Int) -> [Double] {
        count == 0 ? [] : [Double](repeating: total / Double(count), count: count)
    }
}
