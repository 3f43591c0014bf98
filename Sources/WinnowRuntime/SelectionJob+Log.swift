import Logging
import WinnowCore

extension SelectionJob {
    /// The plan as one log line says it, in one process and on a coordinator alike.
    var planMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "rows": "\(totalRows)", "d": "\(dimension)", "chunks": "\(chunkCount)",
            "levels": "\(tree.levelSizes)", "k": "\(settings.budget)",
        ]
        if isPartitioned {
            // Worth a word: the selection is then a union of partitions, not one root's greedy.
            metadata["top"] = "level \(topLevel): \(tree.levelSizes[topLevel]) nodes pick their shares of k (k > --max-merge-picks \(settings.maxMergePicks))"
        }
        return metadata
    }
}
