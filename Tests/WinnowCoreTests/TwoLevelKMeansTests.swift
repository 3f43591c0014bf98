import XCTest
import WinnowCore

final class TwoLevelKMeansTests: XCTestCase {
    /// The split against brute force: over every way to give k to clusters of these sizes within the
    /// bounds (each cluster with rows 1…its rows, an empty one 0), it is one closest to the exact
    /// proportional shares (largest deviation first, then the sum of deviations), and it sums to k.
    func testSplitIsTheClosestToProportionalWithinTheBounds() {
        var random = SeededRandom(seed: 4)
        for _ in 0..<300 {
            let sizes = (0..<(1 + random.index(below: 4))).map { _ in random.index(below: 3) == 0 ? 0 : 1 + random.index(below: 9) }
            let total = sizes.reduce(0, +)
            guard total > 0 else { continue }
            let k = 1 + random.index(below: total)
            let nonEmpty = sizes.filter { $0 > 0 }.count
            guard k >= nonEmpty else { continue }
            let shares = TwoLevelKMeans.split(k, sizes: sizes)
            XCTAssertEqual(shares.reduce(0, +), k, "\(sizes) k \(k)")
            for (s, n) in zip(shares, sizes) { XCTAssertTrue(n == 0 ? s == 0 : (1...n).contains(s), "\(sizes) k \(k): \(shares)") }
            func deviation(_ x: [Int]) -> Double {
                zip(x, sizes).map { abs(Double($0) - Double(k) * Double($1) / Double(total)) }.max() ?? 0
            }
            var best = Double.infinity
            func search(_ i: Int, _ chosen: [Int], _ left: Int) {
                if i == sizes.count {
                    if left == 0 { best = min(best, deviation(chosen)) }
                    return
                }
                let range = sizes[i] == 0 ? 0...0 : 1...sizes[i]
                for s in range where s <= left { search(i + 1, chosen + [s], left - s) }
            }
            search(0, [], k)
            XCTAssertLessThanOrEqual(deviation(shares), best + 1e-9, "\(sizes) k \(k): \(shares)")
        }
    }

    func testFirstLevelIsTheRoundedSquareRoot() {
        XCTAssertEqual(TwoLevelKMeans.firstLevelClusters(1), 1)
        XCTAssertEqual(TwoLevelKMeans.firstLevelClusters(300), 17)
        XCTAssertEqual(TwoLevelKMeans.firstLevelClusters(20_000), 141)
    }
}
