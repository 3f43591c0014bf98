import Foundation
import XCTest
import WinnowCore

/// Clustering-based sensitivity sampling: the draw is successive sampling by the sensitivity bound,
/// checked against the exact chances of a tiny pool, and its importance-weighted picks estimate a
/// pool's mean within the Hoeffding bound the sampling distribution guarantees, on a generated pool of
/// uneven clusters and on a real one (Fashion-MNIST), with the draw's weights and with the weights
/// calibrated to the clusters' sizes.
final class SensitivitySamplingTests: XCTestCase {
    /// Half the mass by cost share, half by cluster (evenly over clusters, then over their rows).
    func testProbabilitiesSplitTheMassBetweenCostAndClusterSize() {
        let p = SensitivitySampling.probabilities(cost: [0, 2, 6, 0], cluster: [0, 0, 0, 1])
        let sizeShare: Double = 0.5 / 6
        let expected: [Double] = [sizeShare, 0.125 + sizeShare, 0.375 + sizeShare, 0.25]
        for i in 0..<4 { XCTAssertEqual(p[i], expected[i], accuracy: 1e-15) }
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12)
        // No cost anywhere: the cluster half takes it all.
        XCTAssertEqual(SensitivitySampling.probabilities(cost: [0, 0, 0], cluster: [4, 4, 9]), [0.25, 0.25, 0.5])
    }

    /// Over many seeds the first pick follows p exactly and the pair drawn follows successive sampling
    /// (p_i · p_j / (1 − p_i) for the order i, j), computed by brute force over all orders.
    func testDrawIsSuccessiveSamplingByProbability() {
        let p = [0.4, 0.25, 0.2, 0.1, 0.05], rows: [Int64] = [10, 11, 12, 13, 14], seeds = 40_000
        var first = [Double](repeating: 0, count: 5), included = [Double](repeating: 0, count: 5)
        for seed in 0..<seeds {
            let d = SensitivitySampling.draw(2, rows: rows, probability: p, seed: UInt64(seed))
            XCTAssertEqual(d.picks.count, 2)
            first[d.picks[0]] += 1
            for i in d.picks { included[i] += 1 }
        }
        var exact = [Double](repeating: 0, count: 5)
        for i in 0..<5 {
            for j in 0..<5 where j != i {
                let order = p[i] * p[j] / (1 - p[i])
                exact[i] += order
                exact[j] += order
            }
        }
        for i in 0..<5 {
            let n = Double(seeds)
            XCTAssertEqual(first[i] / n, p[i], accuracy: 5 * (p[i] * (1 - p[i]) / n).squareRoot(), "first pick \(i)")
            XCTAssertEqual(included[i] / n, exact[i], accuracy: 5 * (exact[i] * (1 - exact[i]) / n).squareRoot(), "inclusion \(i)")
        }
    }

    /// The sample is a function of rows, chances and seed only: any order of the rows gives the same
    /// picks and weights, and a smaller budget gives the first picks of a larger one.
    func testDrawIgnoresRowOrderAndNests() {
        var random = SeededRandom(seed: 5)
        let n = 2000
        let rows = (0..<Int64(n)).map { $0 * 3 + 7 }
        let p = SensitivitySampling.probabilities(cost: (0..<n).map { _ in random.unit() * 4 }, cluster: (0..<n).map { Int32($0 % 7) })
        let whole = SensitivitySampling.draw(300, rows: rows, probability: p, seed: 11)
        var order = Array(0..<n)
        random.shuffle(&order)
        let shuffled = SensitivitySampling.draw(300, rows: order.map { rows[$0] }, probability: order.map { p[$0] }, seed: 11)
        let shuffledRows = order.map { rows[$0] }
        XCTAssertEqual(whole.picks.map { rows[$0] }, shuffled.picks.map { shuffledRows[$0] })
        XCTAssertEqual(whole.weights, shuffled.weights)
        let smaller = SensitivitySampling.draw(120, rows: rows, probability: p, seed: 11)
        XCTAssertEqual(smaller.picks, Array(whole.picks.prefix(120)))
        XCTAssertNotEqual(SensitivitySampling.draw(300, rows: rows, probability: p, seed: 12).picks, whole.picks)
        let all = SensitivitySampling.draw(5000, rows: rows, probability: p, seed: 11)
        XCTAssertEqual(Set(all.picks), Set(0..<n))
        XCTAssertEqual(all.weights, [Double](repeating: 1, count: n))
        XCTAssertEqual(all.draws, .infinity)
    }

    /// Clusters of very different sizes and spreads: the weighted picks estimate the mean cost (each
    /// row's squared distance to its centroid) and the mean of an unrelated smooth loss.
    func testWeightedPicksEstimateAGeneratedPoolsMeans() {
        var random = SeededRandom(seed: 21)
        let d = 16, sizes = [3000, 1500, 700, 300, 120, 60, 20]
        var values: [Float] = []
        for (c, size) in sizes.enumerated() {
            let centre = (0..<d).map { _ in random.normal() * 4 }
            let spread = 0.2 + Double(c % 3) * 0.6
            for _ in 0..<size { values += centre.map { Float($0 + random.normal() * spread) } }
        }
        checkEstimates(VectorBlock(values: values, dimension: d), clusters: 12, budget: 200)
    }

    /// The same on real data: Fashion-MNIST's 10,000 test images (784 pixels scaled to [0, 1]).
    func testWeightedPicksEstimateFashionMNISTMeans() throws {
        let path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) missing: apt-get install dataset-fashion-mnist") }
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", path]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
        gunzip.waitUntilExit()
        XCTAssertEqual(bytes.count, 16 + 10_000 * 784)
        let pixels = bytes.dropFirst(16).map { Float($0) / 255 }
        checkEstimates(VectorBlock(values: Array(pixels), dimension: 784), clusters: 40, budget: 300)
    }

    /// For each of 30 seeds the estimate of each quantity's pool mean lies within Hoeffding's bound for
    /// τ independent draws whose terms f/(n p) lie in [0, R]: |error| ≤ R √(ln(2/δ) / 2τ), δ = 10⁻³; for
    /// the cost R ≤ 2 × its mean by construction. The estimates average out to the mean (no bias),
    /// while the unweighted mean of the picks' cost is far above it (the draw favours costly rows).
    func checkEstimates(_ x: VectorBlock, clusters k: Int, budget: Int, file: StaticString = #filePath, line: UInt = #line) {
        let (assignments, centroids) = lloyd(x, k: k)
        let n = x.rows, d = x.dimension
        var cost = [Double](repeating: 0, count: n)
        var loss = [Double](repeating: 0, count: n)
        var random = SeededRandom(seed: 99)
        let probeRow = random.index(below: n)
        let probe = (0..<d).map { Double(x.values[probeRow * d + $0]) }
        for i in 0..<n {
            let a = Int(assignments[i])
            for t in 0..<d {
                let v = Double(x.values[i * d + t])
                cost[i] += (v - Double(centroids.values[a * d + t])) * (v - Double(centroids.values[a * d + t]))
                loss[i] += (v - probe[t]) * (v - probe[t])
            }
            loss[i] = loss[i].squareRoot()
        }
        let p = SensitivitySampling.probabilities(cost: cost, cluster: assignments)
        let rows = (0..<Int64(n)).map { $0 }
        let quantities = [("cost", cost), ("distance to a probe", loss)]
        var averages = [Double](repeating: 0, count: 2 * quantities.count), unweighted = 0.0
        let seeds = 30
        for seed in 0..<seeds {
            let drawn = SensitivitySampling.draw(budget, rows: rows, probability: p, seed: UInt64(seed))
            XCTAssertEqual(drawn.picks.count, budget, file: file, line: line)
            XCTAssertGreaterThan(drawn.draws, Double(budget) * 0.75, file: file, line: line)
            // Calibrated: each cluster's picks stand for its rows, and those of clusters without a pick
            // are shared in proportion; in all they stand for every row.
            let calibrated = SensitivitySampling.calibrated(drawn, cluster: assignments)
            var standsFor = [Int32: Double](), size = [Int32: Double]()
            for (pick, weight) in zip(drawn.picks, calibrated) { standsFor[assignments[pick], default: 0] += weight }
            for c in assignments { size[c, default: 0] += 1 }
            let covered = standsFor.keys.reduce(0.0) { $0 + size[$1]! }
            for (c, total) in standsFor {
                XCTAssertEqual(total, size[c]! * Double(n) / covered, accuracy: 1e-9 * total, "cluster \(c)", file: file, line: line)
            }
            XCTAssertEqual(calibrated.reduce(0, +), Double(n), accuracy: 1e-9 * Double(n), file: file, line: line)
            for (q, (name, f)) in quantities.enumerated() {
                let mean = f.reduce(0, +) / Double(n)
                let range = (0..<n).map { f[$0] / (Double(n) * p[$0]) }.max()!
                if name == "cost" { XCTAssertLessThanOrEqual(range, 2 * mean * (1 + 1e-9), file: file, line: line) }
                let bound = range * (log(2 / 1e-3) / (2 * drawn.draws)).squareRoot()
                for (kind, weights) in [("drawn", drawn.weights), ("calibrated", calibrated)] {
                    var estimate = 0.0
                    for (pick, weight) in zip(drawn.picks, weights) { estimate += f[pick] * weight }
                    estimate /= Double(n)
                    XCTAssertLessThanOrEqual(abs(estimate - mean), bound, "\(name), \(kind) weights, seed \(seed)", file: file, line: line)
                    averages[kind == "drawn" ? q : quantities.count + q] += (estimate - mean) / mean / Double(seeds)
                }
            }
            unweighted += drawn.picks.reduce(0) { $0 + cost[$1] } / Double(budget) / Double(seeds)
        }
        for (q, (name, _)) in quantities.enumerated() {
            XCTAssertLessThan(abs(averages[q]), 0.03, "\(name): the estimates' average relative error", file: file, line: line)
            XCTAssertLessThan(abs(averages[quantities.count + q]), 0.03, "\(name): calibrated, average relative error", file: file, line: line)
        }
        XCTAssertGreaterThan(unweighted, 1.1 * cost.reduce(0, +) / Double(n), "unweighted picks over-represent costly rows", file: file, line: line)
    }

    /// Ten Lloyd passes from k-means++ seeds.
    func lloyd(_ x: VectorBlock, k: Int) -> (assignments: [Int32], centroids: VectorBlock) {
        var random = SeededRandom(seed: 7)
        var centroids = KMeans.seed(x, k: k, random: &random)
        for _ in 0..<10 { centroids = KMeans.update(centroids, with: KMeans.assign(x, to: centroids).partial) }
        return (KMeans.assign(x, to: centroids).assignments, centroids)
    }
}
