import XCTest
import WinnowCore

/// The within-cluster pass of one task: which copy each keep rule keeps, and the split of a cluster
/// over the size limit.
final class DedupTaskTests: XCTestCase {
    /// One cluster: a spread of distinct rows around a centre, and a group of three near-copies —
    /// the first in row order far from the centre, the second nearest it, the third with the highest
    /// quality score. Each rule keeps its own copy and drops the other two for it.
    func testEachKeepRuleKeepsItsCopy() {
        var random = SeededRandom(seed: 4)
        let d = 8
        var values: [Float] = []
        // Rows 0–2: the copies (row 0 leans away from the centre, row 1 towards it).
        let base: [Float] = [1, 1, 1, 1, 1, 1, 1, 1]
        values += zip(base, [0.05, 0.05, 0, 0, 0, 0, 0, 0] as [Float]).map { $0 + $1 }
        values += base.map { $0 - 0.01 }
        values += zip(base, [0, 0, 0.03, 0, 0, 0, 0, 0] as [Float]).map { $0 + $1 }
        // Rows 3–58: distinct rows around the all-ones direction in mirrored pairs (so that the
        // cluster's mean points along it), far from each other and from the copies.
        for _ in 0..<28 {
            let noise = (0..<d).map { _ in Float(random.normal()) * 0.8 }
            values += zip(base, noise).map { $0 + $1 }
            values += zip(base, noise).map { $0 - $1 }
        }
        let x = VectorBlock(values: values, dimension: d)
        let rows = (0..<Int64(59)).map { $0 + 100 }
        var quality = [Float](repeating: 0, count: 59)
        quality[2] = 5
        var kept: [DedupSettings.Keep: Int64] = [:]
        for rule in DedupSettings.Keep.allCases {
            var settings = DedupSettings(threshold: 0.995)
            settings.keep = rule
            let task = DedupTask(group: 0, clusters: [ClusterMembers(cluster: 3, rows: rows)], settings: settings)
            let found = task.run(read: { x.gather($0.map { Int($0 - 100) }) }, quality: quality)
            let copies = Set<Int64>([100, 101, 102])
            let keptCopies = found.kept.filter(copies.contains)
            XCTAssertEqual(keptCopies.count, 1, "\(rule): one copy kept")
            XCTAssertEqual(Set(found.dropped.map(\.pair.row)), copies.subtracting(keptCopies), "\(rule): only the other copies dropped")
            for drop in found.dropped { XCTAssertEqual(drop.pair.nearestKept, keptCopies[0]) }
            kept[rule] = keptCopies.first
            // A dropped copy's highest similarity is its similarity to the kept copy.
            for drop in found.dropped { XCTAssertEqual(found.maxSimilarity[Int(drop.pair.row - 100)], drop.pair.similarity) }
        }
        XCTAssertEqual(kept, [.first: 100, .central: 101, .quality: 102])
    }

    /// One cluster per 2,000 rows by default, in two levels from 1,000 clusters (then no iteration
    /// over every row); a cluster over twice that is split into ~2,000-row parts.
    func testDefaultClustersAndSplits() {
        XCTAssertEqual(DedupSettings.Default.clusters(rows: 10_000_000), 5_000)
        XCTAssertEqual(DedupSettings.Default.clusters(rows: 1_000), 1)
        XCTAssertEqual(DedupSettings.Default.levels(clusters: 999), 1)
        XCTAssertEqual(DedupSettings.Default.levels(clusters: 1_000), 2)
        XCTAssertEqual(DedupSettings.Default.fullIterations(levels: 1), 1)
        XCTAssertEqual(DedupSettings.Default.fullIterations(levels: 2), 0)
        let settings = DedupSettings(threshold: 0.9)
        XCTAssertEqual(settings.parts(ofClusterWith: 4_000), 1)
        XCTAssertEqual(settings.parts(ofClusterWith: 4_001), 3)
        XCTAssertEqual(settings.problems, [])
    }

    /// A planted giant cluster (3,000 rows in six separated groups, 30 exact copies among them) over
    /// a limit of 1,000 rows: split into parts of ~500 that cover every row once, the same parts
    /// every time, and the copies are still found — each in the part of its original.
    func testAnOversizedClusterIsSplitAndStillFindsItsCopies() {
        var random = SeededRandom(seed: 8)
        let d = 16, n = 3000
        let centres = (0..<6).map { _ in (0..<d).map { _ in Float(random.normal()) * 4 } }
        var values: [Float] = []
        for i in 0..<n - 30 { values += centres[i % 6].map { $0 + Float(random.normal()) } }
        for c in 0..<30 { values += Array(values[(c * 37) * d..<(c * 37 + 1) * d]) }
        let x = VectorBlock(values: values, dimension: d)
        var settings = DedupSettings(threshold: 0.999)
        settings.splitRows = 1000
        settings.partRows = 500
        XCTAssertEqual(settings.parts(ofClusterWith: n), 6)
        XCTAssertEqual(settings.parts(ofClusterWith: 1000), 1)
        let parts = ClusterSplit.parts(of: x, cluster: 2, settings: settings)
        XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(0..<n))
        XCTAssertTrue(parts.allSatisfy { $0 == $0.sorted() })
        XCTAssertGreaterThanOrEqual(parts.count, 4)
        XCTAssertLessThan(parts.map(\.count).max()!, n / 2, "the parts follow the groups: none holds half the cluster")
        XCTAssertEqual(ClusterSplit.parts(of: x, cluster: 2, settings: settings), parts)
        let rows = (0..<Int64(n)).map { $0 }
        let found = DedupTask(group: 0, clusters: [ClusterMembers(cluster: 2, rows: rows)], settings: settings).run { x.gather($0.map { Int($0) }) }
        XCTAssertEqual(found.dropped.map(\.pair.row).sorted(), (n - 30..<n).map(Int64.init))
        for drop in found.dropped { XCTAssertEqual(drop.pair.nearestKept, (drop.pair.row - Int64(n - 30)) * 37) }
        XCTAssertEqual(found.kept.count + found.dropped.count, n)
    }
}
