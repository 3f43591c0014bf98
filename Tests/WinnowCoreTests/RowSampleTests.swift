import XCTest
import WinnowCore
import WinnowTestKit

/// Merge nodes that cover a row sample (`SelectionSettings.mergeSample`, design §2b).
final class RowSampleTests: XCTestCase {
    static let vectors = NpyFixtures.clustered(rows: 6000, dimension: 12, seed: 21)

    /// `perPick` 0: every covering node covers S rows, whatever its budget.
    static func job(sample: Int, budget: Int = 40, perPick: Double = 0) -> SelectionJob {
        var s = SelectionSettings(budget: budget)
        s.chunkRows = 512
        s.fanIn = 3
        s.mergeSample = sample
        s.sampleRowsPerPick = perPick
        return SelectionJob(totalRows: vectors.rows, dimension: vectors.dimension, settings: s)
    }

    static func walk(_ job: SelectionJob) -> [MergeTree.Node: Coreset] { InMemoryCoordination.results(of: job, vectors: vectors) }

    /// Each node hands its parent its share of the parent's sample, drawn from the rows beneath it
    /// and standing for exactly those rows; each parent covers about S rows; weights sum to the rows
    /// beneath every node.
    func testSamplesStandForTheRowsBeneathEveryNode() throws {
        let job = Self.job(sample: 600)
        let results = Self.walk(job)
        for (node, coreset) in results {
            let beneath = Double(job.plannedRows(beneath: node))
            XCTAssertEqual(coreset.weights.reduce(0, +), beneath, accuracy: 1e-6 * beneath, "\(node) weights")
            guard node != job.tree.root else {
                XCTAssertNil(coreset.sample, "the root hands nothing on")
                continue
            }
            let sample = try XCTUnwrap(coreset.sample, "\(node)")
            XCTAssertEqual(sample.count, job.sampleShare(of: node), "\(node)")
            XCTAssertEqual(sample.totalWeight, beneath, accuracy: 1e-6 * beneath, "\(node) sample weights")
            XCTAssertEqual(Set(sample.rows).count, sample.count, "\(node): rows drawn without replacement")
            let below: Set<Int64> =
                node.level == 0
                ? Set(job.chunkTask(node.index).rows)
                : Set(job.tree.children(of: node).flatMap { results[$0]!.sample!.rows })
            XCTAssertTrue(Set(sample.rows).isSubset(of: below), "\(node): sample rows come from beneath it")
            XCTAssertTrue(Set(sample.rows).isDisjoint(with: coreset.rows), "\(node): no candidate is also a target")
            for (i, row) in sample.rows.enumerated() {
                XCTAssertEqual(Array(sample.vectors.row(i)), Array(Self.vectors.row(Int(row))), "\(node) row \(row)")
            }
        }
        for node in job.tree.mergeNodes {
            let covered = job.tree.children(of: node).reduce(0) { $0 + results[$1]!.sample!.count }
            XCTAssertTrue((600...600 + job.settings.fanIn).contains(covered), "\(node) covers \(covered) rows")
        }
    }

    /// A merge node's greedy is the plain greedy of weighted facility location with the children's
    /// picks as candidates, and as targets the candidates themselves (weight 1 each) and the union of
    /// the children's samples standing for the rest of the rows (naive Double reference).
    func testMergeIsTheGreedyOverTheSample() throws {
        let job = Self.job(sample: 600)
        let results = Self.walk(job)
        let root = job.tree.root
        let children = job.tree.children(of: root).map { results[$0]! }
        let candidates = VectorBlock.concatenate(children.map(\.vectors), dimension: 12)
        let rows = children.flatMap(\.rows)
        let sample = RowSample.union(children.map { $0.sample! }, dimension: 12)
        let scale = (sample.totalWeight - Double(rows.count)) / sample.totalWeight
        let targets = RowSample(
            rows: rows + sample.rows,
            vectors: VectorBlock.concatenate([candidates, sample.vectors], dimension: 12),
            weights: rows.map { _ in 1.0 } + sample.weights.map { $0 * scale })
        var cover = [Double](repeating: 0, count: targets.count)
        var expected: [Int64] = []
        for _ in 0..<job.settings.budget {
            var best = -1.0, arg = -1
            for j in 0..<candidates.rows where !expected.contains(rows[j]) {
                var gain = 0.0
                for i in 0..<targets.count {
                    let sim = Reference.similarity(targets.vectors.row(i), candidates.row(j), .shiftedCosine)
                    gain += targets.weights[i] * max(0, sim - cover[i])
                }
                if gain > best + 1e-9 { best = gain; arg = j }
            }
            expected.append(rows[arg])
            for i in 0..<targets.count {
                cover[i] = max(cover[i], Reference.similarity(targets.vectors.row(i), candidates.row(arg), .shiftedCosine))
            }
        }
        XCTAssertEqual(results[root]!.rows, expected)
    }

    /// A draw by sensitivity takes exactly `count` distinct rows in the order given, every row whose
    /// probability reaches 1 among them, each standing for the inverse of its probability (scaled to
    /// the rows the sample stands for).
    func testSensitivityDrawTakesCountRowsAndEveryCertainOne() {
        var random = SeededRandom(seed: 3)
        let n = 500
        let rows = (0..<n).map { Int64(1000 + 2 * $0) }
        var sensitivity = (0..<n).map { _ in 0.1 + random.unit() }
        for i in [7, 99, 400] { sensitivity[i] = 1000 }
        for count in [1, 3, 40, 250, 499] {
            let sample = RowSample.draw(
                count, of: rows, vectors: VectorBlock(values: [], dimension: 4), sensitivity: sensitivity,
                standsFor: 1234, random: &random)
            XCTAssertEqual(sample.count, count)
            XCTAssertEqual(sample.rows, sample.rows.sorted(), "in the order given")
            XCTAssertEqual(Set(sample.rows).count, count, "without replacement")
            XCTAssertEqual(sample.totalWeight, 1234, accuracy: 1e-9)
            if count >= 40 { XCTAssertTrue(Set([7, 99, 400].map { rows[$0] }).isSubset(of: sample.rows), "count \(count)") }
        }
        let all = RowSample.draw(
            n, of: rows, vectors: VectorBlock(values: [], dimension: 4), sensitivity: sensitivity,
            standsFor: Double(n), random: &random)
        XCTAssertEqual(all.rows, rows)
        XCTAssertEqual(all.weights, [Double](repeating: 1, count: n))
    }

    /// Drawn by sensitivity, a sample estimates a sum over the rows with little bias (the weights are
    /// scaled to a fixed total: a ratio estimator), and with less error than a uniform draw of as
    /// many rows when the sum is of what the sensitivities bound (the regrets, a few large): 4,000
    /// seeded draws of 50 of 2,000 rows. A numpy simulation of the same design gives errors 58 and 91.
    func testSensitivityDrawEstimatesSumsWithLessErrorThanUniform() {
        var random = SeededRandom(seed: 8)
        let n = 2000
        let rows = (0..<n).map(Int64.init)
        let regret = (0..<n).map { i in i % 20 == 0 ? 1 + random.unit() : 0.01 * random.unit() }
        let cluster = (0..<n).map { $0 % 10 }
        let sensitivity = RowSample.sensitivities(regret: regret, cluster: cluster, clusters: 10)
        XCTAssertEqual(sensitivity.reduce(0, +), 1 + 10, accuracy: 1e-9, "Σ regret share + one per cluster")
        let truth = regret.reduce(0, +)
        var sums = (sensitivity: [Double](), uniform: [Double]())
        let empty = VectorBlock(values: [], dimension: 1)
        for _ in 0..<4000 {
            let s = RowSample.draw(50, of: rows, vectors: empty, sensitivity: sensitivity, standsFor: Double(n), random: &random)
            sums.sensitivity.append(zip(s.rows, s.weights).reduce(0) { $0 + regret[Int($1.0)] * $1.1 })
            let u = RowSample.draw(50, of: rows, vectors: empty, standsFor: Double(n), random: &random)
            sums.uniform.append(zip(u.rows, u.weights).reduce(0) { $0 + regret[Int($1.0)] * $1.1 })
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        func error(_ v: [Double]) -> Double { (v.reduce(0) { $0 + ($1 - truth) * ($1 - truth) } / Double(v.count)).squareRoot() }
        XCTAssertEqual(mean(sums.sensitivity), truth, accuracy: 0.03 * truth)
        XCTAssertEqual(mean(sums.uniform), truth, accuracy: 0.03 * truth)
        XCTAssertLessThan(error(sums.sensitivity), 0.75 * error(sums.uniform))
    }

    /// A uniform subsample of a sample whose rows stand for different numbers of rows keeps their
    /// ratios (a row drawn as likely stands for fewer rows) and the total.
    func testSubsampleKeepsTheWeightsRatios() {
        var random = SeededRandom(seed: 5)
        let sample = RowSample(
            rows: (0..<300).map(Int64.init), vectors: VectorBlock(values: [], dimension: 2),
            weights: (0..<300).map { 1 + Double($0 % 7) })
        let sub = sample.subsample(40, random: &random)
        XCTAssertEqual(sub.count, 40)
        XCTAssertEqual(sub.totalWeight, sample.totalWeight, accuracy: 1e-9)
        let ratio = sub.weights[0] / sample.weights[Int(sub.rows[0])]
        for (row, w) in zip(sub.rows, sub.weights) { XCTAssertEqual(w / sample.weights[Int(row)], ratio, accuracy: 1e-12) }
    }

    /// A task draws the same sample however often it runs (retries, backups), other chunks draw
    /// other rows, and the option changes the selection.
    func testSampleIsTheSameOnEveryRun() {
        let job = Self.job(sample: 600)
        let a = Self.walk(job), b = Self.walk(job)
        XCTAssertEqual(a, b)
        let leaf0 = a[MergeTree.Node(level: 0, index: 0)]!.sample!, leaf1 = a[MergeTree.Node(level: 0, index: 1)]!.sample!
        XCTAssertTrue(Set(leaf0.rows).isDisjoint(with: Set(leaf1.rows)))
        XCTAssertNotEqual(a[job.tree.root]!.rows, Self.walk(Self.job(sample: 0))[job.tree.root]!.rows)
    }

    /// A node whose sample would hold fewer than `thinSampleRowsPerPick` rows per pick covers its
    /// weighted candidates instead, and its children ship no sample; nodes below it still cover theirs.
    func testThinSampleFallsBackToTheWeightedMerge() throws {
        var s = Self.job(sample: 300).settings
        s.oversample = 1
        let job = SelectionJob(totalRows: Self.vectors.rows, dimension: 12, settings: s)
        XCTAssertEqual(job.tree.levelSizes, [12, 4, 2, 1])
        let root = job.tree.root
        XCTAssertFalse(job.coversSample(root), "300 rows for k = 40 picks is 7.5 per pick")
        XCTAssertTrue(job.coversSample(MergeTree.Node(level: 2, index: 0)))
        XCTAssertTrue(job.coversSample(MergeTree.Node(level: 1, index: 0)))
        let results = Self.walk(job)
        for child in job.tree.children(of: root) {
            XCTAssertNil(results[child]!.sample, "\(child) ships nothing its parent would not use")
        }
        XCTAssertNotNil(results[MergeTree.Node(level: 1, index: 0)]!.sample)
        // The root ran the plain weighted merge over the same candidates.
        let children = job.tree.children(of: root).map { results[$0]! }
        var weighted = job.settings
        weighted.mergeSample = 0
        let plain = SelectionTasks.merge(children: children, budget: s.budget, isRoot: true, settings: weighted, node: root)
        XCTAssertEqual(results[root]!.rows, plain.rows)
    }

    /// With R rows per pick the node that makes the final picks covers at least R × k rows (or every
    /// row beneath it), whatever S: the budget no longer thins its sample. Nodes below hand up their
    /// share of it (covering none of their own when S is thin for them). A budget past what the pool
    /// holds at R rows a pick has the root cover every row the chunks did not pick.
    func testSamplesGrowWithTheBudget() throws {
        let job = Self.job(sample: 100, budget: 40, perPick: 16)
        let root = job.tree.root
        XCTAssertEqual(job.sampleSize(root), 640)
        let results = Self.walk(job)
        let covered = job.tree.children(of: root).reduce(0) { $0 + results[$1]!.sample!.count }
        XCTAssertTrue((640...640 + job.settings.fanIn).contains(covered), "the root covers \(covered)")
        for node in job.tree.mergeNodes where node != root {
            XCTAssertFalse(job.coversSample(node), "\(node): 100 rows are thin for its picks")
            XCTAssertEqual(results[node]!.sample!.count, job.sampleShare(of: node), "\(node)")
        }
        XCTAssertEqual(results[root]!.count, 40)

        let large = Self.job(sample: 100, budget: 600, perPick: 16)
        XCTAssertEqual(large.sampleSize(large.tree.root), Self.vectors.rows, "9,600 wanted, 6,000 there")
        let all = Self.walk(large)
        let leafPicks = (0..<large.chunkCount).reduce(0) { $0 + all[MergeTree.Node(level: 0, index: $1)]!.count }
        let coveredAtTop = large.tree.children(of: large.tree.root).reduce(0) { $0 + all[$1]!.sample!.count }
        XCTAssertEqual(coveredAtTop, Self.vectors.rows - leafPicks, "every row but the chunks' picks")
        XCTAssertEqual(all[large.tree.root]!.count, 600)
        XCTAssertNotEqual(all[large.tree.root]!.rows, Self.walk(Self.job(sample: 100, budget: 600))[large.tree.root]!.rows)
    }

    /// k-center covers every row, so it ignores the option.
    func testKCenterIgnoresTheSample() {
        var s = Self.job(sample: 600).settings
        s.objective = .kCenter(.euclidean)
        let job = SelectionJob(totalRows: Self.vectors.rows, dimension: 12, settings: s)
        XCTAssertFalse(s.coversRowSample)
        XCTAssertEqual(job.chunkTask(0).sampleRows, 0)
    }

    /// `(f(S) − f(random)) / (f(exact) − f(random))`, for maximised and minimised objectives.
    func testGapClosedArithmetic() throws {
        XCTAssertEqual(try XCTUnwrap(GapClosed.of(objective: 0.98, random: 0.96, reference: 1.0)), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(GapClosed.of(objective: 1.0, random: 0.96, reference: 1.0)), 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(GapClosed.of(objective: 0.95, random: 0.96, reference: 1.0)), -0.25, accuracy: 1e-12)
        // k-center radius: smaller is better.
        XCTAssertEqual(try XCTUnwrap(GapClosed.of(objective: 2, random: 4, reference: 1)), 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertNil(GapClosed.of(objective: 1, random: 1, reference: 1))
    }
}
