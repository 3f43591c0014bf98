import Foundation
import WinnowCore
import WinnowIO
import WinnowNative

/// `report.json`: everything needed to trust and reuse a selection (design §1). Documented field by
/// field in the README; keys are snake_case.
public struct RunReport: Codable, Sendable {
    /// Which program made the report, how it was called and when: the same shape for every command.
    public struct Tool: Codable, Sendable {
        public var name = "winnow"
        /// The subcommand: select, coordinator, cluster or dedup.
        public var command: String
        public var version = WinnowVersion.product
        /// The BLAS build and CPU kernel the similarities came from: the selection's bytes hold for it.
        public var blas = BLAS.kernel
        /// The process's arguments as given, the binary's path first.
        public var commandLine = CommandLine.arguments
        /// ISO 8601 UTC, to the millisecond: when the command began (`RunClock.started`) and when its
        /// report was made.
        public var startedAt = RunClock.stamp(RunClock.started)
        public var endedAt = RunClock.stamp(Date())

        public init(command: String) { self.command = command }
    }

    public struct Configuration: Codable, Sendable {
        public var objective: String
        public var measure: String
        public var optimizer: String
        public var budget: Int
        public var chunkRows: Int
        public var blockRows: Int
        public var partition: String
        public var oversample: Double
        public var fanIn: Int
        public var seed: UInt64
        public var merge: String
        public var nonfinite: String
        public var exact: Bool
        public var evalSample: Int?
        public var mergeSample: Int
        public var sampleRowsPerPick: Double
        public var mergeNeighbors: Int
        /// K of sparse facility location (absent when 0: dense).
        public var neighbors: Int?
        /// Log-det's ridge (absent for the other objectives).
        public var logdetRidge: Double?
        /// λ of the quality term (absent when 0).
        public var qualityWeight: Double?
        /// proportional, balanced or explicit (absent without label budgets).
        public var labelBudget: String?
        /// The caps at the root, label → cap (absent without label budgets).
        public var labelCaps: [String: Int]?
        /// `--objective cluster-balanced`: the k-means whose clusters were the labels (absent otherwise).
        public var clusterBalance: ClusterBalance?
        /// `--objective sensitivity`: the k-means the draw followed (absent otherwise).
        public var sensitivity: SensitivitySample?
        /// `--rows`, `--exclude` and the rows they leave to select among (absent without them).
        public var rows: String?
        public var exclude: String?
        public var eligibleRows: Int?
        /// `--given` and how many rows it named (absent without it).
        public var given: String?
        public var givenRows: Int?
        /// `--targets` (absent without it).
        public var targets: String?
    }

    public struct Input: Codable, Sendable {
        public var path: String
        public var rows: Int
        public var dimension: Int
        public var dtype: String
        public var bytes: Int
        public var firstRow: Int
    }

    public struct Statistics: Codable, Sendable {
        public var rows: Int
        public var finiteRows: Int
        public var nonfiniteRows: Int
        public var skippedRows: Int
        public var zeroRows: Int
        /// Exact duplicates found inside chunks (a lower bound on the pool's; `winnow inspect` counts all).
        public var duplicateRowsWithinChunks: Int
        public var normMin: Double
        public var normMean: Double
        public var normMax: Double
        public var totalVariance: Double
        public var mean: [Double]
        public var variance: [Double]
    }

    public struct Selection: Codable, Sendable {
        public var count: Int
        public var sha256: String
        /// "exact" (each row selected among counted for its nearest pick) or "estimate" (the chunked
        /// pipeline's, from the samples its merges saw): what selection.csv's last column holds.
        public var weights: String
    }

    public var tool: Tool
    public var configuration: Configuration
    public var inputs: [Input]
    public var totalRows: Int
    public var dimension: Int
    public var statistics: Statistics
    public var plan: SelectionOutcome.PlanSummary
    public var selection: Selection
    /// Present unless `--no-eval`.
    public var quality: QualityReport?
    public var phases: [String: Double]
    public var phaseOrder: [String]
    public var peakRssBytes: Int
    /// Present when the run was distributed: per-worker tasks, rows, busy and idle time; counters; wire.
    public var cluster: CoordinationReport?
}

public enum WinnowVersion {
    /// The product version (the wire protocol has its own, separate version).
    public static let product = "0.1.0"
}
