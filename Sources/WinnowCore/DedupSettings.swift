/// Every knob of `winnow dedup`'s within-cluster pass, with its one default.
public struct DedupSettings: Sendable, Equatable {
    /// Which row of a group of near-duplicates is kept: the walk through a cluster keeps a row unless
    /// it is above the threshold to a row kept before it, so the walk's order decides.
    public enum Keep: String, CaseIterable, Sendable {
        /// Row order: the first row of the pool.
        case first
        /// Nearest the mean of its cluster's (unit) rows first: the most typical copy (BAAI's runs
        /// scored it better downstream than keeping by row order).
        case central
        /// Highest `--quality` score first.
        case quality
    }

    public enum Default {
        public static let keep = Keep.first
        /// Compare kept rows across cluster borders too (`BorderCheck`): a border separates 7 % of
        /// the pairs above 0.9 of MiniLM-embedded fortunes, at any cluster count. On because its steps
        /// (`borderFirstStep`) end it where it finds nothing: at 10M generated rows with no pair above
        /// 0.9 it costs a quarter of a walk, not the whole budget.
        public static let checksBorders = true
        /// Comparisons the border check may make, in units of the within-cluster walk's (the kept rows
        /// of each part against each other), spent on the nearest borders first. BENCHMARKS.md, "The
        /// border check within a budget": .infinity compares every border a near-duplicate can cross.
        public static let borderBudget = 4.0
        /// The border check goes on, nearest borders first, in steps — the first of this many times
        /// the walk's comparisons, each next twice the last — and ends after a step that found no pair
        /// above the threshold (.infinity: one step, the whole budget). A unit of cost, not a tuned
        /// threshold: on fortunes, Fashion-MNIST and package descriptions every step of the budget
        /// found pairs (the same bytes as one step); at 10M generated rows with none, a first step of
        /// 1 left 46,000–53,000 rows/s and 0.25 62,000–68,000 (BENCHMARKS.md, "The border check in
        /// steps").
        public static let borderFirstStep = 0.25
        /// Clusters, those with the centroids nearest its own, that a kept row is bounded against when
        /// the budget is finite (every cluster with no limit): at 10M rows of 5,000 clusters bounding
        /// every row against every centroid would cost several times the rest of the run.
        public static let borderCandidates = 32
        /// Rows per part a cluster is walked in: the walk costs rows × kept rows, and near-duplicates
        /// in different parts are not compared.
        public static let partRows = 2000
        /// Lloyd iterations: clusters only bound the search, so fewer than `winnow cluster` runs.
        public static let iterations = 10
        /// A cluster of more rows than this (twice a part) is split by a k-means of its own into parts
        /// of about `partRows` rows: a cluster's walk costs its rows squared, so uneven clusters cost
        /// far more than even ones of the same rows (one giant cluster, a template repeated with small
        /// changes, as much as all the others together). At 10M rows of 5,000 clusters the sum of
        /// squares was 2.67 × that of even clusters with ten parts as the limit, 0.99 × with two; the
        /// within-cluster pass took 169.5 s and 109.5 s, and package descriptions lost 0.00004 of their
        /// pairs (BENCHMARKS.md, "Dedup at 10M rows at the defaults").
        public static let splitRows = 2 * partRows

        /// Clusters of the pool-wide k-means when `--clusters` is not given: one per `partRows` rows.
        /// Fewer clusters, each then split, cost less in the k-means but compared fewer pairs on real
        /// text: recall 0.99891 against 0.99933 at 0.9 (BENCHMARKS.md, "Dedup against brute force").
        public static func clusters(rows: Int) -> Int { max(1, rows / partRows) }

        /// Clusters from which the pool-wide k-means runs in two levels (`TwoLevelKMeans`), both fitted
        /// on the fit sample, so that every row is read once and compared with about 4√clusters
        /// centroids instead of all: one level's two passes over every row grow as rows² / `partRows`
        /// (550 s of a 917 s run at 10M rows and 5,000 clusters; 40–42 s for two levels), and two levels
        /// miss a few more pairs (package descriptions: 0.99907 against 0.99929 at 98 clusters). From 2M rows.
        public static let levelsFrom = 1_000

        public static func levels(clusters: Int) -> Int { clusters >= levelsFrom ? 2 : 1 }

        /// Iterations over every row after those on the fit sample: one with one level (as `winnow
        /// cluster`); none with two, so that every row is read once, by the assignment.
        public static func fullIterations(levels: Int) -> Int { levels == 2 ? 0 : KMeansSettings.Default.fullIterations }
    }

    /// Cosine similarity above which a row is a near-duplicate of a kept row.
    public var threshold: Float
    public var keep = Default.keep
    public var checksBorders = Default.checksBorders
    public var borderBudget = Default.borderBudget
    public var borderFirstStep = Default.borderFirstStep
    public var borderCandidates = Default.borderCandidates
    public var splitRows = Default.splitRows
    /// Rows per part of a split cluster.
    public var partRows = Default.partRows
    /// Seed of the k-means that splits a cluster (with the cluster's number).
    public var seed: UInt64 = 0

    public init(threshold: Float) { self.threshold = threshold }

    /// What is wrong with these settings, in words a user can act on (empty: nothing).
    public var problems: [String] {
        var out: [String] = []
        if !(threshold.isFinite && threshold > -1 && threshold <= 1) {
            out.append("--threshold must be a cosine in (−1, 1] (got \(threshold))")
        }
        if !(borderBudget > 0) { out.append("--border-budget must be above 0 (got \(borderBudget)); inf checks every border") }
        if !(borderFirstStep > 0) { out.append("--border-first-step must be above 0 (got \(borderFirstStep)); inf spends the whole budget") }
        if splitRows < 2 { out.append("--split-rows must be at least 2 (got \(splitRows))") }
        if partRows < 1 || partRows >= splitRows {
            out.append("the rows per part of a split cluster (\(partRows)) must be at least 1 and below --split-rows (\(splitRows))")
        }
        return out
    }

    /// Parts a cluster of `rows` rows is split into (1: not split).
    public func parts(ofClusterWith rows: Int) -> Int { rows > splitRows ? (rows + partRows - 1) / partRows : 1 }
}
