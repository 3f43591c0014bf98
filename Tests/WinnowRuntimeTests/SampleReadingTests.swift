import XCTest
import WinnowCore
import WinnowIO
import WinnowRuntime
import WinnowTestKit

/// A merge's worker reads its children's sampled rows from the shared pool (they travel as row numbers).
final class SampleReadingTests: XCTestCase {
    func testSampledRowsAreReadFromThePoolAndRowsBeyondItRefused() throws {
        let dir = TemporaryDirectory()
        let block = NpyFixtures.uniform(rows: 50, dimension: 4, seed: 3)
        NpyFixtures.write(NpyFixtures.pool(block), to: dir.file("pool.npy"))
        let pool = try Pool.open(paths: [dir.file("pool.npy")])
        func child(pick: Int64, sampled: [Int64]) -> Coreset {
            Coreset(
                rows: [pick], vectors: block.gather([Int(pick)]), gains: [1], weights: [25], rowsBeneath: 25,
                sample: RowSample(
                    rows: sampled, vectors: VectorBlock(values: [], dimension: 4),
                    weights: sampled.map { _ in 25 / Double(sampled.count) }))
        }
        let task = MergeTask(
            node: .init(level: 1, index: 0), children: [child(pick: 2, sampled: [7, 1, 30]), child(pick: 40, sampled: [49])],
            budget: 1, isRoot: true, rowsBeneath: 50)
        let read = try XCTUnwrap(pool.readingSamples(of: task))
        XCTAssertEqual(read.children[0].sample?.vectors, block.gather([7, 1, 30]))
        XCTAssertEqual(read.children[1].sample?.vectors, block.gather([49]))
        XCTAssertEqual(read.children.map(\.rows), task.children.map(\.rows))
        // What a worker then computes is what the single process computes with the vectors at hand.
        var local = task
        local.children = task.children.map { c in
            var c = c
            c.sample = c.sample?.withVectors { block.gather($0.map { Int($0) }) }
            return c
        }
        XCTAssertEqual(read.run(settings: SelectionSettings(budget: 1)), local.run(settings: SelectionSettings(budget: 1)))
        XCTAssertNil(
            pool.readingSamples(
                of: MergeTask(
                    node: .init(level: 1, index: 0), children: [child(pick: 2, sampled: [50])],
                    budget: 1, isRoot: true, rowsBeneath: 25)),
            "row 50 lies beyond a 50-row pool")
    }
}
