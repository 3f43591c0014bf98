/// `report.json` of `winnow dedup`: what was dropped, and the clustering it searched within.
struct DedupReport: Encodable {
    let tool = RunReport.Tool(command: "dedup")
    let threshold: Float
    let kept: Int
    let dropped: Int
    let dedupSeconds: Double
    let wallSeconds: Double
    let rowsPerSecond: Double
    let clustering: ClusteringReport
    let peakRssBytes: Int

    init(threshold: Float, clustering: ClusteringReport, outcome: DedupOutcome, rows: Int, seconds: Double) {
        self.threshold = threshold
        kept = outcome.kept.count
        dropped = outcome.dropped.count
        dedupSeconds = outcome.dedupSeconds
        wallSeconds = seconds
        rowsPerSecond = Double(rows) / seconds
        self.clustering = clustering
        peakRssBytes = ResourceUsage.peakResidentBytes()
    }
}
