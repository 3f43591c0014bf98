import ArgumentParser
import Foundation
import WinnowCore
import WinnowIO

/// `winnow generate`: a clustered Gaussian pool for demos, tests and benchmarks.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic clustered pool (DIR/pool-NNN.npy; give it as 'DIR/pool-*.npy') and its labels (DIR/labels.npy).")

    enum DTypeName: String, ExpressibleByArgument, CaseIterable { case float32, float16 }

    @Option(help: "Rows in the pool.") var rows: Int
    @Option(name: .customLong("dim"), help: "Vector dimension d.") var dimension: Int
    @Option(help: "Gaussian clusters.") var clusters: Int = 64
    @Option(help: "Standard deviation of the noise around each centre (centres are N(0, 1)).") var spread: Double = 0.5
    @Option(help: "Element type.") var dtype: DTypeName = .float32
    @Option(help: "Files to split the rows over.") var files: Int = 1
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Output folder.") var out: String

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard dimension >= 1 else { throw ValidationError("--dim must be at least 1") }
        guard clusters >= 1 else { throw ValidationError("--clusters must be at least 1") }
        guard files >= 1 && files <= rows else { throw ValidationError("--files must be between 1 and --rows") }
        guard spread >= 0 && spread.isFinite else { throw ValidationError("--spread must be non-negative") }
    }

    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let pool = SyntheticPool(rows: rows, dimension: dimension, clusters: clusters, spread: spread, seed: seed)
            var labels: [Int32] = []
            labels.reserveCapacity(rows)
            for f in 0..<files {
                let range = rows * f / files..<rows * (f + 1) / files
                let path = out + String(format: "/pool-%03d.npy", f)
                try NpyWriter.stream(
                    to: path, dtype: dtype == .float32 ? .float32 : .float16,
                    rows: range.count, dimension: dimension
                ) { local in
                    let (l, values) = pool.generate(range.lowerBound + local.lowerBound..<range.lowerBound + local.upperBound)
                    labels += l
                    return values
                }
            }
            try NpyWriter.writeInt32(labels, to: out + "/labels.npy")
            print("wrote \(rows) × \(dimension) \(dtype.rawValue) rows in \(files) file(s) to \(out)/")
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
