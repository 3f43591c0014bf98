import XCTest
import WinnowCore

/// Coverage-centric selection against the paper's rule worked by hand.
final class CoverageCentricTests: XCTestCase {
    func testStrataShareTheBudgetSmallestFirst() {
        // 90 easy rows (score 0) and 10 hard ones (score 1); two bins, nothing pruned.
        let scores = [Float](repeating: 0, count: 90) + [Float](repeating: 1, count: 10)
        let rows = (0..<100).map(Int64.init)
        // Budget 20: the small bin takes min(10, 20/2) = 10, the large one the other 10.
        var (picks, weights) = CoverageCentric.select(scores: scores, rows: rows, budget: 20, pruneHard: 0, strata: 2, seed: 0)
        XCTAssertEqual(picks.filter { $0 >= 90 }.count, 10)
        XCTAssertEqual(picks.filter { $0 < 90 }.count, 10)
        XCTAssertEqual(weights.reduce(0, +), 100, accuracy: 1e-9, "each pick stands for its bin's rows")
        // Budget 12: 6 and 6.
        (picks, _) = CoverageCentric.select(scores: scores, rows: rows, budget: 12, pruneHard: 0, strata: 2, seed: 0)
        XCTAssertEqual(picks.filter { $0 >= 90 }.count, 6)
        XCTAssertEqual(Set(picks).count, 12)
    }

    func testTheHardestArePrunedAndEveryBinIsCovered() {
        // Scores 0…99 on rows 0…99: β = 0.1 drops rows 90…99; three bins over [0, 89] share 30 evenly.
        let scores = (0..<100).map(Float.init)
        let rows = (0..<100).map(Int64.init)
        let (picks, _) = CoverageCentric.select(scores: scores, rows: rows, budget: 30, pruneHard: 0.1, strata: 3, seed: 4)
        XCTAssertEqual(picks.count, 30)
        XCTAssertTrue(picks.allSatisfy { $0 < 90 })
        let width = 89.0 / 3
        let perBin = Dictionary(grouping: picks) { min(2, Int(Double($0) / width)) }.mapValues(\.count)
        XCTAssertEqual(perBin, [0: 10, 1: 10, 2: 10])
        // Seeded: the same seed gives the same rows, another seed others.
        XCTAssertEqual(CoverageCentric.select(scores: scores, rows: rows, budget: 30, pruneHard: 0.1, strata: 3, seed: 4).picks, picks)
        XCTAssertNotEqual(CoverageCentric.select(scores: scores, rows: rows, budget: 30, pruneHard: 0.1, strata: 3, seed: 5).picks, picks)
        // A budget beyond what is left after pruning takes every kept row.
        XCTAssertEqual(
            Set(CoverageCentric.select(scores: scores, rows: rows, budget: 500, pruneHard: 0.1, strata: 3, seed: 4).picks),
            Set(0..<90))
    }
}
