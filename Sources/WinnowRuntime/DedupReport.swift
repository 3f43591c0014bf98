import WinnowCore

/// `report.json` of `winnow dedup`: what was dropped, and the clustering it searched within.
struct DedupReport: Encodable {
    let tool = RunReport.Tool(command: "dedup")
    let threshold: Float
    /// `--keep`, and the size over which a cluster is split (into parts of `part_rows`).
    let keep: String
    let splitRows: Int
    let partRows: Int
    /// Clusters split, and the rows they held.
    let splitClusters: Int
    let splitClusterRows: Int
    let kept: Int
    let dropped: Int
    let dedupSeconds: Double
    /// The border check (`BorderCheck`): kept rows compared with their runner-up cluster, pairs found
    /// above the threshold, the rows they dropped (counted in `dropped` too), its seconds. nil: off.
    let border: Border?

    struct Border: Encodable {
        let comparedRows: Int
        let pairs: Int
        let dropped: Int
        let seconds: Double
    }

    let wallSeconds: Double
    let rowsPerSecond: Double
    let clustering: ClusteringReport
    let peakRssBytes: Int

    init(settings: DedupSettings, clustering: ClusteringReport, outcome: DedupOutcome, rows: Int, seconds: Double) {
        threshold = settings.threshold
        keep = settings.keep.rawValue
        splitRows = settings.splitRows
        partRows = settings.partRows
        let split = outcome.clustering.sizes.filter { settings.parts(ofClusterWith: $0) > 1 }
        splitClusters = split.count
        splitClusterRows = split.reduce(0, +)
        kept = outcome.kept.count
        dropped = outcome.dropped.count
        dedupSeconds = outcome.dedupSeconds
        border = outcome.border.map { Border(comparedRows: $0.comparedRows, pairs: $0.pairs, dropped: $0.dropped, seconds: $0.seconds) }
        wallSeconds = seconds
        rowsPerSecond = Double(rows) / seconds
        self.clustering = clustering
        peakRssBytes = ResourceUsage.peakResidentBytes()
    }
}
