import WinnowCore
import WinnowNative
import WinnowTestKit
import XCTest

final class BorderCheckTests: XCTestCase {
    /// The two smallest of `norms[j] − 2 · dots[j]` by (value, index), as a scalar sort finds them, for
    /// every count of values from 1 to 40 (the lanes and the tail) with many ties.
    func testNearestTwoIsTheTwoSmallestInIndexOrder() {
        var random = SeededRandom(seed: 11)
        for k in 1...40 {
            for _ in 0..<50 {
                let offset = random.index(below: 3)
                // Few distinct values: ties everywhere, also between the smallest and the second.
                let dots = (0..<offset + k).map { _ in Float(random.index(below: 4)) }
                let norms = (0..<k).map { _ in Float(random.index(below: 3)) }
                let ranked = (0..<k).sorted { a, b in
                    let va = norms[a] - 2 * dots[offset + a], vb = norms[b] - 2 * dots[offset + b]
                    return va != vb ? va < vb : a < b
                }
                let two = Kernels.nearestTwo(dots, offset: offset, norms: norms)
                XCTAssertEqual(two.first, ranked[0], "k \(k)")
                XCTAssertEqual(two.second, k > 1 ? ranked[1] : -1, "k \(k)")
                XCTAssertEqual(two.first, Kernels.nearest(dots, offset: offset, norms: norms), "k \(k)")
            }
        }
    }

    /// `reaches` never rules out a real pair: for unit rows in the cells of random centroids, every pair
    /// above the threshold from different cells has each row reaching the other's cell — and most rows
    /// far from a border are ruled out (the test would pass with a `reaches` that always says yes).
    func testReachesNeverRulesOutAPairAboveTheThreshold() {
        var random = SeededRandom(seed: 12)
        let d = 3, n = 1500, k = 6
        let unit = VectorBlock(values: (0..<n * d).map { _ in Float(random.normal()) }, dimension: d).normalized()
        let centroids = VectorBlock(values: (0..<k * d).map { _ in Float(random.normal() * 0.5) }, dimension: d)
        func distance(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
            zip(a, b).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        }
        let cell = (0..<n).map { i in (0..<k).min { distance(unit.row(i), centroids.row($0)) < distance(unit.row(i), centroids.row($1)) }! }
        for threshold: Float in [0.8, 0.95, 0.99] {
            var pairs = 0, ruledOut = 0, checked = 0
            for i in 0..<n {
                for j in 0..<n where cell[i] != cell[j] {
                    let cosine = zip(unit.row(i), unit.row(j)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    if cosine > Double(threshold) {
                        pairs += 1
                        XCTAssertTrue(
                            BorderCheck.reaches(unit.row(i), own: centroids.row(cell[i]), runnerUp: centroids.row(cell[j]), threshold: threshold),
                            "rows \(i), \(j) at \(cosine)")
                    }
                }
                for c in 0..<k where c != cell[i] {
                    checked += 1
                    if !BorderCheck.reaches(unit.row(i), own: centroids.row(cell[i]), runnerUp: centroids.row(c), threshold: threshold) { ruledOut += 1 }
                }
            }
            XCTAssertGreaterThan(pairs, 100, "threshold \(threshold)")
            XCTAssertGreaterThan(Double(ruledOut) / Double(checked), threshold >= 0.95 ? 0.5 : 0.2, "threshold \(threshold)")
        }
    }

    /// Every guest-host pair above the threshold, against cosines in Double (none within rounding of it).
    func testPairsAreEveryGuestHostPairAboveTheThreshold() {
        var random = SeededRandom(seed: 13)
        let d = 4
        let guests = VectorBlock(values: (0..<40 * d).map { _ in Float(random.normal()) }, dimension: d).normalized()
        let hosts = VectorBlock(values: (0..<60 * d).map { _ in Float(random.normal()) }, dimension: d).normalized()
        let guestRows = (0..<40).map { Int64(1000 + 3 * $0) }, hostRows = (0..<60).map { Int64(7 * $0) }
        let found = BorderCheck.pairs(guests: guests, rows: guestRows, hosts: hosts, rows: hostRows, threshold: 0.9)
        var expected: [(Int64, Int64)] = []
        for g in 0..<40 {
            for h in 0..<60 {
                let cosine = zip(guests.row(g), hosts.row(h)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                if abs(cosine - 0.9) < 1e-5 { continue }
                if cosine > 0.9 { expected.append((guestRows[g], hostRows[h])) }
            }
        }
        XCTAssertGreaterThan(expected.count, 10)
        XCTAssertEqual(found.map(\.row), expected.map(\.0))
        XCTAssertEqual(found.map(\.partner), expected.map(\.1))
    }

    /// Settling in keep order: in a chain 1–2–3 the middle row goes and both ends stay; a row with two
    /// kept partners before it names the nearer; a pair found from both sides counts once.
    func testSettleDropsInKeepOrder() {
        let pairs = [
            BorderCheck.Pair(row: 2, partner: 1, similarity: 0.95), BorderCheck.Pair(row: 3, partner: 2, similarity: 0.97),
            BorderCheck.Pair(row: 1, partner: 2, similarity: 0.95),
            BorderCheck.Pair(row: 9, partner: 5, similarity: 0.91), BorderCheck.Pair(row: 9, partner: 6, similarity: 0.93),
        ]
        let byRow = BorderCheck.settle(pairs, precedes: { $0 < $1 })
        XCTAssertEqual(
            byRow,
            [NearDuplicates.Dropped(row: 2, nearestKept: 1, similarity: 0.95), NearDuplicates.Dropped(row: 9, nearestKept: 6, similarity: 0.93)])
        // In reverse order the chain keeps 3, drops 2 for it and keeps 1; 9 comes first and stays.
        let reversed = BorderCheck.settle(pairs, precedes: { $0 > $1 })
        XCTAssertEqual(
            reversed,
            [
                NearDuplicates.Dropped(row: 2, nearestKept: 3, similarity: 0.97), NearDuplicates.Dropped(row: 5, nearestKept: 9, similarity: 0.91),
                NearDuplicates.Dropped(row: 6, nearestKept: 9, similarity: 0.93),
            ])
    }

    /// On random graphs: no two rows kept are partners, every dropped row names a kept partner before
    /// it in the order with their cosine, and it is the nearest such partner.
    func testSettleLeavesNoPairKept() {
        var random = SeededRandom(seed: 14)
        for _ in 0..<200 {
            let rows = 2 + random.index(below: 12)
            var pairs: [BorderCheck.Pair] = []
            for _ in 0..<random.index(below: 20) {
                let a = Int64(random.index(below: rows)), b = Int64(random.index(below: rows))
                pairs.append(BorderCheck.Pair(row: a, partner: b, similarity: 0.9 + Float(random.index(below: 5)) / 100))
            }
            let order = (0..<Int64(rows)).shuffled(using: &random)
            let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            let dropped = BorderCheck.settle(pairs, precedes: { rank[$0]! < rank[$1]! })
            let gone = Set(dropped.map(\.row))
            XCTAssertEqual(gone.count, dropped.count)
            for p in pairs where p.row != p.partner {
                XCTAssertTrue(gone.contains(p.row) || gone.contains(p.partner), "\(p) both kept")
            }
            for d in dropped {
                XCTAssertFalse(gone.contains(d.nearestKept))
                XCTAssertLessThan(rank[d.nearestKept]!, rank[d.row]!)
                let partners = pairs.filter { ($0.row == d.row && $0.partner == d.nearestKept) || ($0.partner == d.row && $0.row == d.nearestKept) }
                XCTAssertTrue(partners.contains { $0.similarity == d.similarity }, "\(d)")
                let better = pairs.filter {
                    let other = $0.row == d.row ? $0.partner : $0.partner == d.row ? $0.row : -1
                    return other >= 0 && other != d.row && !gone.contains(other) && rank[other]! < rank[d.row]! && $0.similarity > d.similarity
                }
                XCTAssertEqual(better, [], "\(d)")
            }
        }
    }
}
