import Foundation
import WinnowCoordination
import WinnowCore
import WinnowNative

extension KMeansSettings {
    var wire: Winnow_V1_Clustering {
        var w = Winnow_V1_Clustering()
        w.clusters = UInt32(clamping: k)
        w.iterations = UInt32(clamping: iterations)
        w.seed = seed
        w.seedRowsPerCluster = UInt32(clamping: seedRowsPerCluster)
        w.blockRows = UInt32(clamping: chunkRows)
        w.normalizeRows = normalizesRows
        w.fitRowsPerCluster = UInt32(clamping: fitRowsPerCluster)
        w.fullIterations = UInt32(clamping: fullIterations)
        return w
    }

    init(wire w: Winnow_V1_Clustering, limits: WireLimits) throws(WireError) {
        guard w.clusters >= 1, w.clusters <= UInt32(limits.rows), w.blockRows >= 1, w.blockRows <= UInt32(limits.rows),
            w.seedRowsPerCluster >= 1, w.iterations <= 1_000_000
        else {
            throw WireError(.overLimit, "config: k-means of \(w.clusters) clusters, \(w.iterations) iterations, blocks of \(w.blockRows) rows")
        }
        self.init(k: Int(w.clusters))
        iterations = Int(w.iterations)
        seed = w.seed
        seedRowsPerCluster = Int(w.seedRowsPerCluster)
        chunkRows = Int(w.blockRows)
        normalizesRows = w.normalizeRows
        fitRowsPerCluster = Int(w.fitRowsPerCluster)
        fullIterations = Int(w.fullIterations)
    }
}

extension AssignTask {
    var wire: Winnow_V1_AssignTask {
        var w = Winnow_V1_AssignTask()
        var r = Winnow_V1_RowRange()
        r.lower = UInt64(rows.lowerBound)
        r.upper = UInt64(rows.upperBound)
        w.rows = r
        w.centroids = Data(ByteEncoding.float32(centroids.values))
        w.clusters = UInt32(clamping: centroids.rows)
        w.returnAssignments = returnsAssignments
        if let sample {
            w.sampleFraction = sample.fraction
            w.sampleSeed = sample.seed
        }
        return w
    }

    /// `node` is the lease's task (pass, block); `normalizesRows` comes from the run's configuration.
    init(wire w: Winnow_V1_AssignTask, node: MergeTree.Node, dimension: Int, normalizesRows: Bool, limits: WireLimits) throws(WireError) {
        let k = Int(w.clusters)
        guard k >= 1, k <= limits.rows, w.centroids.count == k * dimension * 4 else {
            throw WireError(.inconsistent, "assign task: \(w.centroids.count) centroid bytes for \(k) clusters × d \(dimension)")
        }
        guard w.rows.lower < w.rows.upper, w.rows.upper <= UInt64(Int.max), w.rows.upper - w.rows.lower <= UInt64(limits.rows) else {
            throw WireError(.inconsistent, "assign task: rows \(w.rows.lower)..<\(w.rows.upper)")
        }
        let values = ByteEncoding.floats(fromFloat32: [UInt8](w.centroids)) ?? []
        guard values.allSatisfy(\.isFinite) else { throw WireError(.inconsistent, "assign task: a non-finite centroid value") }
        guard w.sampleFraction >= 0, w.sampleFraction < 1, !(w.returnAssignments && w.sampleFraction > 0) else {
            throw WireError(.inconsistent, "assign task: a sample fraction of \(w.sampleFraction)")
        }
        self.init(
            pass: node.level, block: node.index, rows: Int(w.rows.lower)..<Int(w.rows.upper),
            centroids: VectorBlock(values: values, dimension: dimension), returnsAssignments: w.returnAssignments,
            normalizesRows: normalizesRows, sample: w.sampleFraction > 0 ? FitSample(seed: w.sampleSeed, fraction: w.sampleFraction) : nil)
    }
}

extension AssignResult {
    var wire: Winnow_V1_AssignResult {
        var w = Winnow_V1_AssignResult()
        w.leaseID = leaseID
        w.task = node.wire
        w.sums = outcome.partial.sums
        w.counts = outcome.partial.counts.map { UInt64($0) }
        w.inertia = outcome.partial.inertia
        if let assignments = outcome.assignments { w.assignments = assignments }
        w.skippedRows = outcome.skippedRows
        w.busySeconds = busySeconds
        w.peakResidentBytes = UInt64(clamping: peakResidentBytes)
        return w
    }

    /// Shapes only; whether the figures fit the task is the coordinator's check (`ClusteringBook`).
    init(wire w: Winnow_V1_AssignResult, dimension: Int, limits: WireLimits) throws(WireError) {
        let k = w.counts.count
        guard k >= 1, k <= limits.rows, w.sums.isEmpty || w.sums.count == k * dimension else {
            throw WireError(.inconsistent, "assign result: \(w.sums.count) sums for \(k) clusters × d \(dimension)")
        }
        guard w.assignments.count <= limits.rows, w.skippedRows.count <= limits.rows,
            w.counts.allSatisfy({ $0 <= UInt64(Int.max) })
        else {
            throw WireError(.overLimit, "assign result: \(w.assignments.count) assignments, \(w.skippedRows.count) rows left out")
        }
        guard w.busySeconds.isFinite else { throw WireError(.inconsistent, "assign result: busy seconds") }
        let partial = KMeansPartial(sums: w.sums, counts: w.counts.map { Int($0) }, inertia: w.inertia, dimension: dimension)
        self.init(
            leaseID: w.leaseID, node: MergeTree.Node(wire: w.task),
            outcome: AssignOutcome(
                partial: partial, assignments: w.assignments.isEmpty ? nil : w.assignments, skippedRows: w.skippedRows),
            busySeconds: w.busySeconds, peakResidentBytes: Int(clamping: w.peakResidentBytes))
    }
}
