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
    /// The border check (`BorderCheck`): reaches of kept rows into other clusters compared and left out
    /// (by the budget, or after a step that found no pair), the comparisons made, the steps compared
    /// and the comparisons a step and the budget allow (nil: no limit), the border distance within which
    /// every reach was compared (nil: all), whether it was exact, pairs found above the threshold, the rows they
    /// dropped (counted in `dropped` too), the rows the walk had dropped for those compared again and
    /// the ones of them kept, its seconds. nil: off.
    let border: Border?

    struct Border: Encodable {
        let reaches: Int
        let reachesLeft: Int
        let comparisons: Double
        let steps: Int
        let firstStepComparisons: Double?
        let budgetComparisons: Double?
        let checkedWithin: Double?
        let exact: Bool
        let pairs: Int
        let dropped: Int
        let comparedAgain: Int
        let keptAgain: Int
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
        border = outcome.border.map {
            Border(
                reaches: $0.reaches, reachesLeft: $0.reachesLeft, comparisons: $0.comparisons, steps: $0.steps,
                firstStepComparisons: $0.firstStepComparisons.isFinite ? $0.firstStepComparisons : nil,
                budgetComparisons: $0.budgetComparisons.isFinite ? $0.budgetComparisons : nil,
                checkedWithin: $0.checkedWithin.isFinite ? $0.checkedWithin : nil, exact: $0.exact, pairs: $0.pairs, dropped: $0.dropped,
                comparedAgain: $0.comparedAgain, keptAgain: $0.keptAgain,
                seconds: $0.seconds)
        }
        wallSeconds = seconds
        rowsPerSecond = Double(rows) / seconds
        self.clustering = clustering
        peakRssBytes = ResourceUsage.peakResidentBytes()
    }
}
