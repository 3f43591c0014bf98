import XCTest
import WinnowCore
import WinnowTestKit

/// `--label-budget`: the caps' arithmetic, greedy under a partition matroid against its definition,
/// and caps kept at every node of the tree.
final class LabelBudgetTests: XCTestCase {
    func testRootCapsFollowTheirRule() {
        // Labels 0…3 with 50, 30, 15, 5 rows.
        let labels: [Int64] =
            Array(repeating: 0, count: 50) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 15)
            + Array(repeating: 3, count: 5)
        let chunks = [[0..<100]]
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .proportional, k: 10).root.caps, [5, 3, 2, 0])
        // 7 over (50, 30, 15, 5) → 3.5, 2.1, 1.05, 0.35: floors 3, 2, 1, 0; the one left goes to the largest remainder.
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .proportional, k: 7).root.caps, [4, 2, 1, 0])
        // Balanced: 40 over four labels, label 3 has only 5: the other 35 spread evenly (12, 12, 11).
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .balanced, k: 40).root.caps, [12, 12, 11, 5])
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .balanced, k: 8).root.caps, [2, 2, 2, 2])
        // Explicit: capped by what each label has; unlisted labels get nothing.
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .explicit([3: 9, 1: 4]), k: 10).root.caps, [0, 4, 0, 5])
    }

    /// A label set aside as never pickable gets no cap and its rows count for no label: the caps
    /// are those of the pool without them, and still add up to k.
    func testLeftOutLabelGetsNoCap() {
        let labels: [Int64] = Array(repeating: 0, count: 50) + Array(repeating: -1, count: 30) + Array(repeating: 2, count: 20)
        let chunks = [[0..<60], [60..<100]]
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .balanced, k: 30).root.caps, [10, 10, 10])
        for budget in [LabelBudget.balanced, .proportional] {
            let plan = LabelPlan(labels: labels, chunks: chunks, budget: budget, k: 30, leftOut: -1)
            XCTAssertEqual(plan.root.labels, [0, 2])
            XCTAssertEqual(plan.root.total, 30)
            XCTAssertEqual(plan.totals, [50, 20])
            XCTAssertEqual(plan.chunkCounts, [[50, 0], [0, 20]])
        }
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .balanced, k: 30, leftOut: -1).root.caps, [15, 15])
        XCTAssertEqual(LabelPlan(labels: labels, chunks: chunks, budget: .proportional, k: 30, leftOut: -1).root.caps, [21, 9])
    }

    /// Greedy under caps by its definition: each step, the allowed candidate with the largest gain.
    func referenceGreedy(_ block: VectorBlock, labels: [Int64], caps: LabelCaps, k: Int) -> [Int] {
        Reference.greedy(block, k: k, .shiftedCosine) { j, picks in
            picks.filter { labels[$0] == labels[j] }.count < caps.cap(of: labels[j])
        }
    }

    func testGreedyUnderCapsFollowsItsDefinition() {
        for seed in 1...10 as ClosedRange<UInt64> {
            let n = 12 + Int(seed % 5)
            let block = NpyFixtures.uniform(rows: n, dimension: 4, seed: seed)
            let labels = (0..<n).map { Int64(($0 * 7 + Int(seed)) % 3) }
            let caps = LabelCaps(labels: [0, 1, 2], caps: [1, 3, 2])
            let expected = referenceGreedy(block, labels: labels, caps: caps, k: 5)
            for optimizer in [Optimizer.lazy, .naive] {
                var objective = FacilityLocation(
                    kernel: PairwiseKernel(measure: .shiftedCosine, targets: block),
                    candidateRows: (0..<n).map(Int64.init))
                var random = SeededRandom(seed: 1)
                let picks = Greedy.select(
                    &objective, budget: 5, optimizer: optimizer, random: &random,
                    limits: GroupLimits(labels: labels, caps: caps)
                ).picks
                XCTAssertEqual(picks, expected, "seed \(seed), \(optimizer.name)")
                XCTAssertTrue(caps.admits(picks.map { labels[$0] }))
            }
            // A budget beyond the caps' total stops at the total.
            var objective = FacilityLocation(kernel: PairwiseKernel(measure: .shiftedCosine, targets: block), candidateRows: (0..<n).map(Int64.init))
            var random = SeededRandom(seed: 1)
            XCTAssertEqual(
                Greedy.select(
                    &objective, budget: 50, optimizer: .lazy, random: &random,
                    limits: GroupLimits(labels: labels, caps: caps)
                ).picks.count, 6)
            // k-center keeps to the caps too.
            let kc = KCenter.select(
                kernel: PairwiseKernel(measure: .euclidean, targets: block), rows: (0..<n).map(Int64.init),
                budget: 5, limits: GroupLimits(labels: labels, caps: caps))
            XCTAssertEqual(kc.picks.count, 5)
            XCTAssertTrue(caps.admits(kc.picks.map { labels[$0] }))
        }
    }

    /// Every node of the tree keeps to its caps, and the root fills its caps exactly; worker counts
    /// change nothing.
    func testCapsHoldAtEveryNodeWhateverTheWorkers() throws {
        let block = NpyFixtures.clustered(rows: 6000, dimension: 12, seed: 11)
        // Skewed labels: 0 is 70% of the pool, 4 only 2%.
        var random = SeededRandom(seed: 2)
        let labels = (0..<6000).map { _ -> Int64 in
            let u = random.next() % 100
            return u < 70 ? 0 : u < 85 ? 1 : u < 93 ? 2 : u < 98 ? 3 : 4
        }
        for budget in [LabelBudget.balanced, .proportional] {
            var settings = SelectionSettings(budget: 50)
            settings.chunkRows = 512
            settings.fanIn = 3
            settings.labelBudget = budget
            let job = SelectionJob(totalRows: 6000, dimension: 12, settings: settings, labels: labels)
            let results = InMemoryCoordination.results(of: job, vectors: block, labels: labels)
            for (node, coreset) in results {
                let caps = try XCTUnwrap(job.labelCaps(node))
                XCTAssertEqual(coreset.labels?.count ?? 0, coreset.count)
                XCTAssertTrue(caps.admits(coreset.labels ?? []), "\(budget.name) \(node)")
                XCTAssertEqual(coreset.labels ?? [], coreset.rows.map { labels[Int($0)] })
            }
            let root = try XCTUnwrap(results[job.tree.root])
            let counts = Dictionary(grouping: root.labels ?? []) { $0 }.mapValues(\.count)
            let rootCaps = try XCTUnwrap(job.labels?.root)
            XCTAssertEqual(rootCaps.total, 50)
            for (label, cap) in zip(rootCaps.labels, rootCaps.caps) { XCTAssertEqual(counts[label] ?? 0, cap, "\(budget.name) label \(label)") }
            for workers in [1, 2, 3] {
                var cluster = InMemoryCoordination(vectors: block, settings: settings, workers: workers, orderSeed: UInt64(workers), labels: labels)
                cluster.start()
                cluster.runToEnd()
                XCTAssertEqual(try XCTUnwrap(cluster.outcome).selection, root, "\(budget.name), \(workers) workers")
                XCTAssertEqual(cluster.coordinator.counters.invalidResults, 0)
            }
        }
    }
}
