import XCTest
import WinnowCore
import WinnowTestKit

final class GreedyTests: XCTestCase {
    func fl(_ block: VectorBlock, _ measure: Measure = .shiftedCosine, weights: [Double]? = nil, dense: Bool = true) -> FacilityLocation {
        FacilityLocation(
            kernel: PairwiseKernel(measure: measure, targets: block), candidateRows: (0..<block.rows).map(Int64.init),
            targetWeights: weights, tuning: OptimizerTuning(denseLimitBytes: dense ? 1 << 30 : 0))
    }

    func run(_ objective: FacilityLocation, k: Int, _ optimizer: Optimizer, seed: UInt64 = 1) -> GreedySelection {
        var o = objective
        var r = SeededRandom(seed: seed)
        return Greedy.select(&o, budget: k, optimizer: optimizer, random: &r)
    }

    /// Every subset of a tiny pool enumerated: greedy reaches (1 − 1/e) of the optimum, and its picks are
    /// those of greedy computed by definition from the formula.
    func testGreedyAgainstBruteForceOnTinyPools() {
        for seed in 1...20 as ClosedRange<UInt64> {
            let n = 6 + Int(seed % 7)
            let block = NpyFixtures.uniform(rows: n, dimension: 3, seed: seed)
            for measure in [Measure.shiftedCosine, .dot, .rbf(gamma: 0.7)] {
                let k = 3
                let greedy = run(fl(block, measure), k: k, .lazy)
                // Winnow's gains are float32 (rbf: exp of a float32 distance), the reference's Double: they
                // pick the same rows unless two candidates' gains lie within float rounding (~1e-6) of
                // each other, where BLAS kernels of different CPUs may break the tie either way. Then
                // every pick must still be a greedy pick to that precision.
                let reference = Reference.greedy(block, k: k, measure)
                if greedy.picks != reference {
                    XCTAssertTrue(
                        Reference.isGreedySequence(block, greedy.picks, measure, tolerance: 1e-5),
                        "seed \(seed) \(measure): \(greedy.picks) vs \(reference)")
                }
                var optimum = 0.0
                for mask in 0..<(1 << n) where mask.nonzeroBitCount == k {
                    let subset = (0..<n).filter { mask & (1 << $0) != 0 }
                    optimum = max(optimum, Reference.facilityValue(block, subset, measure))
                }
                let value = Reference.facilityValue(block, greedy.picks, measure)
                XCTAssertGreaterThanOrEqual(value, (1 - 1 / M_E) * optimum - 1e-9)
                XCTAssertLessThanOrEqual(value, optimum + 1e-9)
            }
        }
    }

    /// Lazy and naive greedy agree exactly (rows, order and gains) on pools up to 5,000 rows.
    func testLazyEqualsNaive() {
        for (n, d, k, seed) in [(500, 16, 50, 1), (2000, 32, 100, 2), (5000, 24, 60, 3)] as [(Int, Int, Int, UInt64)] {
            for block in [NpyFixtures.uniform(rows: n, dimension: d, seed: seed), NpyFixtures.clustered(rows: n, dimension: d, seed: seed)] {
                let lazy = run(fl(block), k: k, .lazy)
                let naive = run(fl(block), k: k, .naive)
                XCTAssertEqual(lazy.picks, naive.picks, "n=\(n)")
                XCTAssertEqual(lazy.gains, naive.gains, "n=\(n)")
                XCTAssertEqual(lazy.weights, naive.weights)
            }
        }
    }

    /// The BLAS path (similarities computed a batch of columns at a time) picks what the dense path and
    /// a direct Double implementation pick.
    func testOnTheFlyAndDensePathsAgreeWithDirectReference() {
        for seed in 1...3 as ClosedRange<UInt64> {
            let block = NpyFixtures.uniform(rows: 400, dimension: 12, seed: seed)
            let dense = run(fl(block, dense: true), k: 30, .lazy)
            let streamed = run(fl(block, dense: false), k: 30, .lazy)
            XCTAssertFalse(fl(block, dense: false).isDense)
            XCTAssertEqual(dense.picks, streamed.picks)
            for (a, b) in zip(dense.gains, streamed.gains) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(a))) }
            XCTAssertEqual(dense.picks, Reference.greedy(block, k: 30, .shiftedCosine))
        }
    }

    /// Weighted facility location: the objective and each gain match the direct formula.
    func testWeightedObjectiveMatchesFormula() {
        let block = NpyFixtures.clustered(rows: 300, dimension: 8, seed: 4)
        var r = SeededRandom(seed: 9)
        let weights = (0..<300).map { _ in Double(1 + r.index(below: 20)) }
        let selection = run(fl(block, weights: weights), k: 12, .lazy)
        XCTAssertEqual(selection.picks, Reference.greedy(block, k: 12, .shiftedCosine, weights: weights))
        var previous = 0.0
        for (step, gain) in selection.gains.enumerated() {
            let value = Reference.facilityValue(block, Array(selection.picks[0...step]), .shiftedCosine, weights: weights)
            XCTAssertEqual(gain, value - previous, accuracy: 1e-3)
            previous = value
        }
        XCTAssertEqual(selection.weights.reduce(0, +), weights.reduce(0, +), accuracy: 1e-9)
        let evaluated = Evaluation.objective(
            targets: block, selected: block.gather(selection.picks),
            objective: .facilityLocation(.shiftedCosine), weights: weights)
        XCTAssertEqual(evaluated, previous, accuracy: 1e-6 * previous)
    }

    func testStochasticGreedyIsSeededAndClose() {
        let block = NpyFixtures.clustered(rows: 3000, dimension: 16, seed: 5)
        let a = run(fl(block), k: 40, .stochastic(epsilon: 0.01), seed: 1)
        let b = run(fl(block), k: 40, .stochastic(epsilon: 0.01), seed: 1)
        let c = run(fl(block), k: 40, .stochastic(epsilon: 0.01), seed: 2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.picks, c.picks)
        let exact = run(fl(block), k: 40, .lazy)
        XCTAssertGreaterThan(a.gains.reduce(0, +), 0.98 * exact.gains.reduce(0, +))
    }

    /// Equal gains go to the smaller row: duplicated rows are picked in row order.
    func testTiesBreakOnSmallerRow() {
        let base = NpyFixtures.uniform(rows: 5, dimension: 4, seed: 6)
        let block = VectorBlock.concatenate([base, base], dimension: 4)
        var o = FacilityLocation(
            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block),
            candidateRows: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        var r = SeededRandom(seed: 1)
        let s = Greedy.select(&o, budget: 10, optimizer: .lazy, random: &r)
        for (i, p) in s.picks.enumerated() where i < 5 {
            // Of each pair of twins the one with the smaller global row (the later index) comes first.
            XCTAssertGreaterThanOrEqual(p, 5, "pick \(i)")
        }
    }
}
