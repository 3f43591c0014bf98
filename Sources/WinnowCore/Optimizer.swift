import HeapModule
import Foundation

/// How the greedy loop finds each step's best candidate. All three give the classic greedy's
/// answer for a given objective (stochastic: its (1 − 1/e − ε) guarantee in expectation), and all break
/// equal gains on the smaller global row.
public enum Optimizer: Sendable, Equatable, Hashable {
    /// Re-evaluates every remaining candidate at every step. O(k · n) gain evaluations; the reference.
    case naive
    /// Minoux's lazy greedy: a heap of stale upper bounds, re-evaluated a batch at a time until the
    /// best one is fresh. Same picks as `naive`, usually far fewer evaluations (default).
    case lazy
    /// Each step evaluates a seeded random sample of `(n / k) · ln(1 / ε)` remaining candidates.
    case stochastic(epsilon: Double)

    public var name: String {
        switch self {
        case .naive: "naive"
        case .lazy: "lazy"
        case .stochastic(let e): "stochastic(epsilon=\(e))"
        }
    }
}

/// Tuning for the greedy loops; each knob's default is the one `SelectionSettings` uses.
public struct OptimizerTuning: Sendable, Equatable {
    public enum Default {
        public static let lazyBatch = 32
        public static let scanBatch = 64
        public static let denseLimitBytes = 512 << 20
        public static let threads = 1
    }

    /// Stale candidates re-evaluated together by lazy greedy when similarities are computed on the
    /// fly: each `sgemm` call re-reads every target row, so batching amortises that read; too large a
    /// batch evaluates candidates that turn out not to be needed.
    public var lazyBatch: Int = Default.lazyBatch
    /// Candidates evaluated together by naive and stochastic greedy.
    public var scanBatch: Int = Default.scanBatch
    /// A candidate × target similarity block up to this size (bytes) is computed once, whole; larger
    /// ones are computed a batch of columns at a time. 512 MiB holds an 8,192-row chunk's block twice.
    /// It also caps the live pairs facility location keeps while tracking gains (`TrackedGains`).
    public var denseLimitBytes: Int = Default.denseLimitBytes
    /// Threads one greedy may use for facility location's similarity columns, tracked gains
    /// (`TrackedGains`) and neighbour lists. 1 where the parallelism is worker processes (one per
    /// core); `--exact`, a single greedy over the pool, and the root merge, the run's last task, use
    /// every core. The selection is the same for any count.
    public var threads: Int = Default.threads

    public init(
        lazyBatch: Int = Default.lazyBatch, scanBatch: Int = Default.scanBatch,
        denseLimitBytes: Int = Default.denseLimitBytes, threads: Int = Default.threads
    ) {
        self.lazyBatch = lazyBatch
        self.scanBatch = scanBatch
        self.denseLimitBytes = denseLimitBytes
        self.threads = threads
    }
}
