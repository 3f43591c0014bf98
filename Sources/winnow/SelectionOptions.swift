import ArgumentParser
import Foundation
import Logging
import WinnowCore
import WinnowIO
import WinnowRuntime

/// The flags of a selection, shared by `select` (embedded) and `coordinator` (by hand, cluster).
struct SelectionOptions: ParsableArguments {
    @OptionGroup var pool: PoolOptions

    // Unconditional: "--budget -3" is refused by validate() for being negative, not read as a missing value.
    @Option(parsing: .unconditional, help: "k: rows to select.")
    var budget: Int

    @Option(help: "Output folder.", transform: OutputPath.trimmed)
    var out: String

    @OptionGroup var method: MethodOptions

    @OptionGroup var plan: PlanOptions

    @Option(help: "Rows with NaN/Inf: fail (exit 65 naming the row) or skip (exclude and count).")
    var nonfinite: NonfinitePolicy = RunOptions.Default.nonfinite

    @Flag(help: "One greedy over the whole pool (the quality reference; no chunks, no merges).")
    var exact = false

    @Option(help: "Evaluate the objective on the whole pool up to this many rows, else on a seeded sample of this many.")
    var evalSample: Int = RunOptions.Default.evalSample

    @Option(
        help:
            "selection.csv's last column: exact (a pass counting every row for its nearest pick: rows × k × d work), estimate (the pipeline's, as weight_estimate), or auto (exact up to 2e9 rows × picks)."
    )
    var weights: WeightsMode = RunOptions.Default.weights

    @Flag(help: "Skip evaluating the objective.")
    var noEval = false

    @Option(help: "The objective of an --exact run with the same seed and --eval-sample: report.json then gives the gap closed.")
    var referenceObjective: Double?

    @Option(help: "External ids: .npy int64/int32 or a text file, one per pool row.")
    var ids: String?

    @Option(help: "Select only among these pool rows (.npy int64/int32 of global rows, e.g. dedup's kept.npy), as if the pool held only them.")
    var rows: String?

    @Option(help: "Leave these pool rows out (.npy int64/int32 of global rows): neither picked nor counted as covered.")
    var exclude: String?

    @Option(
        help:
            "Rows chosen before (.npy int64, e.g. an earlier selection.npy, in its order): the greedy starts from them; they are not counted in --budget nor written as picks."
    )
    var given: String?

    @Option(
        help:
            "Vectors to select towards (.npy float32/float16, the pool's d): facility location covers these instead of the pool — the pool rows most like an in-domain set."
    )
    var targets: String?

    @Option(help: "Quality score per row: .npy float32.")
    var quality: String?

    @Option(help: "λ: add λ × the row's --quality score to every pick's gain (0: the scores are only reported).")
    var qualityWeight: Double = SelectionSettings.Default.qualityWeight

    @Option(help: "Label per row: .npy int32/int64.")
    var labels: String?

    @Option(
        help:
            "Caps on each label's picks (needs --labels): proportional (each label's pool share of k), balanced (k split evenly), or a JSON file {\"label\": cap, …}."
    )
    var labelBudget: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Seconds between progress lines when stderr is not a terminal (on a terminal one live line per phase is redrawn instead).")
    var progressEvery: Double = ProgressSettings.Default.plainEvery.seconds

    @Option(
        help: "Log lines as text (time, level, key=value pairs quoted as logfmt, message) or json (one object per line). Default: WINNOW_LOG_FORMAT, else text."
    )
    var logFormat: LogFormat?

    @Flag(help: "No progress lines and no summary line on stderr.")
    var quiet = false

    func validate() throws { _ = try request() }

    /// The run the flags ask for; a ValidationError names the flag at fault.
    func request() throws -> SelectionRequest {
        let balanced = method.objective == .clusterBalanced, coverage = method.objective == .coverageCentric
        let sensitivity = method.objective == .sensitivity
        var s = SelectionSettings(budget: budget)
        try method.apply(to: &s)
        plan.apply(to: &s)
        s.qualityWeight = qualityWeight
        s.labelBudget = try labelBudget.map(LabelBudget.parse)
        if let problem = s.problems().first { throw ValidationError(problem) }
        if plan.partition == .cluster && coverage {
            throw ValidationError("--partition cluster cuts chunks for a greedy; coverage-centric selection has none (drop --partition)")
        }
        if coverage != (method.score != nil) {
            throw ValidationError(
                method.score == nil
                    ? "--objective coverage-centric needs --score FILE (one float32 difficulty per pool row)"
                    : "--score is read only by --objective coverage-centric")
        }
        if sensitivity {
            // A draw, not a greedy: the flags that steer a greedy would be silently ignored.
            let greedyOnly: [(String, Bool)] = [
                ("--labels", labels != nil), ("--label-budget", labelBudget != nil), ("--given", given != nil),
                ("--targets", targets != nil), ("--exact", exact), ("--quality-weight", qualityWeight != 0),
                ("--partition cluster", plan.partition == .cluster),
            ]
            if let (flag, _) = greedyOnly.first(where: \.1) {
                throw ValidationError("\(flag) steers a greedy; --objective sensitivity draws rows by their sensitivity to a k-means (drop \(flag))")
            }
        }
        if balanced || sensitivity {
            if let c = method.clusters, c < 1 { throw ValidationError("--clusters must be at least 1 (got \(c))") }
            if method.clusterIterations < 0 { throw ValidationError("--cluster-iterations must be 0 or more (got \(method.clusterIterations))") }
        }
        if balanced {
            if labels != nil { throw ValidationError("--objective cluster-balanced makes its own labels (k-means clusters): drop --labels") }
            s.labelBudget = s.labelBudget ?? ClusterBalance.Default.budget
            if let problem = s.problems().first { throw ValidationError(problem) }
        } else if !sensitivity {
            if method.clusters != nil { throw ValidationError("--clusters is read only by --objective cluster-balanced and sensitivity") }
            if labelBudget != nil && labels == nil { throw ValidationError("--label-budget needs --labels FILE (one int32/int64 label per pool row)") }
        }
        if targets != nil {
            guard case .facilityLocation = s.objective, !balanced else {
                throw ValidationError("--targets is read by --objective facility-location (it covers the targets instead of the pool)")
            }
            // The merges cover the targets too: a sample of the pool beneath them has nothing to add.
            s.mergeSample = 0
        }
        if coverage && (rows != nil || exclude != nil || given != nil) {
            throw ValidationError("--rows, --exclude and --given are read by the greedy objectives, not by coverage-centric selection")
        }
        if qualityWeight != 0 && quality == nil { throw ValidationError("--quality-weight needs --quality FILE (one float32 score per pool row)") }
        if evalSample < 0 { throw ValidationError("--eval-sample must be 0 (whole pool) or more") }
        if !(progressEvery > 0) { throw ValidationError("--progress-every must be more than 0 seconds (got \(progressEvery))") }
        if let r = referenceObjective, !r.isFinite || noEval {
            throw ValidationError(noEval ? "--reference-objective needs the evaluation (drop --no-eval)" : "--reference-objective must be finite")
        }
        // One greedy in this process and nothing else running: it may use every core.
        if exact { s.tuning.threads = UsableProcessors.count() }
        var o = RunOptions(settings: s)
        o.nonfinite = nonfinite
        o.exact = exact
        o.evalSample = noEval ? nil : evalSample
        o.weights = weights
        o.referenceObjective = referenceObjective
        o.rbfGammaFromData = method.similarity == .rbf && method.rbfGamma == nil
        o.qualityPath = quality
        o.labelsPath = labels
        o.scorePath = method.score
        o.rowsPath = rows
        o.excludePath = exclude
        o.givenPath = given
        o.targetsPath = targets
        var request = SelectionRequest(options: o, out: out)
        request.idsPath = ids
        request.clusterBalanced = balanced
        request.sensitivity = sensitivity
        request.balanceClusters = method.clusters
        request.clusterIterations = method.clusterIterations
        request.progress.mode = quiet ? .quiet : .automatic
        request.progress.plainEvery = .milliseconds(Int64((progressEvery * 1000).rounded()))
        request.logLevel = logLevel
        return request
    }

    /// Opens the pool and runs the selection where `place` says, reporting failures as every command does.
    func run(on place: WorkerPlace, command: String = "select") throws {
        if let logFormat { LogFormat.use(logFormat) }
        var request = try request()
        request.command = command
        try ExitStatus.reporting {
            try SelectionEntryPoint.run(request, pool: pool.open(), on: place)
        }
    }
}

extension NonfinitePolicy: ExpressibleByArgument {}
extension WeightsMode: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
