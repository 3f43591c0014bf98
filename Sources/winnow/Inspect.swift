import ArgumentParser
import Foundation
import WinnowCore
import WinnowIO
import WinnowRuntime

/// `winnow inspect`: data-quality statistics per file and in total.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print per-file and total statistics of a pool (rows, d, dtype, mean/variance, norms, zero, NaN/Inf and duplicate rows).")

    @OptionGroup var pool: PoolOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try ExitStatus.reporting {
            let pool = try pool.open()
            let report = PoolInspection.inspect(pool)
            if json {
                print(String(decoding: try ReportJSON.encode(report), as: UTF8.self))
            } else {
                print(report.table())
            }
        }
    }
}
