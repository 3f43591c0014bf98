import XCTest
import WinnowCore
import WinnowNative
import WinnowTestKit

final class GainBoundsTests: XCTestCase {
    /// Every bound is at least the Float gain `Kernels.facilityGain` computes, and within the levels'
    /// resolution of it, on values chosen to sit on and beside level boundaries: 0, 1, multiples of
    /// 1/65534 and their Float neighbours, and covers equal to values.
    func testBoundsHoldAndStayTight() throws {
        var r = SeededRandom(seed: 21)
        let n = 1_003  // not a multiple of 8: the scalar tail too
        for trial in 0..<60 {
            var values = [Float](repeating: 0, count: 4 * n)
            for i in values.indices {
                switch r.index(below: 6) {
                case 0: values[i] = 0
                case 1: values[i] = 1
                case 2: values[i] = Float(r.index(below: 65535)) / 65534
                case 3: values[i] = (Float(r.index(below: 65535)) / 65534).nextUp
                case 4: values[i] = (Float(r.index(below: 65535)) / 65534).nextDown.magnitude
                default: values[i] = Float(r.unit())
                }
            }
            values = values.map { min($0, 1) }
            let levels = try XCTUnwrap(GainBounds.levels(of: values))
            for j in 0..<4 {
                var cover = (0..<n).map { _ in Float(r.unit()) * Float(trial % 4) / 3 }
                // Some covers exactly on a value of the column: their terms are 0 in both.
                for i in stride(from: 0, to: n, by: 7) { cover[i] = values[j * n + i] }
                let weights: [Float]? = trial % 2 == 0 ? nil : (0..<n).map { _ in Float(1 + r.index(below: 40)) / 3 }
                let gain = Kernels.facilityGain(values, offset: j * n, cover: cover, weights: weights)
                let bound = GainBounds.bound(levels, offset: j * n, covers: cover.map(GainBounds.coverLevel), weights: weights)
                XCTAssertGreaterThanOrEqual(bound, gain, "trial \(trial) column \(j)")
                let heaviest = Double(weights?.max() ?? 1)
                XCTAssertLessThanOrEqual(bound - gain, 1e-4 * gain + Double(n) * heaviest * 2.1 / 65534, "trial \(trial) column \(j)")
            }
        }
    }

    /// The unweighted bound is summed exactly in integers: the exact sum of its terms, within the Float
    /// lanes' rounding of the bound under weights of 1 (which may round a block's sum past 2^24), and
    /// right on long columns, whose lanes are flushed before they could overflow.
    func testUnweightedBoundsAreExactIntegerSums() throws {
        var r = SeededRandom(seed: 8)
        for (n, saturated) in [(7, false), (64, false), (1_003, false), (8_192, false), (300_001, false), (300_001, true)] {
            // Saturated: every term the largest a level allows, the case that would overflow a lane.
            let values = (0..<n).map { _ in saturated || r.index(below: 3) == 0 ? Float(1) : Float(r.unit()) }
            let cover = (0..<n).map { _ in saturated || r.index(below: 4) == 0 ? Float(0) : Float(r.unit()) / 2 }
            let levels = try XCTUnwrap(GainBounds.levels(of: values))
            let covers = cover.map(GainBounds.coverLevel)
            let exact = zip(levels, covers).reduce(0) { $0 + max(0, Int($1.0) - Int($1.1)) }
            let bound = GainBounds.bound(levels, offset: 0, covers: covers, weights: nil)
            XCTAssertEqual(bound, Double(exact) / 65534 * (1 + 3e-5), "n=\(n)")
            let unit = GainBounds.bound(levels, offset: 0, covers: covers, weights: [Float](repeating: 1, count: n))
            XCTAssertEqual(bound, unit, accuracy: 1e-6 * unit, "n=\(n)")
        }
    }

    /// The pass that makes a block's levels and reads every column's gain gives the levels
    /// `levels(of:)` gives and the gains `Kernels.facilityGain` gives, bit for bit; a block with a
    /// value outside [0, 1] still gets its gains, and no levels.
    func testLevelsAndGainsInOnePassAreTheSeparateOnes() throws {
        var r = SeededRandom(seed: 5)
        for (columns, length) in [(7, 1_003), (33, 64), (1, 9)] {
            var block = (0..<columns * length).map { _ in Float(r.unit()) }
            let cover = (0..<length).map { _ in Float(r.unit()) / 2 }
            for weights in [nil, (0..<length).map { _ in Float(1 + r.index(below: 9)) / 4 }] as [[Float]?] {
                let (levels, gains) = GainBounds.levelsAndGains(of: block, columns: columns, length: length, cover: cover, weights: weights)
                XCTAssertEqual(try XCTUnwrap(levels), try XCTUnwrap(GainBounds.levels(of: block)))
                let separate = (0..<columns).map { Kernels.facilityGain(block, offset: $0 * length, cover: cover, weights: weights) }
                XCTAssertEqual(gains.map(\.bitPattern), separate.map(\.bitPattern), "\(columns) × \(length)")
            }
            block[block.count / 2] = 1.5
            let (levels, gains) = GainBounds.levelsAndGains(of: block, columns: columns, length: length, cover: cover, weights: nil)
            XCTAssertNil(levels)
            XCTAssertEqual(gains, (0..<columns).map { Kernels.facilityGain(block, offset: $0 * length, cover: cover, weights: nil) })
        }
    }

    /// Values outside [0, 1] (a dot product's, a NaN) have no levels: callers go without bounds.
    func testValuesOutsideTheUnitIntervalHaveNoLevels() {
        XCTAssertNotNil(GainBounds.levels(of: [0, 0.5, 1, 1, 0, 0.25, 0.75, 1, 0.5]))
        for bad: Float in [-0.01, 1.001, 7, .nan, -.infinity] {
            for at in [0, 8] {
                var values = [Float](repeating: 0.5, count: 9)
                values[at] = bad
                XCTAssertNil(GainBounds.levels(of: values), "\(bad) at \(at)")
            }
        }
    }

    /// Lazy greedy on a held block switches to the levels' bounds once it has read a pass of exact
    /// gains, and still picks exactly what naive greedy picks (rows, order, gains, weights), with and
    /// without target weights and a quality term.
    func testLazyWithBoundsPicksWhatNaivePicks() {
        for (n, d, k, seed) in [(700, 16, 120, 1), (1500, 32, 200, 2)] as [(Int, Int, Int, UInt64)] {
            for block in [NpyFixtures.uniform(rows: n, dimension: d, seed: seed), NpyFixtures.clustered(rows: n, dimension: d, seed: seed)] {
                var r = SeededRandom(seed: seed)
                let weights: [Double] = (0..<n).map { _ in Double(1 + r.index(below: 9)) }
                for w in [nil, weights] {
                    func objective() -> FacilityLocation {
                        FacilityLocation(
                            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block),
                            candidateRows: (0..<n).map { Int64(n - $0) }, targetWeights: w)
                    }
                    var lazy = objective(), naive = objective()
                    var random = SeededRandom(seed: 1)
                    let a = Greedy.select(&lazy, budget: k, optimizer: .lazy, random: &random)
                    let b = Greedy.select(&naive, budget: k, optimizer: .naive, random: &random)
                    XCTAssertGreaterThan(lazy.boundEvaluations, 0, "n=\(n): the bounds were never used")
                    XCTAssertEqual(lazy.freshPasses, 1, "n=\(n): the second pick re-reads most gains, in one pass")
                    XCTAssertEqual(a.picks, b.picks, "n=\(n) weighted=\(w != nil)")
                    XCTAssertEqual(a.gains, b.gains)
                    XCTAssertEqual(a.weights, b.weights)
                }
            }
        }
    }

    /// Twins (equal columns, equal bounds, equal gains) still go to the smaller row first once bounds
    /// rank the candidates.
    func testTwinsGoToTheSmallerRowUnderBounds() {
        let base = NpyFixtures.clustered(rows: 200, dimension: 8, seed: 3)
        let block = VectorBlock.concatenate([base, base], dimension: 8)
        var o = FacilityLocation(
            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block), candidateRows: (0..<400).map { Int64(399 - $0) })
        var r = SeededRandom(seed: 1)
        let s = Greedy.select(&o, budget: 150, optimizer: .lazy, random: &r)
        XCTAssertGreaterThan(o.boundEvaluations, 0)
        var naive = FacilityLocation(
            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block), candidateRows: (0..<400).map { Int64(399 - $0) })
        XCTAssertEqual(s.picks, Greedy.select(&naive, budget: 150, optimizer: .naive, random: &r).picks)
        for p in s.picks.prefix(20) { XCTAssertGreaterThanOrEqual(p, 200, "a twin of the larger row came first") }
    }
}
