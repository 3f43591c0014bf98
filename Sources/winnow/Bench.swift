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

    func run() throws {
        BLAS.useSingleThread()
        MemoryTuning.reuseLargeBlocks()
        let block = VectorBlock(values: SyntheticPool(rows: rows, dimension: dimension).generate(0..<rows).values, dimension: dimension)
        let clock = ContinuousClock()
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
