import XCTest
import WinnowCore
import WinnowTestKit

/// `--quality-weight λ`: facility location plus λ · Σ q(s), against the definition.
final class QualityTermTests: XCTestCase {
    func settings(_ k: Int, _ lambda: Double) -> SelectionSettings {
        var s = SelectionSettings(budget: k)
        s.qualityWeight = lambda
        return s
    }

    func greedy(_ block: VectorBlock, _ quality: [Float], k: Int, lambda: Double, _ optimizer: Optimizer = .lazy) -> GreedySelection {
        var s = settings(k, lambda)
        s.optimizer = optimizer
        var random = SeededRandom(seed: 1)
        return SelectionTasks.greedy(
            settings: s, candidates: block, rows: (0..<block.rows).map(Int64.init), weights: nil,
            budget: k, random: &random, quality: quality)
    }

    /// Greedy by definition, in Double: each step the row with the largest facility-location gain
    /// plus λ · q.
    func reference(_ block: VectorBlock, _ quality: [Float], k: Int, lambda: Double) -> [Int] {
        Reference.greedy(block, k: k, .shiftedCosine, bonus: quality.map { lambda * Double($0) })
    }

    func testGreedyWithAQualityTermFollowsItsDefinition() {
        for seed in 1...12 as ClosedRange<UInt64> {
            let n = 10 + Int(seed % 7)
            let block = NpyFixtures.uniform(rows: n, dimension: 4, seed: seed)
            var random = SeededRandom(seed: seed)
            let quality = (0..<n).map { _ in Float(random.next() % 1000) / 1000 }
            for lambda in [0.5, 2.0, -1.0] {
                let picks = greedy(block, quality, k: 4, lambda: lambda).picks
                XCTAssertEqual(picks, reference(block, quality, k: 4, lambda: lambda), "seed \(seed), λ \(lambda)")
                XCTAssertEqual(picks, greedy(block, quality, k: 4, lambda: lambda, .naive).picks, "lazy = naive")
            }
            // The reported gain includes the term: the first pick's coverage of every row, plus 3 q.
            let g = greedy(block, quality, k: 1, lambda: 3)
            let p = g.picks[0]
            let coverage = (0..<n).reduce(0.0) { $0 + Reference.similarity(block.row($1), block.row(p), .shiftedCosine) }
            XCTAssertEqual(g.gains[0], coverage + 3 * Double(quality[p]), accuracy: 1e-4, "seed \(seed)")
        }
    }

    /// A term that dwarfs the coverage picks by score alone: the k best-scored rows, best first,
    /// through chunks and merges.
    func testALargeWeightPicksTheBestScoredRows() {
        let block = NpyFixtures.clustered(rows: 4000, dimension: 8, seed: 5)
        var random = SeededRandom(seed: 9)
        let quality = (0..<4000).map { _ in Float(random.next() % 1_000_000) / 1_000_000 }
        // Scores differ by at least 1e-6, times 1e12: more than any coverage gain of 4,000 rows.
        var s = settings(50, 1e12)
        s.chunkRows = 512
        let selection = InMemoryCoordination.reference(vectors: block, settings: s, quality: quality)
        let best = (0..<4000).sorted { quality[$0] > quality[$1] || (quality[$0] == quality[$1] && $0 < $1) }.prefix(50).map(Int64.init)
        XCTAssertEqual(selection.rows, best)
        XCTAssertEqual(selection.quality, best.map { quality[Int($0)] })
        // No term: the scores are not carried.
        XCTAssertNil(InMemoryCoordination.reference(vectors: block, settings: settings(50, 0)).quality)
    }
}
