import ArgumentParser
import Foundation
import WinnowCore
import WinnowNative

/// `winnow bench`: the similarity-block kernel of a chunk against itself (normalisation, one `ssyrk`
/// and the shifted-cosine transform applied while mirroring, into a fresh block as a chunk gets it)
/// beside a plain `sgemm` of the same shape into a reused block, in the same process, as a throughput
/// ratio of the same 2·n²·d flop.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Micro-benchmarks: similarity-block throughput against plain cblas_sgemm on the same shapes.")

    @Option(help: "Rows of the block (candidates = targets).") var rows: Int = 8192
    @Option(name: .customLong("dim"), help: "Vector dimension.") var dimension: Int = 384
    @Option(help: "Repetitions (the best is kept).") var repeats: Int = 3
    @Option(help: "Also time chunk 0's whole task in the plan of a pool of this many rows (0: not).")
    var poolRows: Int = 0
    @Option(help: "k of that plan (default: pool rows / 100).") var budget: Int?
    @Option(help: "Instead, time a merge's neighbour lists: the --rows candidates against this many targets (0: not).")
    var listTargets: Int = 0
    @Option(help: "K of those lists.") var neighbors: Int = SelectionSettings.Default.mergeNeighbors

    /// A merge's floor: the products of its candidates with its targets (`sgemm`, a part of targets
    /// at a time into a reused buffer, as the lists compute them) against the whole lists — products,
    /// the shifted-cosine map and every target's top K — on one core.
    private func timeLists(clock: ContinuousClock) {
        // Candidates and targets from one pool: a merge's sample is drawn from the rows its picks stand for.
        let pool = SyntheticPool(rows: rows + listTargets, dimension: dimension)
        let candidates = VectorBlock(values: pool.generate(0..<rows).values, dimension: dimension)
        let targets = VectorBlock(values: pool.generate(rows..<rows + listTargets).values, dimension: dimension)
        let part = NeighborLists.targetPart
        var out = [Float](repeating: 0, count: rows * part)
        var products = Double.infinity, lists = Double.infinity, entries = 0
        for _ in 0..<repeats {
            products = min(
                products,
                clock.measure {
                    for first in stride(from: 0, to: listTargets, by: part) {
                        BLAS.multiplyTransposed(
                            candidates.values, rows: 0..<rows, by: targets.values, rows: first..<min(listTargets, first + part),
                            dimension: dimension, into: &out)
                    }
                }.seconds)
            lists = min(
                lists,
                clock.measure {
                    let kernel = PairwiseKernel(measure: .shiftedCosine, targets: targets, candidates: candidates)
                    entries = NeighborLists(kernel: kernel, neighbors: neighbors).entryCount
                }.seconds)
        }
        print(
            String(
                format: "{\"candidates\": %d, \"targets\": %d, \"dim\": %d, \"neighbors\": %d, \"entries\": %d, "
                    + "\"sgemm_s\": %.4f, \"lists_s\": %.4f, \"lists_over_sgemm\": %.2f}",
                rows, listTargets, dimension, neighbors, entries, products, lists, lists / products))
    }

    func run() throws {
        BLAS.useSingleThread()
        MemoryTuning.reuseLargeBlocks()
        let clock = ContinuousClock()
        if listTargets > 0 { return timeLists(clock: clock) }
        let block = VectorBlock(values: SyntheticPool(rows: rows, dimension: dimension).generate(0..<rows).values, dimension: dimension)
        var out = [Float](repeating: 0, count: rows * rows)
        var plain = Double.infinity, kernel = Double.infinity
        for _ in 0..<repeats {
            plain = min(
                plain,
                clock.measure {
                    BLAS.multiplyTransposed(block.values, rows: 0..<rows, by: block.values, rows: 0..<rows, dimension: dimension, into: &out)
                }.seconds)
            kernel = min(
                kernel,
                clock.measure {
                    let k = PairwiseKernel(measure: .shiftedCosine, targets: block)
                    out = k.allValues()
                }.seconds)
        }
        let flop = 2.0 * Double(rows) * Double(rows) * Double(dimension)
        guard poolRows > 0 else {
            print(
                String(
                    format: "{\"rows\": %d, \"dim\": %d, \"sgemm_gflops\": %.2f, \"kernel_gflops\": %.2f, \"ratio\": %.3f}",
                    rows, dimension, flop / plain / 1e9, flop / kernel / 1e9, plain / kernel))
            return
        }
        // The floor: one `ssyrk` of the chunk against itself (half the flop), then the whole chunk
        // task of the plan's chunk 0 on the same rows (normalising, the block, the greedy, the sample).
        var floor = Double.infinity, chunk = Double.infinity
        let settings = SelectionSettings(budget: budget ?? max(1, poolRows / 100))
        let job = SelectionJob(totalRows: poolRows, dimension: dimension, settings: settings)
        let task = job.chunkTask(0)
        let n = min(rows, task.rows.count)
        let chunkBlock = VectorBlock(values: Array(block.values[0..<n * dimension]), dimension: dimension)
        for _ in 0..<repeats {
            floor = min(floor, clock.measure { BLAS.upperSelfProduct(chunkBlock.values, rows: n, dimension: dimension, into: &out) }.seconds)
            chunk = min(
                chunk,
                clock.measure {
                    _ = SelectionTasks.chunk(task, rows: Array(task.rows.prefix(n)), vectors: chunkBlock, settings: settings)
                }.seconds)
        }
        print(
            String(
                format:
                    "{\"rows\": %d, \"dim\": %d, \"chunk_budget\": %d, \"ssyrk_s\": %.4f, \"kernel_s\": %.4f, \"chunk_s\": %.4f, \"chunk_over_ssyrk\": %.2f, \"sgemm_gflops\": %.2f}",
                n, dimension, task.budget, floor, kernel, chunk, chunk / floor, flop / plain / 1e9))
    }
}
