/// Every knob of a selection, with its one documented default (`SelectionSettings.Default`). The CLI
/// fills it from flags and validates it; tasks receive it as an immutable value.
public struct SelectionSettings: Sendable, Equatable {
    public enum Default {
        /// Facility location with the shifted cosine: representativeness, the common ask.
        public static let objective = Objective.facilityLocation(.shiftedCosine)
        public static let optimizer = Optimizer.lazy
        /// Rows per chunk: an 8,192-row chunk's similarity work stays in cache-sized batches and its
        /// candidate matrix in ~12 MiB at d = 384; bigger chunks close more of the quality gap (§2b).
        public static let chunkRows = 8192
        /// Rows per block of the random partition: chunks are unions of random 64-row blocks, so each
        /// chunk is a near-uniform sample of the pool while reads stay sequential inside a block.
        public static let blockRows = 64
        public static let partition = Partition.random
        /// α: local budgets are α times a chunk's proportional share of k (design §2, phase 3).
        /// With merges covering most of the pool α = 8 closes more of the gap at k = 1 % (MiniLM words:
        /// 0.95 against 0.93) and less at 5 % (0.93 against 0.95), and doubles the chunks' time
        /// (BENCHMARKS.md § Merges whose sample grows).
        public static let oversample = 4.0
        /// Children per merge node.
        public static let fanIn = 8
        public static let seed: UInt64 = 0
        public static let merge = MergeMode.weighted
        /// Rows a merge node covers (facility location); 0 covers only the children's weighted picks.
        /// 16,384 closed 0.915 of the random-to-exact gap on Fashion-MNIST pixels and 0.98 on MiniLM
        /// text at k = 1% where the weighted merge closed 0.84 and 0.89 (BENCHMARKS.md § merge quality on real embeddings).
        public static let mergeSample = 16_384
        /// The sample of the node that makes the final picks grows with its budget: it covers at least
        /// this many rows per pick (`SelectionJob.sampleSize`), so a large k no longer leaves it with a
        /// sample too thin to cover.
        /// 16: at k = 5 % of 100,000 MiniLM-embedded words the merges then cover 80,000 rows and close
        /// 0.95 of the gap (0.77 with the fixed 16,384-row sample) in the same time. More closes more at
        /// k = 1 % (64 rows a pick: 0.93 against 0.84) but a root covering 64 rows a pick of a 1M pool
        /// costs several times the whole selection (BENCHMARKS.md § Merges whose sample grows).
        public static let sampleRowsPerPick = 16.0
        /// A sample thinner than this many rows per pick (and short of every row beneath the node)
        /// covers worse than the weighted candidates do (on MiniLM text at k = 5%: 5 rows per pick
        /// closed 0.49 of the gap where the weighted merge closed 0.68, 11 rows per pick 0.84 against
        /// 0.83; BENCHMARKS.md § merge quality on real embeddings): the node merges weighted instead. Not a flag: a property
        /// of the method.
        public static let thinSampleRowsPerPick = 8.0
        /// K of a merge node's facility location when its candidates × sample block is too large to
        /// hold (`OptimizerTuning.denseLimitBytes`): each sample row keeps its K most similar
        /// candidates. A merge picks a large share of its candidates (a third to a half), so a row's
        /// K nearest nearly always hold a pick and the sparse cover is the dense one; it costs one
        /// pass over the block instead of one per commit.
        public static let mergeNeighbors = 64
        public static let stochasticEpsilon = 0.01
        /// The most picks one merge task makes. A node choosing more would hold a candidate set too
        /// large to merge in minutes (k = 100,000 at 10M rows: ~100,000 candidates at the root, no
        /// dense block, each re-evaluation 0.1 GFLOP); with k beyond it, the tree stops lower
        /// (`SelectionJob.topLevel`). 16,384 keeps a top node's ~2 × share candidates' similarity block
        /// near the dense limit at today's budgets, and leaves k ≤ 16,384 on one root.
        public static let maxMergePicks = 16_384
        /// K of sparse facility location: 0 compares every target with every candidate (exact
        /// facility location, the default); K > 0 keeps each target's K most similar candidates only
        /// (`SparseFacilityLocation`), for chunks too large for a dense block.
        public static let neighbors = 0
        /// Log-det's kernel is `cos + ridge · I` over unit rows. The ridge keeps every `L_S` positive
        /// definite, so budgets beyond d (the cosine kernel's rank) can be filled. With 0.1 a row
        /// orthogonal to the picks gains log 1.1 and an exact duplicate of one log(0.21 / 1.1) ≈ −1.65:
        /// duplicates are shunned; a larger ridge tolerates them more (with 1: log 2 against log 1.5).
        public static let logDetRidge = 0.1
        /// λ of the quality term `λ · Σ_{s ∈ S} q(s)` added to the objective (`--quality FILE`):
        /// 0, no quality term, unless asked for.
        public static let qualityWeight = 0.0
    }

    public var objective: Objective = Default.objective
    public var optimizer: Optimizer = Default.optimizer
    public var tuning = OptimizerTuning()
    /// k: rows in the final selection.
    public var budget: Int
    public var chunkRows: Int = Default.chunkRows
    public var blockRows: Int = Default.blockRows
    public var partition: Partition = Default.partition
    public var oversample: Double = Default.oversample
    public var fanIn: Int = Default.fanIn
    public var seed: UInt64 = Default.seed
    public var merge: MergeMode = Default.merge
    /// S > 0: a merge node of a facility-location run covers a seeded sample of at least S of the rows
    /// beneath it (drawn by sensitivity to the chunks' picks, each standing for the inverse of its
    /// probability: `RowSample.draw(_:of:vectors:sensitivity:standsFor:random:)`) instead of its candidates
    /// (`SelectionJob.sampleSize`); a node whose sample would be too thin merges as `merge` says.
    /// Tasks hand their parent their share of its sample.
    public var mergeSample: Int = Default.mergeSample
    /// R: the merge node that makes the final picks (root or `topLevel`) covers max(S, R × its picks)
    /// sample rows, at most every row beneath it and
    /// `mergeSampleLimit` (its vectors are held: 1.5 GiB at the limit and d = 384). 0: S rows only.
    public var sampleRowsPerPick: Double = Default.sampleRowsPerPick
    /// K of a merge node's sparse facility location over a sample block too large to hold; 0 keeps
    /// every similarity (exact, tracked gains: several passes over the block).
    public var mergeNeighbors: Int = Default.mergeNeighbors
    /// The most picks one merge task makes. When k is larger, the tree stops at the highest level
    /// whose nodes' shares of k fit: each of those nodes picks exactly its share (k apportioned by
    /// rows) and the selection is their union — GreeDi's guarantee per partition, without a global
    /// merge. Planned by the coordinator alone (leases carry each task's budget); on the wire for the
    /// configuration hash, like every plan setting.
    public var maxMergePicks: Int = Default.maxMergePicks
    /// K > 0: facility location over each target's K most similar candidates (`--neighbors K`).
    public var neighbors: Int = Default.neighbors
    /// λ ≠ 0: every candidate's gain gains `λ · q(row)` from the run's quality column (a modular term:
    /// the objective stays submodular, and its picks carry their scores up the tree).
    public var qualityWeight: Double = Default.qualityWeight
    /// Per-label caps on the picks (`--label-budget`, with `--labels`): a partition-matroid
    /// constraint kept in every chunk and merge task (`LabelPlan`). nil: none (default).
    public var labelBudget: LabelBudget?

    public init(budget: Int) { self.budget = budget }

    /// Bounds K of `--neighbors` (and what a peer may ask for on the wire).
    public static let neighborLimit = 4096

    /// Bounds a merge node's target block and the samples that travel with coresets.
    public static let mergeSampleLimit = 1 << 20

    /// Whether merge nodes cover a row sample: facility location only (k-center's radius is over
    /// every row, which a sample cannot promise).
    public var coversRowSample: Bool {
        if case .facilityLocation = objective { return mergeSample > 0 }
        return false
    }

    /// Problems a user can fix, in words that say what to change; empty when valid.
    public func problems() -> [String] {
        var out: [String] = []
        if budget < 1 { out.append("--budget must be at least 1 (got \(budget))") }
        if chunkRows < 2 { out.append("--chunk-rows must be at least 2 (got \(chunkRows))") }
        if blockRows < 1 { out.append("block rows must be at least 1") }
        if partition == .random && blockRows >= 1 && chunkRows % blockRows != 0 {
            out.append("--chunk-rows must be a multiple of \(blockRows) with --partition random (got \(chunkRows))")
        }
        if !(oversample >= 1) || !oversample.isFinite { out.append("--oversample must be at least 1 (got \(oversample))") }
        if mergeSample < 0 || mergeSample > Self.mergeSampleLimit {
            out.append("--merge-sample must be between 0 and \(Self.mergeSampleLimit) (got \(mergeSample))")
        }
        if !(sampleRowsPerPick >= 0) || !sampleRowsPerPick.isFinite {
            out.append("--sample-rows-per-pick must be a number at least 0 (got \(sampleRowsPerPick))")
        }
        if mergeNeighbors < 0 || mergeNeighbors > Self.neighborLimit {
            out.append("--merge-neighbors must be between 0 and \(Self.neighborLimit) (got \(mergeNeighbors))")
        }
        if fanIn < 2 { out.append("--fan-in must be at least 2 (got \(fanIn))") }
        if neighbors < 0 || neighbors > Self.neighborLimit {
            out.append("--neighbors must be between 0 and \(Self.neighborLimit) (got \(neighbors))")
        }
        let facilityLocation = if case .facilityLocation = objective { true } else { false }
        if neighbors > 0 && !facilityLocation {
            out.append("--neighbors is a form of facility location: drop it or use --objective facility-location")
        }
        if maxMergePicks < 1 { out.append("--max-merge-picks must be at least 1 (got \(maxMergePicks))") }
        if case .stochastic(let e) = optimizer, !(e > 0 && e < 1) {
            out.append("--epsilon must be in (0, 1) (got \(e))")
        }
        if case .facilityLocation(let m) = objective, m == .euclidean || m == .cosineDistance {
            out.append("facility location needs a similarity (shifted-cosine, dot or rbf)")
        }
        if case .facilityLocation(.rbf(let g)) = objective, !(g > 0) || !g.isFinite {
            out.append("--rbf-gamma must be positive (got \(g))")
        }
        if case .kCenter(let m) = objective, m != .euclidean && m != .cosineDistance {
            out.append("k-center needs a distance (euclidean or cosine)")
        }
        if case .explicit(let caps) = labelBudget, caps.values.contains(where: { $0 < 0 }) {
            out.append("--label-budget: a label's cap must not be negative")
        }
        if !qualityWeight.isFinite { out.append("--quality-weight must be a finite number (got \(qualityWeight))") }
        if qualityWeight != 0, case .kCenter = objective {
            out.append("k-center has no quality term (a covering radius does not add up per row): drop --quality-weight")
        }
        if case .coverageCentric(let beta, let strata) = objective {
            if !(beta >= 0 && beta < 1) { out.append("--prune-hard must be in [0, 1) (got \(beta))") }
            if strata < 1 { out.append("--strata must be at least 1 (got \(strata))") }
            if labelBudget != nil || qualityWeight != 0 { out.append("coverage-centric selection takes neither label budgets nor a quality term") }
        }
        if case .logDeterminant(let r) = objective, !(r > 0) || !r.isFinite {
            out.append("--logdet-ridge must be positive (got \(r))")
        }
        return out
    }
}

/// What the selection maximises.
public enum Objective: Sendable, Equatable, Hashable {
    case facilityLocation(Measure)
    case kCenter(Measure)
    /// `log det(cos + ridge · I)` of the selection: diversity (DPP MAP).
    case logDeterminant(ridge: Double)
    /// A seeded random choice: the baseline (`RandomKeys`).
    case random
    /// Coverage-centric selection by difficulty scores (`CoverageCentric`): no greedy, no tree.
    case coverageCentric(pruneHard: Double, strata: Int)

    public var name: String {
        switch self {
        case .facilityLocation: "facility-location"
        case .kCenter: "k-center"
        case .logDeterminant: "log-det"
        case .random: "random"
        case .coverageCentric: "coverage-centric"
        }
    }

    /// How rows are compared: the objective's own measure, and the cosine for log-det and random
    /// (whose picks are reported with the rows most similar to them).
    public var measure: Measure {
        switch self {
        case .facilityLocation(let m), .kCenter(let m): m
        case .logDeterminant, .random, .coverageCentric: .shiftedCosine
        }
    }
}

/// How a chunk's rows are chosen.
public enum Partition: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Seeded random 64-row blocks from across the pool (RandGreeDi's guarantee needs it).
    case random
    /// Contiguous row ranges.
    case contiguous
    /// Rows ordered by their k-means cluster (one cluster per chunk's worth of rows), then by row,
    /// cut into chunks: a chunk holds one or two clusters, so its picks cover a region of the pool
    /// rather than a sample of all of it.
    case cluster
}

/// How a merge node weighs its candidates.
public enum MergeMode: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Each candidate stands for the rows it represented below (weighted coreset).
    case weighted
    /// GreeDi's plain union: every candidate counts once.
    case unweighted
}
