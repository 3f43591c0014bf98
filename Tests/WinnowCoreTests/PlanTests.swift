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
                let plan = ChunkPlan(totalRows: n, settings: settings(partition))
                let rows = (0 ..< plan.chunks.count).flatMap { plan.rows(ofChunk: $0) }
                XCTAssertEqual(rows.sorted(), (0 ..< n).map(Int64.init))
                XCTAssertEqual(plan.chunks.count, (n + 255) / 256)
                for c in 0 ..< plan.chunks.count { XCTAssertLessThanOrEqual(plan.rowCount(ofChunk: c), 256) }
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
        XCTAssertEqual(tree.leaves(of: MergeTree.Node(level: 1, index: 8)), 64 ..< 70)
        XCTAssertEqual(tree.leaves(of: tree.root), 0 ..< 70)
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
