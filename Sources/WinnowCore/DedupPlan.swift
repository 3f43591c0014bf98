/// The within-cluster pass of de-duplication as tasks: clusters in cluster order, packed into groups
/// of about `groupRows` rows (a larger cluster is a group of its own). Clusters are independent, so
/// a group's finding depends only on its clusters, and the whole result only on the clustering —
/// not on how many processes ran the groups or in what order.
public struct DedupPlan: Sendable, Equatable {
    public let groups: [[ClusterMembers]]
    public let settings: DedupSettings

    public enum Default {
        /// Rows per group: enough to amortise a lease, few enough to spread over the workers.
        public static let groupRows = 65_536
    }

    /// - Parameter assignments: each row's cluster; rows with −1 (left out) are in no group.
    public init(assignments: [Int32], clusters: Int, settings: DedupSettings, groupRows: Int = Default.groupRows) {
        self.settings = settings
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

    public func task(_ group: Int) -> DedupTask { DedupTask(group: group, clusters: groups[group], settings: settings) }

    /// The groups' findings (in group order) as the outputs want them: kept rows ascending, dropped rows
    /// by row, and every pool row's highest cosine to a kept row of its cluster — NaN for a row in no
    /// group (left out) or with no other kept row in its cluster.
    public func combined(_ findings: [DedupFinding], totalRows: Int) -> (finding: DedupFinding, maxSimilarity: [Float]) {
        precondition(findings.count == groups.count, "DedupPlan: one finding per group")
        var similarity = [Float](repeating: .nan, count: totalRows)
        for (group, finding) in zip(groups, findings) {
            for (row, value) in zip(group.lazy.flatMap(\.rows), finding.maxSimilarity) where value > -.infinity {
                similarity[Int(row)] = min(value, 1)
            }
        }
        let all = DedupFinding(kept: findings.flatMap(\.kept), dropped: findings.flatMap(\.dropped), maxSimilarity: [])
        return (all.sorted(), similarity)
    }
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
    public var settings: DedupSettings

    public init(group: Int, clusters: [ClusterMembers], settings: DedupSettings) {
        self.group = group
        self.clusters = clusters
        self.settings = settings
    }

    public var node: MergeTree.Node { MergeTree.Node(level: 0, index: group) }
    public var rowCount: Int { clusters.reduce(0) { $0 + $1.rows.count } }
    /// The rows of every cluster, cluster after cluster: the order of a finding's similarities.
    public var rows: [Int64] { clusters.flatMap(\.rows) }

    /// `NearDuplicates.within` on each cluster (a cluster over `splitRows` on each of its parts), in
    /// the order `keep` asks for; `read` gives the vectors of rows (ascending); `quality`, the rows'
    /// scores in the order of the task's rows, is needed to keep by quality.
    public func run(read: ([Int64]) -> VectorBlock, quality: [Float]? = nil) -> DedupFinding {
        precondition(settings.keep != .quality || quality?.count == rowCount, "DedupTask: a quality score for every row")
        var finding = DedupFinding(kept: [], dropped: [], maxSimilarity: [])
        var offset = 0
        for members in clusters {
            let vectors = read(members.rows)
            let scores = settings.keep == .quality ? Array(quality![offset..<offset + members.rows.count]) : nil
            offset += members.rows.count
            var similarity = [Float](repeating: -.infinity, count: members.rows.count)
            for part in ClusterSplit.parts(of: vectors, cluster: members.cluster, settings: settings) {
                let order = walkOrder(part, vectors: vectors, scores: scores)
                let found = NearDuplicates.within(vectors.gather(order), rows: order.map { members.rows[$0] }, threshold: settings.threshold)
                finding.kept += found.kept
                finding.dropped += found.dropped.map { ClusterDrop(pair: $0, cluster: Int32(members.cluster)) }
                for (i, value) in zip(order, found.maxSimilarity) { similarity[i] = value }
            }
            finding.maxSimilarity += similarity
        }
        return finding
    }

    /// The positions of `part` (ascending offsets into the cluster's rows) in the order the walk keeps
    /// them: row order; nearest the part's mean unit row first; or highest score first. Ties go to the
    /// lower row, so the order is a function of the rows alone.
    private func walkOrder(_ part: [Int], vectors: VectorBlock, scores: [Float]?) -> [Int] {
        switch settings.keep {
        case .first:
            return part
        case .quality:
            let s = scores!
            return part.sorted { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }
        case .central:
            let unit = vectors.gather(part).normalized(), d = vectors.dimension
            var mean = [Double](repeating: 0, count: d)
            for i in 0..<unit.rows { for (t, v) in unit.row(i).enumerated() { mean[t] += Double(v) } }
            let closeness = (0..<unit.rows).map { i in zip(unit.row(i), mean).reduce(0.0) { $0 + Double($1.0) * $1.1 } }
            return part.indices.sorted { closeness[$0] != closeness[$1] ? closeness[$0] > closeness[$1] : $0 < $1 }.map { part[$0] }
        }
    }
}

/// What de-duplication found in some clusters: rows kept, each dropped row with its cluster, and each
/// row's highest cosine to a kept row of its cluster (−∞: none), in the order of the task's rows.
public struct DedupFinding: Sendable, Equatable {
    public var kept: [Int64]
    public var dropped: [ClusterDrop]
    public var maxSimilarity: [Float]

    public init(kept: [Int64], dropped: [ClusterDrop], maxSimilarity: [Float]) {
        self.kept = kept
        self.dropped = dropped
        self.maxSimilarity = maxSimilarity
    }

    /// Kept rows ascending, dropped rows by row: the order of the outputs (the similarities stay in
    /// task order: they go out through `DedupPlan.combined`).
    public func sorted() -> DedupFinding {
        DedupFinding(kept: kept.sorted(), dropped: dropped.sorted { $0.pair.row < $1.pair.row }, maxSimilarity: maxSimilarity)
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
