import WinnowCoordination
import WinnowCore

extension DedupSettings {
    var wire: Winnow_V1_Dedup {
        var w = Winnow_V1_Dedup()
        w.threshold = threshold
        w.keep =
            switch keep {
            case .first: .first
            case .central: .central
            case .quality: .quality
            }
        w.splitRows = UInt32(clamping: splitRows)
        w.partRows = UInt32(clamping: partRows)
        w.seed = seed
        return w
    }

    init(wire w: Winnow_V1_Dedup) throws(WireError) {
        self.init(threshold: w.threshold)
        switch w.keep {
        case .first: keep = .first
        case .central: keep = .central
        case .quality: keep = .quality
        case .UNRECOGNIZED(let value): throw WireError(.inconsistent, "dedup: keep rule \(value)")
        }
        splitRows = Int(w.splitRows)
        partRows = Int(w.partRows)
        seed = w.seed
        if let problem = problems.first { throw WireError(.inconsistent, "dedup: \(problem)") }
    }
}

extension DedupTask {
    var wire: Winnow_V1_DedupTask {
        var w = Winnow_V1_DedupTask()
        w.clusters = clusters.map {
            var c = Winnow_V1_DedupTask.Cluster()
            c.cluster = UInt32(clamping: $0.cluster)
            c.rows = $0.rows
            return c
        }
        w.settings = settings.wire
        return w
    }

    init(wire w: Winnow_V1_DedupTask, group: Int, limits: WireLimits) throws(WireError) {
        guard !w.clusters.isEmpty, w.clusters.reduce(0, { $0 + $1.rows.count }) <= limits.rows else {
            throw WireError(.overLimit, "dedup task: \(w.clusters.count) clusters")
        }
        let settings = try DedupSettings(wire: w.settings)
        for c in w.clusters where c.rows.isEmpty || c.rows[0] < 0 || zip(c.rows, c.rows.dropFirst()).contains(where: { $0 >= $1 }) {
            throw WireError(.inconsistent, "dedup task: cluster \(c.cluster)'s rows must be non-negative and ascending")
        }
        self.init(group: group, clusters: w.clusters.map { ClusterMembers(cluster: Int($0.cluster), rows: $0.rows) }, settings: settings)
    }
}

extension DedupResult {
    var wire: Winnow_V1_DedupResult {
        var w = Winnow_V1_DedupResult()
        w.leaseID = leaseID
        w.task = MergeTree.Node(level: 0, index: group).wire
        w.kept = finding.kept
        w.dropped = finding.dropped.map {
            var d = Winnow_V1_DedupResult.Dropped()
            d.row = $0.pair.row
            d.nearestKept = $0.pair.nearestKept
            d.similarity = $0.pair.similarity
            d.cluster = UInt32(clamping: Int($0.cluster))
            return d
        }
        w.maxSimilarity = finding.maxSimilarity
        w.busySeconds = busySeconds
        w.peakResidentBytes = UInt64(clamping: peakResidentBytes)
        return w
    }

    /// Shapes only; whether the rows fit the group is the coordinator's check (`DedupBook`).
    init(wire w: Winnow_V1_DedupResult, limits: WireLimits) throws(WireError) {
        guard w.task.level == 0 else { throw WireError(.inconsistent, "dedup result for level \(w.task.level)") }
        guard w.kept.count + w.dropped.count <= limits.rows, w.maxSimilarity.count <= limits.rows else {
            throw WireError(.overLimit, "dedup result: \(w.kept.count + w.dropped.count) rows")
        }
        guard w.busySeconds.isFinite else { throw WireError(.inconsistent, "dedup result: busy seconds") }
        let dropped = w.dropped.map {
            ClusterDrop(
                pair: NearDuplicates.Dropped(row: $0.row, nearestKept: $0.nearestKept, similarity: $0.similarity),
                cluster: Int32(clamping: $0.cluster))
        }
        self.init(
            leaseID: w.leaseID, group: Int(w.task.index),
            finding: DedupFinding(kept: w.kept, dropped: dropped, maxSimilarity: w.maxSimilarity),
            busySeconds: w.busySeconds, peakResidentBytes: Int(clamping: w.peakResidentBytes))
    }
}
