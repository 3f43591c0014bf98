import XCTest
import WinnowCore
import WinnowTestKit

final class StatisticsTests: XCTestCase {
    /// Chan's merge of any split equals one Welford pass over everything.
    func testChanMergeEqualsWholePoolForAnySplit() {
        let block = NpyFixtures.clustered(rows: 1000, dimension: 7, seed: 11)
        let whole = EmbeddingStatistics.of(block)
        var r = SeededRandom(seed: 3)
        for _ in 0..<25 {
            var cuts = (0..<1 + r.index(below: 6)).map { _ in r.index(below: 1001) }
            cuts = ([0] + cuts + [1000]).sorted()
            var merged = EmbeddingStatistics(dimension: 7)
            for (a, b) in zip(cuts, cuts.dropFirst()) where b > a {
                merged.merge(EmbeddingStatistics.of(block.gather(Array(a..<b))))
            }
            XCTAssertEqual(merged.count, whole.count)
            for k in 0..<7 {
                XCTAssertEqual(merged.mean[k], whole.mean[k], accuracy: 1e-12 * max(1, abs(whole.mean[k])))
                XCTAssertEqual(merged.m2[k], whole.m2[k], accuracy: 1e-9 * whole.m2[k])
            }
            XCTAssertEqual(merged.normMin, whole.normMin)
            XCTAssertEqual(merged.normMax, whole.normMax)
            XCTAssertEqual(merged.normSum, whole.normSum, accuracy: 1e-9 * whole.normSum)
        }
        // And the mean/variance are the textbook ones.
        for k in 0..<7 {
            let xs = (0..<1000).map { Double(block.values[$0 * 7 + k]) }
            let mean = xs.reduce(0, +) / 1000
            let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1000
            XCTAssertEqual(whole.mean[k], mean, accuracy: 1e-12)
            XCTAssertEqual(whole.variance[k], variance, accuracy: 1e-12)
        }
    }

    func testCountsZeroNonfiniteAndDuplicateRows() {
        var rows: [[Float]] = [[1, 2], [0, 0], [.nan, 1], [1, 2], [3, .infinity], [0, 0], [5, 6]]
        let s = EmbeddingStatistics.of(VectorBlock(rows: rows))
        XCTAssertEqual(s.count, 5)
        XCTAssertEqual(s.nonfiniteRows, 2)
        XCTAssertEqual(s.zeroRows, 2)
        XCTAssertEqual(s.duplicateRows, 2)
        rows.removeAll()
    }

    /// Exact duplicates found by hashing agree with comparing every pair of rows bit for bit, on a block
    /// with many repeats, zeros of both signs and NaN payloads (equal only when their bits are).
    func testDuplicatesAgreeWithComparingEveryPair() {
        var rng = SeededRandom(seed: 7)
        let d = 9
        let distinct: [[Float]] = (0..<40).map { i in
            switch i {
            case 0: return [Float](repeating: 0, count: d)
            case 1: return [Float](repeating: -0.0, count: d)
            case 2: return [Float](repeating: Float(bitPattern: 0x7FC0_0001), count: d)
            case 3: return [Float](repeating: Float(bitPattern: 0x7FC0_0002), count: d)
            default: return (0..<d).map { _ in Float(rng.index(below: 5)) - 2 }
            }
        }
        let rows = (0..<1_000).map { _ in distinct[rng.index(below: distinct.count)] }
        let expected = rows.indices.filter { r in
            rows[..<r].contains { earlier in zip(earlier, rows[r]).allSatisfy { $0.bitPattern == $1.bitPattern } }
        }
        XCTAssertEqual(DuplicateFinder.duplicates(in: VectorBlock(rows: rows)), expected)
        XCTAssertGreaterThan(expected.count, 900)
    }
}
