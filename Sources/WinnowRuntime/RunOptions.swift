import WinnowCore
import WinnowIO

/// What to do with rows holding NaN or Inf.
public enum NonfinitePolicy: String, Sendable, CaseIterable {
    /// Refuse the pool, naming the first such row (default): a NaN in an embedding is a bug upstream.
    case fail
    /// Leave such rows out of the selection and count them in the report.
    case skip
}

/// A whole `select` run: the selection settings plus what happens around them.
public struct RunOptions: Sendable {
    public enum Default {
        public static let nonfinite = NonfinitePolicy.fail
        /// Rows the objective is evaluated on: the whole pool up to this size, else a seeded uniform
        /// sample of this many rows (evaluation costs `rows × k × d`, so it is bounded by default).
        public static let evalSample = 100_000
        public static let weights = WeightsMode.auto
        /// `--weights auto` counts weights exactly up to this many rows × picks (2·10⁹: 1M rows and
        /// 2,000 picks; about as long as the evaluation of that many picks on 1M rows).
        public static let exactWeightsWork = 2_000_000_000
    }

    public var settings: SelectionSettings
    public var nonfinite: NonfinitePolicy = Default.nonfinite
    /// One greedy over the whole pool instead of chunks and merges: the quality reference.
    public var exact = false
    /// What the `weight` column counts (`WeightsMode`).
    public var weights = Default.weights
    /// See `Default.evalSample`; nil: no evaluation.
    public var evalSample: Int? = Default.evalSample
    /// Whether this run is the exact greedy itself (one greedy over the whole pool that evaluates
    /// every candidate it needs): its own objective is then the quality reference. Stochastic greedy
    /// over the whole pool is not: it samples candidates.
    public var isExactGreedy: Bool {
        guard exact else { return false }
        if case .stochastic = settings.optimizer { return false }
        return true
    }

    /// The objective of the exact greedy on the same evaluation rows, from an `--exact` run with the
    /// same seed and evaluation sample: the quality block then reports the gap closed.
    public var referenceObjective: Double?
    /// With `.rbf`, derive γ = 1 / (2 · total variance) from a statistics pass first.
    public var rbfGammaFromData = false
    /// `--quality`: the quality column the selection reads when `settings.qualityWeight` ≠ 0.
    public var qualityPath: String?

    /// `--score`: difficulty scores, for coverage-centric selection.
    public var scorePath: String?

    /// `--labels`: the labels column the selection reads when `settings.labelBudget` is set.
    public var labelsPath: String?
    /// `--objective cluster-balanced`: the k-means whose clusters are the labels.
    public var clusterBalance: ClusterBalance?
    /// `--objective sensitivity`: the k-means its draw followed, once run.
    public var sensitivity: SensitivitySample?
    /// `--partition cluster`: each row's k-means cluster, which the chunks follow.
    public var partitionClusters: [Int32]?
    /// `--rows` / `--exclude`: files of pool row numbers; the selection uses only the rows of the first
    /// (all when nil) less those of the second, as if the pool were a copy of them.
    public var rowsPath: String?
    public var excludePath: String?
    /// Those rows, ascending (nil: every row), once read (`SelectionEntryPoint`).
    public var eligibleRows: [Int]?
    /// `--given`: a file of rows chosen before (a selection.npy), in their pick order: the greedy
    /// starts from them; they are neither counted in k nor written as picks.
    public var givenPath: String?
    /// Those rows, once read.
    public var givenRows: [Int64] = []
    /// `--targets`: a `.npy` of vectors facility location covers instead of the pool.
    public var targetsPath: String?

    /// The labels column, when the settings set label budgets.
    public func labelColumn(rows: Int) throws(InputError) -> LabelColumn? {
        guard settings.labelBudget != nil, let labelsPath else { return nil }
        return try LabelColumn.open(labelsPath, rows: rows)
    }

    /// The labels a run's caps are planned from (`column`'s, one per pool row), and the label no pick
    /// can have. Under `--nonfinite skip` a row holding NaN/Inf is never a candidate, so it must count
    /// for no label: a cap sized for rows nobody can pick leaves the selection short of k (a label
    /// whose rows are mostly NaN would keep its whole share). The clusters of `cluster-balanced`
    /// already give such a row −1; a user's own labels may use any value, so the pool is read once
    /// to find those rows, and they get a label of their own that no row has.
    public func plannedLabels(_ column: LabelColumn?, pool: Pool) -> (labels: [Int64], leftOut: Int64?)? {
        guard let column else { return nil }
        var labels = column.all()
        if clusterBalance != nil { return (labels, ClusterBalance.leftOut) }
        guard nonfinite == .skip else { return (labels, nil) }
        let bad = pool.nonfiniteRows()
        guard !bad.isEmpty else { return (labels, nil) }
        let present = Set(labels)
        var leftOut = Int64.min
        while present.contains(leftOut) { leftOut += 1 }
        for row in bad { labels[row] = leftOut }
        return (labels, leftOut)
    }

    /// The quality column, opened and checked against the pool, when the settings weigh quality.
    public func qualityColumn(rows: Int) throws(InputError) -> QualityColumn? {
        guard settings.qualityWeight != 0, let qualityPath else { return nil }
        return try QualityColumn.open(qualityPath, rows: rows)
    }

    public init(settings: SelectionSettings) { self.settings = settings }
}
