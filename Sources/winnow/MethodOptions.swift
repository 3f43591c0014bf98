import ArgumentParser
import WinnowCore

/// The flags that say what a selection maximises and how its greedy runs.
struct MethodOptions: ParsableArguments {
    enum ObjectiveName: String, ExpressibleByArgument, CaseIterable {
        case facilityLocation = "facility-location"
        case kCenter = "k-center"
        case logDet = "log-det"
        case random
        case coverageCentric = "coverage-centric"
        case clusterBalanced = "cluster-balanced"
        case sensitivity
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

    @Option(
        help:
            "Cluster-balanced: k-means clusters whose caps split the budget (caps follow --label-budget, default balanced); sensitivity: the k-means clusters the draw follows. Default: about ten picks per cluster, 2–1,000."
    )
    var clusters: Int?

    @Option(help: "Lloyd iterations of the k-means of --objective cluster-balanced or sensitivity and of --partition cluster.")
    var clusterIterations: Int = KMeansSettings.Default.iterations

    @Option(help: "Greedy optimizer.")
    var optimizer: OptimizerName = .lazy

    @Option(help: "MiB up to which a chunk's similarity block is computed once and held whole; also the most an --exact run keeps of live similarity pairs.")
    var denseLimitMib: Int = OptimizerTuning.Default.denseLimitBytes >> 20

    @Option(help: "ε of stochastic greedy: each step samples (n/k)·ln(1/ε) candidates.")
    var epsilon: Double = SelectionSettings.Default.stochasticEpsilon

    /// Writes the objective, the optimizer and its tuning into `s`.
    func apply(to s: inout SelectionSettings) throws {
        switch objective {
        case .facilityLocation, .clusterBalanced, .sensitivity:
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
    }
}
