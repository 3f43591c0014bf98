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
        print(
            String(
                format: "{\"rows\": %d, \"dim\": %d, \"sgemm_gflops\": %.2f, \"kernel_gflops\": %.2f, \"ratio\": %.3f}",
                rows, dimension, flop / plain / 1e9, flop / kernel / 1e9, plain / kernel))
    }
}
