import ArgumentParser
import WinnowCore

/// The flags that shape the chunks and the merge tree.
struct PlanOptions: ParsableArguments {
    @Option(help: "Rows per chunk.")
    var chunkRows: Int = SelectionSettings.Default.chunkRows

    @Option(
        help:
            "How chunks are cut: random (seeded 64-row blocks), contiguous, or cluster (rows ordered by a k-means with one cluster per chunk's worth of rows).")
    var partition: Partition = SelectionSettings.Default.partition

    @Option(help: "α: local budget = α × the chunk's share of k.")
    var oversample: Double = SelectionSettings.Default.oversample

    @Option(help: "Children per merge node.")
    var fanIn: Int = SelectionSettings.Default.fanIn

    @Option(help: "Merge candidates weighted by the rows they represent, or GreeDi's unweighted union.")
    var merge: MergeMode = SelectionSettings.Default.merge

    @Option(help: "Rows a merge node covers (facility location): about this many rows sampled from beneath it; 0 covers only the children's picks.")
    var mergeSample: Int = SelectionSettings.Default.mergeSample

    @Option(
        help:
            "R: the merge node that makes the final picks covers at least R sample rows per pick (at most every row beneath it, and 1,048,576); 0 covers --merge-sample rows only."
    )
    var sampleRowsPerPick: Double = SelectionSettings.Default.sampleRowsPerPick

    @Option(
        help:
            "K of a merge node's sparse facility location when its candidates × sample block is too large to hold (each sample row keeps its K most similar candidates); 0 keeps every similarity."
    )
    var mergeNeighbors: Int = SelectionSettings.Default.mergeNeighbors

    @Option(
        help:
            "The most picks one merge task makes; with a larger k the tree stops at the highest level whose nodes' shares of k fit, and the selection is the union of their picks."
    )
    var maxMergePicks: Int = SelectionSettings.Default.maxMergePicks

    @Option(
        help:
            "Facility location over each row's K most similar candidates only (sparse: n·K entries instead of an n × n block, for large chunks); 0 compares every pair (exact)."
    )
    var neighbors: Int = SelectionSettings.Default.neighbors

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = SelectionSettings.Default.seed

    func apply(to s: inout SelectionSettings) {
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
    }
}

extension Partition: ExpressibleByArgument {}
extension MergeMode: ExpressibleByArgument {}
