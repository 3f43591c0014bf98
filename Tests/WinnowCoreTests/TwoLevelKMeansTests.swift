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

    /// The final assignment against a naive reference in Double: each row's `probes` nearest
    /// first-level centroids (first-level clusters without parts skipped), then the nearest of their
    /// parts; the distance reported is that part's.
    func testAssignmentIsTheNearestPartOfTheNearestFirstLevelClusters() {
        var random = SeededRandom(seed: 31)
        let d = 6, rows = 700, k1 = 9
        func block(_ n: Int, spread: Double) -> VectorBlock {
            VectorBlock(values: (0..<n * d).map { _ in Float(random.normal() * spread) }, dimension: d)
        }
        let x = block(rows, spread: 3), first = block(k1, spread: 3)
        // First-level cluster 4 has no parts; the others 1–6 each.
        var partsOf: [Range<Int>] = [], partValues: [Float] = []
        for j in 0..<k1 {
            let count = j == 4 ? 0 : 1 + random.index(below: 6)
            let start = partValues.count / d
            for _ in 0..<count { partValues += first.row(j).map { $0 + Float(random.normal()) } }
            partsOf.append(start..<partValues.count / d)
        }
        let parts = VectorBlock(values: partValues, dimension: d)
        func distance(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
            zip(a, b).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        }
        for probes in [1, 2, 3, 20] {
            let (assigned, distances) = TwoLevelKMeans.assign(x, firstLevel: first, parts: parts, partsOf: partsOf, probes: probes)
            for i in 0..<rows {
                let probed = (0..<k1).filter { !partsOf[$0].isEmpty }.sorted { distance(x.row(i), first.row($0)) < distance(x.row(i), first.row($1)) }
                    .prefix(probes)
                let candidates = probed.flatMap { partsOf[$0] }
                let ranked = candidates.sorted { distance(x.row(i), parts.row($0)) < distance(x.row(i), parts.row($1)) }
                let expected = ranked[0]
                XCTAssertEqual(Int(assigned[i]), expected, "row \(i), probes \(probes)")
                XCTAssertEqual(distances[i], distance(x.row(i), parts.row(expected)), accuracy: 1e-9)
            }
        }
    }
}
