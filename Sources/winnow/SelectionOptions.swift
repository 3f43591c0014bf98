import ArgumentParser
import Foundation
import Logging
import WinnowCore
import WinnowIO
import WinnowNative
import WinnowRuntime

/// The flags of a selection, shared by `select` (embedded) and `coordinator` (by hand, cluster).
struct SelectionOptions: ParsableArguments {
    enum ObjectiveName: String, ExpressibleByArgument, CaseIterable {
        case facilityLocation = "facility-location"
        case kCenter = "k-center"
        case logDet = "log-det"
        case random
        case coverageCentric = "coverage-centric"
        case clusterBalanced = "cluster-balanced"
    }

    enum SimilarityName: String, ExpressibleByArgument, CaseIterable {
        case shiftedCosine = "shifted-cosine", dot, rbf
    }

    enum DistanceName: String, ExpressibleByArgument, CaseIterable {
        case euclidean, cosine
    }

    enum OptimizerName: String, ExpressibleByArgument, CaseIterable {
        case lazy, naive, stochastic
    }

    @OptionGroup var pool: PoolOptions

    // Unconditional: "--budget -3" is refused by validate() for being negative, not read as a missing value.
    @Option(parsing: .unconditional, help: "k: rows to select.")
    var budget: Int

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "What to maximise.")
    var objective: ObjectiveName = .facilityLocation

    @Option(help: "Facility-location similarity.")
    var similarity: SimilarityName = .shiftedCosine

    @Option(help: "RBF bandwidth γ in exp(−γ‖a−b‖²) (default: 1 / (2 × the pool's total variance)).")
    var rbfGamma: Double?

    @Option(help: "k-center distance.")
    var distance: DistanceName = .euclidean

    @Option(help: "Log-det kernel: cos + ridge · I (larger tolerates near-duplicates more).")
    var logdetRidge: Double = SelectionSettings.Default.logDetRidge

    @Option(help: "Coverage-centric: difficulty score per row, .npy float32 (larger: harder).")
    var score: String?

    @Option(help: "Coverage-centric: β, the hardest share of rows pruned before the strata.")
    var pruneHard: Double = CoverageCentric.Default.pruneHard

    @Option(help: "Coverage-centric: score bins the budget is spread over.")
    var strata: Int = CoverageCentric.Default.strata

    @Option(help: "Cluster-balanced: k-means clusters whose caps split the budget (default: about ten picks per cluster, 2–1,000); caps follow --label-budget (default balanced).")
    var clusters: Int?

    @Option(help: "Lloyd iterations of the k-means of --objective cluster-balanced and --partition cluster.")
    var clusterIterations: Int = KMeansSettings.Default.iterations

    @Option(help: "Greedy optimizer.")
    var optimizer: OptimizerName = .lazy

    @Option(help: "MiB up to which a chunk's similarity block is computed once and held whole; also the most an --exact run keeps of live similarity pairs.")
    var denseLimitMib: Int = OptimizerTuning.Default.denseLimitBytes >> 20

    @Option(help: "ε of stochastic greedy: each step samples (n/k)·ln(1/ε) candidates.")
    var epsilon: Double = SelectionSettings.Default.stochasticEpsilon

    @Option(help: "Rows per chunk.")
    var chunkRows: Int = SelectionSettings.Default.chunkRows

    @Option(help: "How chunks are cut: random (seeded 64-row blocks), contiguous, or cluster (rows ordered by a k-means with one cluster per chunk's worth of rows).")
    var partition: Partition = SelectionSettings.Default.partition

    @Option(help: "α: local budget = α × the chunk's share of k.")
    var oversample: Double = SelectionSettings.Default.oversample

    @Option(help: "Children per merge node.")
    var fanIn: Int = SelectionSettings.Default.fanIn

    @Option(help: "Merge candidates weighted by the rows they represent, or GreeDi's unweighted union.")
    var merge: MergeMode = SelectionSettings.Default.merge

    @Option(help: "Rows a merge node covers (facility location): about this many rows sampled from beneath it; 0 covers only the children's picks.")
    var mergeSample: Int = SelectionSettings.Default.mergeSample

    @Option(help: "R: the merge node that makes the final picks covers at least R sample rows per pick (at most every row beneath it, and 1,048,576); 0 covers --merge-sample rows only.")
    var sampleRowsPerPick: Double = SelectionSettings.Default.sampleRowsPerPick

    @Option(help: "K of a merge node's sparse facility location when its candidates × sample block is too large to hold (each sample row keeps its K most similar candidates); 0 keeps every similarity.")
    var mergeNeighbors: Int = SelectionSettings.Default.mergeNeighbors

    @Option(help: "The most picks one merge task makes; with a larger k the tree stops at the highest level whose nodes' shares of k fit, and the selection is the union of their picks.")
    var maxMergePicks: Int = SelectionSettings.Default.maxMergePicks

    @Option(help: "Facility location over each row's K most similar candidates only (sparse: n·K entries instead of an n × n block, for large chunks); 0 compares every pair (exact).")
    var neighbors: Int = SelectionSettings.Default.neighbors

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = SelectionSettings.Default.seed

    @Option(help: "Rows with NaN/Inf: fail (exit 65 naming the row) or skip (exclude and count).")
    var nonfinite: NonfinitePolicy = RunOptions.Default.nonfinite

    @Flag(help: "One greedy over the whole pool (the quality reference; no chunks, no merges).")
    var exact = false

    @Option(help: "Evaluate the objective on the whole pool up to this many rows, else on a seeded sample of this many.")
    var evalSample: Int = RunOptions.Default.evalSample

    @Flag(help: "Skip evaluating the objective.")
    var noEval = false

    @Option(help: "The objective of an --exact run with the same seed and --eval-sample: report.json then gives the gap closed.")
    var referenceObjective: Double?

    @Option(help: "External ids: .npy int64/int32 or a text file, one per pool row.")
    var ids: String?

    @Option(help: "Quality score per row: .npy float32.")
    var quality: String?

    @Option(help: "λ: add λ × the row's --quality score to every pick's gain (0: the scores are only reported).")
    var qualityWeight: Double = SelectionSettings.Default.qualityWeight

    @Option(help: "Label per row: .npy int32/int64.")
    var labels: String?

    @Option(help: "Caps on each label's picks (needs --labels): proportional (each label's pool share of k), balanced (k split evenly), or a JSON file {\"label\": cap, …}.")
    var labelBudget: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Seconds between progress lines when stderr is not a terminal (on a terminal one live line per phase is redrawn instead).")
    var progressEvery: Double = ProgressSettings.Default.plainEvery.seconds

    @Flag(help: "No progress lines and no summary line on stderr.")
    var quiet = false

    func options() throws -> RunOptions {
        var s = SelectionSettings(budget: budget)
        switch objective {
        case .facilityLocation, .clusterBalanced:
            switch similarity {
            case .shiftedCosine: s.objective = .facilityLocation(.shiftedCosine)
            case .dot: s.objective = .facilityLocation(.dot)
            case .rbf: s.objective = .facilityLocation(.rbf(gamma: rbfGamma ?? 1))
            }
        case .kCenter:
            s.objective = .kCenter(distance == .euclidean ? .euclidean : .cosineDistance)
        case .logDet:
            s.objective = .logDeterminant(ridge: logdetRidge)
        case .random:
            s.objective = .random
        case .coverageCentric:
            s.objective = .coverageCentric(pruneHard: pruneHard, strata: strata)
        }
        switch optimizer {
        case .lazy: s.optimizer = .lazy
        case .naive: s.optimizer = .naive
        case .stochastic: s.optimizer = .stochastic(epsilon: epsilon)
        }
        guard denseLimitMib >= 0, denseLimitMib <= 1 << 30 else {
            throw ValidationError("--dense-limit-mib must be between 0 and 2^30 (got \(denseLimitMib))")
        }
        s.tuning.denseLimitBytes = denseLimitMib << 20
        s.chunkRows = chunkRows
        s.partition = partition
        s.oversample = oversample
        s.fanIn = fanIn
        s.merge = merge
        s.mergeSample = mergeSample
        s.sampleRowsPerPick = sampleRowsPerPick
        s.mergeNeighbors = mergeNeighbors
        s.maxMergePicks = maxMergePicks
        s.neighbors = neighbors
        s.seed = seed
        s.qualityWeight = qualityWeight
        s.labelBudget = try labelBudget.map(Self.parseLabelBudget)
        if let problem = s.problems().first { throw ValidationError(problem) }
        if partition == .cluster && objective == .coverageCentric {
            throw ValidationError("--partition cluster cuts chunks for a greedy; coverage-centric selection has none (drop --partition)")
        }
        if (objective == .coverageCentric) != (score != nil) {
            throw ValidationError(score == nil ? "--objective coverage-centric needs --score FILE (one float32 difficulty per pool row)"
                                               : "--score is read only by --objective coverage-centric")
        }
        if objective == .clusterBalanced {
            if labels != nil { throw ValidationError("--objective cluster-balanced makes its own labels (k-means clusters): drop --labels") }
            if let c = clusters, c < 1 { throw ValidationError("--clusters must be at least 1 (got \(c))") }
            if clusterIterations < 0 { throw ValidationError("--cluster-iterations must be 0 or more (got \(clusterIterations))") }
            s.labelBudget = s.labelBudget ?? ClusterBalance.Default.budget
            if let problem = s.problems().first { throw ValidationError(problem) }
        } else {
            if clusters != nil { throw ValidationError("--clusters is read only by --objective cluster-balanced") }
            if labelBudget != nil && labels == nil { throw ValidationError("--label-budget needs --labels FILE (one int32/int64 label per pool row)") }
        }
        if qualityWeight != 0 && quality == nil { throw ValidationError("--quality-weight needs --quality FILE (one float32 score per pool row)") }
        if evalSample < 0 { throw ValidationError("--eval-sample must be 0 (whole pool) or more") }
        if !(progressEvery > 0) { throw ValidationError("--progress-every must be more than 0 seconds (got \(progressEvery))") }
        if let r = referenceObjective, !r.isFinite || noEval {
            throw ValidationError(noEval ? "--reference-objective needs the evaluation (drop --no-eval)" : "--reference-objective must be finite")
        }
        // One greedy in this process and nothing else running: it may use every core.
        if exact { s.tuning.threads = ProcessInfo.processInfo.activeProcessorCount }
        var o = RunOptions(settings: s)
        o.nonfinite = nonfinite
        o.exact = exact
        o.evalSample = noEval ? nil : evalSample
        o.referenceObjective = referenceObjective
        o.rbfGammaFromData = similarity == .rbf && rbfGamma == nil
        o.qualityPath = quality
        o.labelsPath = labels
        o.scorePath = score
        return o
    }


    /// `proportional`, `balanced`, or a JSON object file mapping labels to caps.
    static func parseLabelBudget(_ text: String) throws -> LabelBudget {
        switch text {
        case "proportional": return .proportional
        case "balanced": return .balanced
        default:
            guard let data = FileManager.default.contents(atPath: text),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ValidationError("--label-budget must be proportional, balanced, or a readable JSON file {\"label\": cap, …} (got '\(text)')")
            }
            var caps: [Int64: Int] = [:]
            for (key, value) in object {
                guard let label = Int64(key), let cap = value as? Int, cap >= 0 else {
                    throw ValidationError("--label-budget \(text): \"\(key)\": \(value) is not an integer label with a cap of 0 or more")
                }
                caps[label] = cap
            }
            return .explicit(caps)
        }
    }

    /// The k-means of `--objective cluster-balanced`, its clusters written as the run's labels.
    private func clusterLabels(pool: Pool, place: KMeansExecution.Place, log: Logger) throws -> ClusterBalance {
        var k = KMeansSettings(k: clusters ?? ClusterBalance.Default.clusters(budget: budget, rows: pool.totalRows))
        k.iterations = clusterIterations
        k.seed = seed
        if let problem = k.problems(rows: pool.totalRows).first { throw ValidationError(problem.replacingOccurrences(of: "--k", with: "--clusters")) }
        let start = ContinuousClock.now
        let (clustering, _) = try KMeansExecution.run(pool: pool, settings: k, nonfinite: nonfinite, on: place, slots: 1,
                                                      journal: RunJournal.clusterLabels.path(in: out), keepJournal: true, log: log)
        let path = out + "/clusters.npy"
        try NpyWriter.writeInt64(clustering.assignments.map(Int64.init), to: path)
        log.info("cluster-balanced: \(k.k) k-means clusters (sizes \(clustering.sizes.min() ?? 0)–\(clustering.sizes.max() ?? 0)) → \(path)")
        return ClusterBalance(clusters: k.k, inertia: clustering.final.inertia, seconds: (ContinuousClock.now - start).seconds, assignments: path)
    }

    var progress: ProgressSettings {
        var p = ProgressSettings()
        p.mode = quiet ? .quiet : .automatic
        p.plainEvery = .milliseconds(Int64((progressEvery * 1000).rounded()))
        return p
    }

    /// Opens the pool and side columns, runs `body`, writes the outputs and prints the one-line summary.
    /// `body` offers the run's status to the monitor: the progress line and `--out/metrics.prom`.
    /// - Parameter kMeans: where the k-means of `--objective cluster-balanced` and `--partition cluster` runs.
    func execute(kMeans: KMeansExecution.Place = .local(workers: 0), _ body: (Pool, RunOptions, RunMonitor, Logger) throws -> SelectionOutcome) throws {
        var options = try options()
        let progress = progress
        let console = ProgressConsole(style: ProgressConsole.style(for: progress.mode))
        let log = LogSetup.make(level: logLevel, console: console)
        BLAS.useSingleThread()
        try ExitStatus.reporting {
            let pool = try pool.open()
            let folder = try OutputFolder.claim(out)
            defer { withExtendedLifetime(folder) {} }
            if budget > pool.totalRows {
                log.warning("--budget is larger than the pool: the selection holds at most every row", metadata: [
                    "budget": "\(budget)", "rows": "\(pool.totalRows)"])
            }
            let monitor = RunMonitor(settings: progress, console: console, metricsPath: out + "/metrics.prom")
            let kMeansJournals = [RunJournal.clusterLabels, .partition].map { JournalFiles(path: $0.path(in: out)) }
            do {
                let report = try JournalFiles.discarded(after: kMeansJournals) {
                    if objective == .clusterBalanced {
                        options.clusterBalance = try clusterLabels(pool: pool, place: kMeans, log: log)
                        options.labelsPath = options.clusterBalance!.assignments
                    }
                    if partition == .cluster && !exact {
                        var k = KMeansSettings(k: max(1, (pool.totalRows + chunkRows - 1) / chunkRows))
                        k.iterations = clusterIterations
                        k.seed = seed
                        let (clustering, _) = try KMeansExecution.run(pool: pool, settings: k, nonfinite: nonfinite, on: kMeans,
                                                                      slots: 1, journal: RunJournal.partition.path(in: out), keepJournal: true,
                                                                      log: log)
                        log.info("--partition cluster: \(k.k) k-means clusters (sizes \(clustering.sizes.min() ?? 0)–\(clustering.sizes.max() ?? 0))")
                        options.partitionClusters = clustering.assignments
                    }
                    let columns = try SideColumns.load(ids: ids, quality: quality, labels: options.labelsPath, rows: pool.totalRows)
                    if let ids = columns.ids, let repeated = SideColumns.firstRepeated(ids) {
                        log.warning("--ids names a row id more than once: selection.csv cannot tell those rows apart by id", metadata: [
                            "id": "\(repeated.id)", "rows": "\(repeated.rows.map(String.init).joined(separator: ","))"])
                    }
                    let outcome = try body(pool, options, monitor, log)
                    // The k-means journals (cluster-balanced, partition cluster) stayed for a resumed selection.
                    return try OutputWriter.write(outcome, options: options, pool: pool, columns: columns, to: out)
                }
                let st = report.statistics
                if st.zeroRows > 0 {
                    log.warning("rows of all zeros have no direction: their cosine similarity to every row is taken as 0; drop them, or check how they were made",
                                metadata: ["zero_rows": "\(st.zeroRows)"])
                }
                if st.finiteRows > 1 && st.totalVariance == 0 {
                    log.warning("every row is the same vector: any selection covers the pool as well as any other")
                }
                print("selected \(report.selection.count) of \(report.totalRows) rows → \(out)/selection.npy")
                if let q = report.quality { print(q.summary) }
            } catch let failure as RunFailure where failure.isInterruption {
                throw failure  // the journals and the metrics stay: the same command resumes
            } catch {
                // A run that failed for good leaves nothing behind, not even the folder it made.
                monitor.metrics?.remove()
                folder.removeIfMadeAndEmpty()
                throw error
            }
        }
    }
}

extension Partition: ExpressibleByArgument {}
extension MergeMode: ExpressibleByArgument {}
extension NonfinitePolicy: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
