/// The within-cluster pass of de-duplication as tasks: clusters in cluster order, packed into groups
/// of about `groupRows` rows (a larger cluster is a group of its own). Clusters are independent, so
/// a group's finding depends only on its clusters, and the whole result only on the clustering —
/// not on how many processes ran the groups or in what order.
public struct DedupPlan: Sendable, Equatable {
    public let groups: [[ClusterMembers]]
    public let threshold: Float

    public enum Default {
        /// Rows per group: enough to amortise a lease, few enough to spread over the workers.
        public static let groupRows = 65_536
    }

    /// - Parameter assignments: each row's cluster; rows with −1 (left out) are in no group.
    public init(assignments: [Int32], clusters: Int, threshold: Float, groupRows: Int = Default.groupRows) {
        self.threshold = threshold
        var members = [[Int64]](repeating: [], count: clusters)
        for (row, c) in assignments.enumerated() where c >= 0 { members[Int(c)].append(Int64(row)) }
        var groups: [[ClusterMembers]] = [], current: [ClusterMembers] = [], rows = 0
        for (c, m) in members.enumerated() where !m.isEmpty {
            if rows > 0 && rows + m.count > groupRows {
                groups.append(current)
                current = []
                rows = 0
            }
            current.append(ClusterMembers(cluster: c, rows: m))
            rows += m.count
        }
        if !current.isEmpty { groups.append(current) }
        self.groups = groups
    }

    public func task(_ group: Int) -> DedupTask { DedupTask(group: group, clusters: groups[group], threshold: threshold) }
}

/// One cluster's rows, ascending.
public struct ClusterMembers: Sendable, Equatable {
    public var cluster: Int
    public var rows: [Int64]

    public init(cluster: Int, rows: [Int64]) {
        self.cluster = cluster
        self.rows = rows
    }
}

/// A group of clusters to de-duplicate, as leased to a worker.
public struct DedupTask: Sendable, Equatable {
    public var group: Int
    public var clusters: [ClusterMembers]
    public var threshold: Float

    public init(group: Int, clusters: [ClusterMembers], threshold: Float) {
        self.group = group
        self.clusters = clusters
        self.threshold = threshold
    }

    public var node: MergeTree.Node { MergeTree.Node(level: 0, index: group) }
    public var rowCount: Int { clusters.reduce(0) { $0 + $1.rows.count } }

    /// `NearDuplicates.within` on each cluster; `read` gives the vectors of rows (ascending).
    public func run(read: ([Int64]) -> VectorBlock) -> DedupFinding {
        var finding = DedupFinding(kept: [], dropped: [])
        for members in clusters {
            let found = NearDuplicates.within(read(members.rows), rows: members.rows, threshold: threshold)
            finding.kept += found.kept
            finding.dropped += found.dropped.map { ClusterDrop(pair: $0, cluster: Int32(members.cluster)) }
        }
        return finding
    }
}

/// What de-duplication found in some clusters: rows kept, and each dropped row with its cluster.
public struct DedupFinding: Sendable, Equatable {
    public var kept: [Int64]
    public var dropped: [ClusterDrop]

    public init(kept: [Int64], dropped: [ClusterDrop]) {
        self.kept = kept
        self.dropped = dropped
    }

    /// Kept rows ascending, dropped rows by row: the order of the outputs.
    public func sorted() -> DedupFinding {
        DedupFinding(kept: kept.sorted(), dropped: dropped.sorted { $0.pair.row < $1.pair.row })
    }
}

/// A dropped row: the kept row of its cluster it is nearest to.
public struct ClusterDrop: Sendable, Equatable {
    public var pair: NearDuplicates.Dropped
    public var cluster: Int32

    public init(pair: NearDuplicates.Dropped, cluster: Int32) {
        self.pair = pair
        self.cluster = cluster
    }
}
