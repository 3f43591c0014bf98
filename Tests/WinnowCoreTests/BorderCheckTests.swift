import WinnowCore
import WinnowTestKit
import XCTest

final class BorderCheckTests: XCTestCase {
    /// `BorderCells.reaches` never rules out a real pair: for unit rows in the cells of random centroids,
    /// and again with a fifth of them assigned to their second-nearest centroid instead (as two levels
    /// may), every pair above the threshold from different clusters has each row reaching the other's
    /// cluster with a bound no larger than their distance. With every row in its nearest cell most
    /// reaches are ruled out (the test would pass with a bound that is always 0); with rows elsewhere
    /// the slacks are what keeps the bound safe (without them some pair is ruled out).
    func testReachesNeverRuleOutAPairAboveTheThreshold() {
        var random = SeededRandom(seed: 12)
        let d = 3, n = 1500, k = 6
        let unit = VectorBlock(values: (0..<n * d).map { _ in Float(random.normal()) }, dimension: d).normalized()
        let centroids = VectorBlock(values: (0..<k * d).map { _ in Float(random.normal() * 0.5) }, dimension: d)
        let cells = BorderCells(centroids: centroids)
        let everyCluster = Array(repeating: true, count: k)
        let ranked = (0..<n).map { i in
            (0..<k).sorted { unit.squaredDistance(i, to: centroids, row: $0) < unit.squaredDistance(i, to: centroids, row: $1) }
        }
        for misassigned in [false, true] {
            let own = ranked.map { Int32(misassigned && random.index(below: 5) == 0 ? $0[1] : $0[0]) }
            // Each cluster's rows against their own centroid and every other.
            let members = (0..<k).map { a in (0..<n).filter { own[$0] == Int32(a) } }
            let clusters = (0..<k).map { [$0] + cells.candidates(of: $0, limit: nil) }
            let dots = (0..<k).map { cells.dots(unit.gather(members[$0]), with: clusters[$0]) }
            var slack = [Float](repeating: 0, count: k)
            for a in 0..<k { slack[a] = cells.slacks(dots: dots[a], clusters: clusters[a]).max() ?? 0 }
            XCTAssertEqual(slack.max()! > 0.01, misassigned)
            for threshold: Float in [0.8, 0.95, 0.99] {
                func reached(_ slack: [Float]) -> [[Int64]: Float] {
                    var out: [[Int64]: Float] = [:]
                    for a in 0..<k {
                        let found = cells.reaches(
                            dots: dots[a], rows: members[a].map(Int64.init), clusters: clusters[a], slack: slack, checked: everyCluster,
                            threshold: threshold)
                        XCTAssertEqual(found.reaches.count, found.reachable)
                        for r in found.reaches { out[[r.row, Int64(r.cluster)]] = r.distance }
                    }
                    return out
                }
                let reach = reached(slack), unsafe = reached(Array(repeating: 0, count: k))
                var pairs = 0, missedWithoutSlack = 0
                for i in 0..<n {
                    for j in 0..<n where own[i] != own[j] {
                        let cosine = zip(unit.row(i), unit.row(j)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                        guard cosine > Double(threshold) else { continue }
                        pairs += 1
                        let bound = reach[[Int64(i), Int64(own[j])]]
                        XCTAssertNotNil(bound, "rows \(i), \(j) at \(cosine), misassigned \(misassigned)")
                        XCTAssertLessThanOrEqual(Double(bound ?? 0), (2 - 2 * cosine).squareRoot() + 1e-6)
                        if unsafe[[Int64(i), Int64(own[j])]] == nil { missedWithoutSlack += 1 }
                    }
                }
                XCTAssertGreaterThan(pairs, 100, "threshold \(threshold)")
                if misassigned {
                    XCTAssertGreaterThan(missedWithoutSlack, 0, "threshold \(threshold)")
                } else {
                    XCTAssertLessThan(Double(reach.count) / Double(n * (k - 1)), threshold >= 0.95 ? 0.5 : 0.8, "threshold \(threshold)")
                }
            }
        }
    }

    /// A cluster's candidates are the others with the nearest centroids, nearest first (then by number),
    /// against distances in Double; every other cluster with no limit.
    func testCandidatesAreTheClustersWithTheNearestCentroids() {
        var random = SeededRandom(seed: 16)
        let d = 5, k = 40
        var values = (0..<k * d).map { _ in Float(random.normal()) }
        values.replaceSubrange(7 * d..<8 * d, with: values[3 * d..<4 * d])  // a tie: clusters 3 and 7 share a centroid
        let centroids = VectorBlock(values: values, dimension: d)
        let cells = BorderCells(centroids: centroids)
        for a in 0..<k {
            let all = cells.candidates(of: a, limit: nil)
            XCTAssertEqual(all, (0..<k).filter { $0 != a })
            let nearest = (0..<k).filter { $0 != a }.sorted {
                let da = centroids.squaredDistance(a, to: centroids, row: $0), db = centroids.squaredDistance(a, to: centroids, row: $1)
                return abs(da - db) > 1e-4 ? da < db : $0 < $1
            }
            XCTAssertEqual(cells.candidates(of: a, limit: 6), Array(nearest.prefix(6)), "cluster \(a)")
        }
    }

    /// A budget keeps the nearest reaches whose comparisons fit, stopping at the first that does not,
    /// whatever order they are offered in and however often it chooses among those held (against
    /// sorting them all); `cut` is the first left out.
    func testBudgetKeepsTheNearestReachesThatFitInAnyOrder() {
        var random = SeededRandom(seed: 15)
        for _ in 0..<300 {
            let reaches = (0..<random.index(below: 120)).map { _ in
                BorderCells.Reach(distance: Float(random.index(below: 6)) / 10, row: Int64(random.index(below: 8)), cluster: Int32(random.index(below: 5)))
            }
            let unique = Array(Set(reaches))
            let cost = { (r: BorderCells.Reach) in 1 + Int(r.cluster) * 3 }
            let budget = Double(random.index(below: 60))
            var expected: [BorderCells.Reach] = [], spent = 0.0, cut: BorderCells.Reach?
            for r in unique.sorted() {
                if spent + Double(cost(r)) > budget {
                    cut = r
                    break
                }
                spent += Double(cost(r))
                expected.append(r)
            }
            // Chosen again every few offers, or once at the end.
            for chooseAtLeast in [1, 2, 5, 1 << 16] {
                var b = BorderBudget(budget: budget, chooseAtLeast: chooseAtLeast)
                for r in unique.shuffled(using: &random) { b.offer(r, comparisons: cost(r)) }
                let chosen = b.chosen()
                XCTAssertEqual(chosen.reaches, expected)
                XCTAssertEqual(chosen.comparisons, expected.map(cost))
                XCTAssertEqual(Double(chosen.comparisons.reduce(0, +)), spent)
                XCTAssertEqual(b.cut, cut)
            }
        }
    }

    /// Steps cut the reaches, in order, into runs of at most a step's comparisons, each step twice the
    /// last (a costlier reach alone), and spending them stops after the first step that finds nothing:
    /// against a direct reading of the rule on random costs, first steps and findings.
    func testStepsEndAfterTheFirstThatFindsNothing() {
        XCTAssertEqual(BorderBudget.steps(costs: [2, 2, 5, 1, 1, 1, 9, 1], first: 4), [0..<2, 2..<6, 6..<8])
        XCTAssertEqual(BorderBudget.steps(costs: [3, 2, 2, 2, 2], first: 2), [0..<1, 1..<3, 3..<5])
        XCTAssertEqual(BorderBudget.steps(costs: [2, 2, 5], first: .infinity), [0..<3])
        XCTAssertEqual(BorderBudget.steps(costs: [], first: 1), [])
        var random = SeededRandom(seed: 16)
        for _ in 0..<300 {
            let costs = (0..<random.index(below: 30)).map { _ in 1 + random.index(below: 9) }
            let finds = costs.map { _ in random.index(below: 4) == 0 }
            let first = Double(1 + random.index(below: 20))
            let steps = BorderBudget.steps(costs: costs, first: first)
            XCTAssertEqual(steps.flatMap { Array($0) }, Array(costs.indices))
            for (i, s) in steps.enumerated() {
                let allowed = first * Double(1 << i), cost = Double(costs[s].reduce(0, +))
                XCTAssertTrue(s.count == 1 || cost <= allowed)
                // A step ends only where the next reach would not fit.
                if i + 1 < steps.count { XCTAssertGreaterThan(cost + Double(costs[s.upperBound]), allowed) }
            }
            var expected: [Int] = [], compared = 0, taken = 0
            for s in steps {
                let found = s.filter { finds[$0] }
                expected += found
                compared = s.upperBound
                taken += 1
                if found.isEmpty { break }
            }
            var asked: [Range<Int>] = []
            let spent = BorderBudget.spend(costs: costs, first: first) { s in
                asked.append(s)
                return s.filter { finds[$0] }
            }
            XCTAssertEqual(spent.found, expected)
            XCTAssertEqual(spent.compared, compared)
            XCTAssertEqual(spent.steps, taken)
            XCTAssertEqual(asked, Array(steps.prefix(taken)))
            if taken < steps.count { XCTAssertTrue(steps[taken - 1].allSatisfy { !finds[$0] }, "stopped after a step that found something") }
        }
    }

    /// Every guest-host pair above the threshold, against cosines in Double (none within rounding of
    /// it), with fewer guests than a slice and with several slices and a short last one.
    func testPairsAreEveryGuestHostPairAboveTheThreshold() {
        var random = SeededRandom(seed: 13)
        let d = 4
        for (guestCount, hostCount) in [(40, 60), (2 * BorderCheck.guestSlice + 3, 25)] {
            let guests = VectorBlock(values: (0..<guestCount * d).map { _ in Float(random.normal()) }, dimension: d).normalized()
            let hosts = VectorBlock(values: (0..<hostCount * d).map { _ in Float(random.normal()) }, dimension: d).normalized()
            let guestRows = (0..<guestCount).map { Int64(1000 + 3 * $0) }, hostRows = (0..<hostCount).map { Int64(7 * $0) }
            let found = BorderCheck.pairs(guests: guests, rows: guestRows, hosts: hosts, rows: hostRows, threshold: 0.9)
            var expected: [(Int64, Int64)] = [], near: Set<[Int64]> = []
            for g in 0..<guestCount {
                for h in 0..<hostCount {
                    var cosine = 0.0
                    for (x, y) in zip(guests.row(g), hosts.row(h)) { cosine += Double(x) * Double(y) }
                    if abs(cosine - 0.9) < 1e-5 {
                        near.insert([guestRows[g], hostRows[h]])
                    } else if cosine > 0.9 {
                        expected.append((guestRows[g], hostRows[h]))
                    }
                }
            }
            let kept: [BorderCheck.Pair] = found.filter { !near.contains([$0.row, $0.partner]) }
            XCTAssertGreaterThan(expected.count, 10)
            XCTAssertEqual(kept.map { $0.row }, expected.map { $0.0 })
            XCTAssertEqual(kept.map { $0.partner }, expected.map { $0.1 })
        }
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

    /// Settling only some rows: a partner among them counts once kept in the order, one outside them
    /// only when `alreadyKept` says so, whatever its place in the order; rows outside are never dropped.
    func testSettleDecidesOnlyTheRowsItIsGiven() {
        let pairs = [
            BorderCheck.Pair(row: 2, partner: 10, similarity: 0.92), BorderCheck.Pair(row: 3, partner: 2, similarity: 0.95),
            BorderCheck.Pair(row: 4, partner: 5, similarity: 0.97), BorderCheck.Pair(row: 10, partner: 11, similarity: 0.99),
        ]
        let dropped = BorderCheck.settle(pairs, deciding: [2, 3, 4], alreadyKept: { $0 == 10 }, precedes: { $0 < $1 })
        XCTAssertEqual(dropped, [NearDuplicates.Dropped(row: 2, nearestKept: 10, similarity: 0.92)])
        let all = BorderCheck.settle(pairs, precedes: { $0 < $1 })
        XCTAssertEqual(all.map(\.row), [3, 5, 10])
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
