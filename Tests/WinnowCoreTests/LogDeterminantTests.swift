import Foundation
import XCTest
import WinnowCore
import WinnowTestKit

/// Log-det (DPP MAP) and the random baseline, against references written here from their definitions.
final class LogDeterminantTests: XCTestCase {
    let ridge = SelectionSettings.Default.logDetRidge

    // MARK: an independent reference: Double kernel, Double Cholesky, greedy by determinant ratios

    /// `cos(a, b) + ridge · δ_ab` in Double from the raw rows.
    func kernel(_ block: VectorBlock, _ rows: [Int]) -> [[Double]] {
        let unit: [[Double]] = rows.map { r in
            let v = block.row(r).map(Double.init)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? v.map { $0 / norm } : v
        }
        return unit.indices.map { a in
            unit.indices.map { b in zip(unit[a], unit[b]).reduce(0) { $0 + $1.0 * $1.1 } + (a == b ? ridge : 0) }
        }
    }

    func logDet(_ m: [[Double]]) -> Double {
        let n = m.count
        var l = m
        var total = 0.0
        for j in 0..<n {
            for i in j..<n {
                var s = l[i][j]
                for t in 0..<j { s -= l[i][t] * l[j][t] }
                if i == j {
                    l[j][j] = s.squareRoot()
                    total += log(s)
                } else {
                    l[i][j] = s / l[j][j]
                }
            }
        }
        return total
    }

    /// Greedy by its definition: each step the row with the largest `log det(L_{S+i}) − log det(L_S)`,
    /// equal ratios (to 1e-12) going to the smaller row.
    func referenceGreedy(_ block: VectorBlock, k: Int) -> [Int] {
        var picks: [Int] = []
        for _ in 0..<k {
            let base = logDet(kernel(block, picks))
            var best = -1, bestGain = -Double.infinity
            for i in 0..<block.rows where !picks.contains(i) {
                let g = logDet(kernel(block, picks + [i])) - base
                if g > bestGain + 1e-12 { best = i; bestGain = g }
            }
            picks.append(best)
        }
        return picks
    }

    func select(_ block: VectorBlock, k: Int, _ optimizer: Optimizer) -> GreedySelection {
        var objective = LogDeterminant(candidates: block, candidateRows: (0..<block.rows).map(Int64.init), ridge: ridge)
        var random = SeededRandom(seed: 1)
        return Greedy.select(&objective, budget: k, optimizer: optimizer, random: &random)
    }

    // MARK: tests

    func testGreedyEqualsTheDeterminantRatioGreedyAndItsGainsAddUp() {
        for seed in 1...12 as ClosedRange<UInt64> {
            let n = 8 + Int(seed % 5), d = 2 + Int(seed % 4)
            let block = NpyFixtures.uniform(rows: n, dimension: d, seed: seed)
            let k = min(n, 6)  // beyond d: the ridge carries the picks past the kernel's rank
            let greedy = select(block, k: k, .lazy)
            XCTAssertEqual(greedy.picks, referenceGreedy(block, k: k), "seed \(seed), n \(n), d \(d)")
            // Each gain is the log of a determinant ratio: they sum to log det of the picks.
            let total = greedy.gains.reduce(0, +)
            let direct = logDet(kernel(block, greedy.picks))
            XCTAssertEqual(total, direct, accuracy: 1e-5 * max(1, abs(direct)), "seed \(seed)")
            XCTAssertEqual(LogDeterminant.value(of: block.gather(greedy.picks), ridge: ridge), direct, accuracy: 1e-5 * max(1, abs(direct)))
            // Gains never rise (submodularity), which lazy greedy relies on.
            XCTAssertEqual(greedy.gains, greedy.gains.sorted(by: >), "seed \(seed)")
        }
    }

    func testLazyEqualsNaiveOnMediumPools() {
        for (n, d, k) in [(600, 8, 40), (2000, 16, 120)] {
            let block = NpyFixtures.clustered(rows: n, dimension: d, seed: UInt64(n))
            let lazy = select(block, k: k, .lazy), naive = select(block, k: k, .naive)
            XCTAssertEqual(lazy.picks, naive.picks, "n \(n)")
            XCTAssertEqual(lazy.gains, naive.gains, "n \(n)")
            XCTAssertEqual(lazy.weights.reduce(0, +), Double(n), accuracy: 1e-9, "every row is represented once")
        }
    }

    /// Orthogonal directions first, copies never while a new direction is left.
    func testDuplicatesAreShunned() {
        var rows: [[Float]] = []
        for axis in 0..<5 { rows.append((0..<5).map { $0 == axis ? 1 : 0 }) }
        for copy in 0..<5 { rows.append((0..<5).map { $0 == 0 ? Float(1 + copy) : 0 }) }  // multiples of axis 0
        let picks = select(VectorBlock(rows: rows), k: 5, .lazy).picks
        XCTAssertEqual(Set(picks), Set(0..<5))
    }

    // MARK: random

    func testRandomKeepsTheLargestKeysWhateverTheChunking() {
        let block = NpyFixtures.uniform(rows: 5000, dimension: 4, seed: 3)
        var settings = SelectionSettings(budget: 200)
        settings.objective = .random
        settings.chunkRows = 8192  // one chunk: the root itself
        let whole = InMemoryCoordination.reference(vectors: block, settings: settings)
        let keys = (0..<5000).map { RandomKeys.key(row: Int64($0), seed: 0) }
        let top = (0..<5000).sorted { keys[$0] > keys[$1] }.prefix(200).map(Int64.init)
        XCTAssertEqual(whole.rows, top, "one chunk: the 200 largest keys, largest first")
        settings.chunkRows = 512
        let chunked = InMemoryCoordination.reference(vectors: block, settings: settings)
        XCTAssertEqual(chunked.count, 200)
        // With α = 4 no chunk held more of the top 200 than it kept: the same rows.
        XCTAssertEqual(Set(chunked.rows), Set(top))
        XCTAssertEqual(chunked.weights.reduce(0, +), 5000, accuracy: 1e-9)
        settings.seed = 1
        XCTAssertNotEqual(Set(InMemoryCoordination.reference(vectors: block, settings: settings).rows), Set(top))
        // Spread over the pool: every tenth of it holds a share near 20.
        let tenths = Dictionary(grouping: chunked.rows) { $0 / 500 }.mapValues(\.count)
        XCTAssertTrue((0..<10).allSatisfy { (8...35).contains(tenths[Int64($0)] ?? 0) }, "\(tenths)")
    }
}
