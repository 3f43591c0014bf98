import XCTest
import WinnowCore

final class PlanTests: XCTestCase {
    func settings(_ partition: Partition, seed: UInt64 = 0) -> SelectionSettings {
        var s = SelectionSettings(budget: 10)
        s.chunkRows = 256
        s.partition = partition
        s.seed = seed
        return s
    }

    func testEveryRowInExactlyOneChunk() {
        for partition in Partition.allCases {
            for n in [1, 63, 64, 1000, 5003] {
                let plan = ChunkPlan(totalRows: n, settings: settings(partition), clusters: partition == .cluster ? (0..<n).map { Int32($0 % 5) } : nil)
                let rows = (0..<plan.chunks.count).flatMap { plan.rows(ofChunk: $0) }
                XCTAssertEqual(rows.sorted(), (0..<n).map(Int64.init))
                XCTAssertEqual(plan.chunks.count, (n + 255) / 256)
                for c in 0..<plan.chunks.count { XCTAssertLessThanOrEqual(plan.rowCount(ofChunk: c), 256) }
            }
        }
    }

    func testRandomPartitionIsSeeded() {
        let a = ChunkPlan(totalRows: 10_000, settings: settings(.random, seed: 1))
        XCTAssertEqual(a, ChunkPlan(totalRows: 10_000, settings: settings(.random, seed: 1)))
        XCTAssertNotEqual(a, ChunkPlan(totalRows: 10_000, settings: settings(.random, seed: 2)))
        // A random chunk draws from across the pool, not one region.
        let rows = a.rows(ofChunk: 0)
        XCTAssertGreaterThan(rows.last! - rows.first!, 5000)
    }

    func testMergeTreeShape() {
        let tree = MergeTree(leaves: 70, fanIn: 8)
        XCTAssertEqual(tree.levelSizes, [70, 9, 2, 1])
        XCTAssertEqual(tree.children(of: tree.root).count, 2)
        XCTAssertEqual(tree.leaves(of: MergeTree.Node(level: 1, index: 8)), 64..<70)
        XCTAssertEqual(tree.leaves(of: tree.root), 0..<70)
        for node in tree.mergeNodes {
            for child in tree.children(of: node) { XCTAssertEqual(tree.parent(of: child), node) }
        }
        XCTAssertEqual(MergeTree(leaves: 1, fanIn: 8).levelSizes, [1])
    }

    func testBudgets() {
        let rule = BudgetRule(k: 1000, oversample: 4, totalRows: 100_000)
        XCTAssertEqual(rule.leafBudget(rows: 8192, isRoot: false), 328)
        XCTAssertEqual(rule.leafBudget(rows: 100_000, isRoot: true), 1000)
        XCTAssertEqual(rule.leafBudget(rows: 50_000, isRoot: false), 1000)
        XCTAssertEqual(rule.leafBudget(rows: 10, isRoot: false), 1)
        // Merge nodes keep at most half their candidates, never less than their plain share of k.
        let big = BudgetRule(k: 10_000, oversample: 4, totalRows: 1_000_000)
        XCTAssertEqual(big.mergeBudget(rows: 65_536, candidates: 2_624, isRoot: false), 1_312)
        XCTAssertEqual(big.mergeBudget(rows: 524_288, candidates: 10_496, isRoot: false), 5_248)
        XCTAssertEqual(big.mergeBudget(rows: 524_288, candidates: 8_000, isRoot: false), 5_243)
        XCTAssertEqual(big.mergeBudget(rows: 1_000_000, candidates: 10_496, isRoot: true), 10_000)
        XCTAssertEqual(rule.mergeBudget(rows: 100_000, candidates: 600, isRoot: true), 600)
    }

    /// Largest remainders, worked by hand: 10 over rows 5/3/2 of 10 → 5/3/2 exactly; 7 over 5/3/2 →
    /// 3.5/2.1/1.4 → floors 3/2/1 (6), the one left goes to the largest remainder (0.5: the first).
    func testApportionSumsToKByLargestRemainder() {
        XCTAssertEqual(BudgetRule.apportion(10, over: [5, 3, 2]), [5, 3, 2])
        XCTAssertEqual(BudgetRule.apportion(7, over: [5, 3, 2]), [4, 2, 1])
        // Equal remainders go to the earlier part.
        XCTAssertEqual(BudgetRule.apportion(2, over: [3, 3, 3]), [1, 1, 0])
        // Never more than a part's rows, never more than the rows there are.
        XCTAssertEqual(BudgetRule.apportion(9, over: [1, 8]), [1, 8])
        XCTAssertEqual(BudgetRule.apportion(50, over: [1, 8]), [1, 8])
        XCTAssertEqual(BudgetRule.apportion(3, over: [0, 0]), [0, 0])
        // 100,000 over the 20 level-2 nodes of a 10M-row tree (1,221 chunks of 8,192, the last short).
        let rows = (0..<20).map { $0 < 19 ? 524_288 : 10_000_000 - 19 * 524_288 }
        let shares = BudgetRule.apportion(100_000, over: rows)
        XCTAssertEqual(shares.reduce(0, +), 100_000)
        // 5,242.88 each (the last node, 38,528 rows, 385.28): floors sum to 99,983, and the 17 left go
        // to the first 17 of the equal remainders.
        XCTAssertEqual(shares, Array(repeating: 5_243, count: 17) + [5_242, 5_242, 385])
    }

    /// k above `maxMergePicks`: the tree stops at the highest level whose shares fit, those shares
    /// sum to k, and chunks keep their usual budgets below it.
    func testPartitionedTopLevel() {
        var s = SelectionSettings(budget: 100_000)
        let tenMillion = SelectionJob(totalRows: 10_000_000, dimension: 4, settings: s)
        XCTAssertEqual(tenMillion.tree.levelSizes, [1_221, 153, 20, 3, 1])
        XCTAssertEqual(tenMillion.topLevel, 2)
        XCTAssertTrue(tenMillion.isPartitioned)
        XCTAssertEqual(tenMillion.topShares.count, 20)
        XCTAssertEqual(tenMillion.topShares.reduce(0, +), 100_000)
        XCTAssertEqual(tenMillion.leafBudgets.max(), 328)
        // k within the limit: one root, as before.
        s.budget = 10_000
        let oneMillion = SelectionJob(totalRows: 1_000_000, dimension: 4, settings: s)
        XCTAssertEqual(oneMillion.topLevel, oneMillion.tree.levelSizes.count - 1)
        XCTAssertFalse(oneMillion.isPartitioned)
        // A limit below every merge level's shares: the chunks themselves pick their shares.
        s.maxMergePicks = 100
        let chunks = SelectionJob(totalRows: 1_000_000, dimension: 4, settings: s)
        XCTAssertEqual(chunks.topLevel, 0)
        XCTAssertEqual(chunks.leafBudgets.reduce(0, +), 10_000)
        XCTAssertEqual(chunks.leafBudgets, chunks.topShares)
        // Label budgets keep one root: their caps are the root's.
        s.labelBudget = .balanced
        let labelled = SelectionJob(totalRows: 1_000, dimension: 4, settings: s, labels: (0..<1_000).map { Int64($0 % 3) })
        XCTAssertFalse(labelled.isPartitioned)
    }

    func testSettingsProblemsNameTheFlag() {
        var s = SelectionSettings(budget: 0)
        s.chunkRows = 100
        s.oversample = 0.5
        let problems = s.problems().joined(separator: "\n")
        XCTAssertTrue(problems.contains("--budget"))
        XCTAssertTrue(problems.contains("--chunk-rows"))
        XCTAssertTrue(problems.contains("--oversample"))
    }
}

/// `--partition cluster`: rows ordered by (cluster, row) and cut into chunks; each chunk's ranges
/// ascending and coalesced; every row in exactly one chunk.
final class ClusterPartitionTests: XCTestCase {
    func testChunksFollowTheClustersInRowOrder() {
        var settings = SelectionSettings(budget: 10)
        settings.partition = .cluster
        settings.chunkRows = 7
        var random = SeededRandom(seed: 4)
        let clusters = (0..<50).map { _ in Int32(random.index(below: 4)) }
        let plan = ChunkPlan(totalRows: 50, settings: settings, clusters: clusters)
        XCTAssertEqual(plan.chunks.count, 8)
        let order = (0..<50).sorted { (clusters[$0], $0) < (clusters[$1], $1) }
        for c in plan.chunks.indices {
            XCTAssertEqual(plan.rows(ofChunk: c), order[c * 7..<min(50, c * 7 + 7)].sorted().map(Int64.init), "chunk \(c)")
            for (a, b) in zip(plan.chunks[c], plan.chunks[c].dropFirst()) { XCTAssertLessThan(a.upperBound, b.lowerBound) }
        }
        XCTAssertEqual(plan.chunks.flatMap { $0.flatMap { Array($0) } }.sorted(), Array(0..<50))
        // A row left out (cluster −1) goes first.
        var withSkipped = clusters
        withSkipped[33] = -1
        XCTAssertTrue(ChunkPlan(totalRows: 50, settings: settings, clusters: withSkipped).rows(ofChunk: 0).contains(33))
    }
}
