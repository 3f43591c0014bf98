import Foundation

/// The journals a run's `--out` folder may hold: where each command writes its accepted results, and
/// what `winnow report` reads of a run that was interrupted before its outputs were written. Each
/// k-means a command runs first has its own (a selection may run two, with different k).
public enum RunJournal: String, CaseIterable, Sendable {
    /// The run's own tasks: a selection, `cluster`'s k-means, `dedup`'s within-cluster pass.
    case run = "journal.wnj"
    /// The k-means whose clusters are `--objective cluster-balanced`'s labels, or `--objective
    /// sensitivity`'s clusters.
    case clusterLabels = "clusters.wnj"
    /// The k-means whose clusters `--partition cluster`'s chunks follow.
    case partition = "partition.wnj"
    /// The k-means before `dedup`'s within-cluster pass.
    case dedupKMeans = "kmeans.wnj"

    public func path(in folder: String) -> String { (folder as NSString).appendingPathComponent(rawValue) }

    /// What its results are, for a person.
    var contents: String {
        switch self {
        case .run: "the run's tasks"
        case .clusterLabels: "k-means passes of --objective cluster-balanced or sensitivity"
        case .partition: "k-means passes of --partition cluster"
        case .dedupKMeans: "k-means passes of dedup"
        }
    }
}
