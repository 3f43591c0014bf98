import WinnowCore

/// `--objective cluster-balanced`: the pool's k-means clusters act as labels with per-cluster caps
/// (balanced or proportional), and facility location (plus any quality term) selects within the caps —
/// the partition matroid of `--labels`, with k-means writing the labels first.
public struct ClusterBalance: Sendable, Codable {
    public enum Default {
        /// Clusters: about ten picks per cluster, at least 2, at most 1,000.
        public static func clusters(budget: Int, rows: Int) -> Int { min(rows, max(2, min(1000, budget / 10))) }
        public static let budget = LabelBudget.balanced
    }

    /// The cluster `clusters.npy` gives a row the k-means left out (NaN/Inf under `--nonfinite skip`).
    public static let leftOut: Int64 = -1

    public var clusters: Int
    /// The k-means's final inertia and seconds.
    public var inertia: Double
    public var seconds: Double
    /// Where each row's cluster was written (`--out/clusters.npy`, int64, −1 for a row left out).
    public var assignments: String

    public init(clusters: Int, inertia: Double, seconds: Double, assignments: String) {
        self.clusters = clusters
        self.inertia = inertia
        self.seconds = seconds
        self.assignments = assignments
    }
}
