import XCTest
import WinnowCore
import WinnowTestKit

final class HierarchyTests: XCTestCase {
    /// A merge node's weights sum to the rows beneath it, and it reads children in node order.
    func testMergeWeightsSumToRowsBeneath() {
        var s = SelectionSettings(budget: 20)
        s.chunkRows = 256
        let block = NpyFixtures.clustered(rows: 1024, dimension: 8, seed: 2)
        let plan = ChunkPlan(totalRows: 1024, settings: s)
        let rule = BudgetRule(k: 20, oversample: 4, totalRows: 1024)
        let children = (0 ..< plan.chunks.count).map { c in
            SelectionTasks.chunk(rows: plan.rows(ofChunk: c), vectors: block.gather(plan.rows(ofChunk: c).map { Int($0) }),
                                 plannedRows: plan.rowCount(ofChunk: c), budget: rule.leafBudget(rows: 256, isRoot: false),
                                 settings: s, chunk: c)
        }
        for child in children { XCTAssertEqual(child.weights.reduce(0, +), 256) }
        let root = SelectionTasks.merge(children: children, budget: 20, isRoot: true, settings: s, node: MergeTree.Node(level: 1, index: 0))
        XCTAssertEqual(root.count, 20)
        XCTAssertEqual(root.weights.reduce(0, +), 1024)
        XCTAssertEqual(root.rowsBeneath, 1024)
        XCTAssertEqual(Set(root.rows).count, 20)
        // Same inputs, same answer.
        XCTAssertEqual(root, SelectionTasks.merge(children: children, budget: 20, isRoot: true, settings: s, node: MergeTree.Node(level: 1, index: 0)))
    }
}
