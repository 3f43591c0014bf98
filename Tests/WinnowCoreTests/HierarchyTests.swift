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
        let children = (0..<plan.chunks.count).map { c in
            SelectionTasks.chunk(
                ChunkTask(chunk: c, ranges: plan.chunks[c], budget: rule.leafBudget(rows: 256, isRoot: false), isRoot: false),
                rows: plan.rows(ofChunk: c), vectors: block.gather(plan.rows(ofChunk: c).map { Int($0) }), settings: s)
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

    /// A partitioned top (`maxMergePicks` below k): each top node greedily picks exactly its share of
    /// k from its children (the same greedy a merge task runs), every node above is the union of
    /// those picks in node order, and the result is k distinct rows whose weights cover the pool.
    func testPartitionedTopIsTheUnionOfItsNodesGreedyPicks() {
        var s = SelectionSettings(budget: 60)
        s.chunkRows = 256
        s.fanIn = 2
        s.maxMergePicks = 20
        let block = NpyFixtures.clustered(rows: 2048, dimension: 8, seed: 5)
        let job = SelectionJob(totalRows: 2048, dimension: 8, settings: s)
        XCTAssertEqual(job.tree.levelSizes, [8, 4, 2, 1])
        XCTAssertEqual(job.topLevel, 1)
        XCTAssertEqual(job.topShares, [15, 15, 15, 15])
        let results = InMemoryCoordination.results(of: job, vectors: block)
        let top = (0..<4).map { results[MergeTree.Node(level: 1, index: $0)]! }
        for (i, node) in top.enumerated() {
            // The top node's own greedy: its children's picks, budget = its share, nothing else.
            let children = job.tree.children(of: MergeTree.Node(level: 1, index: i)).map { results[$0]! }
            let alone = SelectionTasks.merge(
                children: children, budget: 15, isRoot: false, settings: s,
                node: MergeTree.Node(level: 1, index: i))
            XCTAssertEqual(node.rows, alone.rows)
            XCTAssertEqual(node.count, 15)
        }
        let root = results[job.tree.root]!
        XCTAssertEqual(root.rows, top.flatMap(\.rows))
        XCTAssertEqual(root.count, 60)
        XCTAssertEqual(Set(root.rows).count, 60)
        // The top nodes cover row samples: weights of rows / sample each, summed in Double.
        XCTAssertEqual(root.weights.reduce(0, +), 2048, accuracy: 1e-9)
        XCTAssertEqual(root.rowsBeneath, 2048)
    }
}
