import XCTest
import WinnowCore
import WinnowTestKit

/// Lazy greedy with tracked facility-location gains (`TrackedGains`, used when the block is computed
/// on the fly and the candidates are the targets: `--exact` and large chunks) against the plain
/// optimizers: the bounds must hold every fresh gain and stay tight, and the picks, gains and weights
/// must be those of naive greedy, bit for bit, for any thread count and live-pair budget.
final class TrackedGainsTests: XCTestCase {
    /// `denseLimitBytes` below the block's size keeps it on the fly; it also caps the live pairs kept
    /// (0: none, every raised target's row is recomputed).
    func fl(
        _ block: VectorBlock, _ measure: Measure = .shiftedCosine, weights: [Double]? = nil,
        pairBytes: Int = 1 << 20, threads: Int = 1, dense: Bool = false
    ) -> FacilityLocation {
        FacilityLocation(
            kernel: PairwiseKernel(measure: measure, targets: block), candidateRows: (0..<block.rows).map(Int64.init),
            targetWeights: weights,
            tuning: OptimizerTuning(denseLimitBytes: dense ? 1 << 30 : pairBytes, threads: threads))
    }

    func run(_ objective: FacilityLocation, k: Int, _ optimizer: Optimizer = .lazy, limits: GroupLimits? = nil) -> GreedySelection {
        var o = objective
        var r = SeededRandom(seed: 1)
        return Greedy.select(&o, budget: k, optimizer: optimizer, random: &r, limits: limits)
    }

    /// After every commit each candidate's bound is at least its fresh gain and within 2⁻¹⁰ of it:
    /// wrong sums (a term left out, a raise applied twice, a stored pair dropped too early) break one
    /// side or the other.
    func testBoundsHoldEveryFreshGainAndStayTight() throws {
        try requireSumsInOneOrder()
        for (seed, measure) in [(1, Measure.shiftedCosine), (2, .dot), (3, .rbf(gamma: 0.5))] as [(UInt64, Measure)] {
            let block =
                seed == 2
                ? NpyFixtures.uniform(rows: 1200, dimension: 10, seed: seed)
                : NpyFixtures.clustered(rows: 1200, dimension: 10, seed: seed)
            var r = SeededRandom(seed: seed)
            let weights: [Double]? = seed == 3 ? (0..<1200).map { _ in Double(1 + r.index(below: 9)) } : nil
            for (pairBytes, threads) in [(0, 1), (1 << 16, 2), (1 << 22, 3)] {
                let picks = run(fl(block, measure, weights: weights, dense: true), k: 60).picks
                var o = fl(block, measure, weights: weights, pairBytes: pairBytes, threads: threads)
                XCTAssertFalse(o.isDense)
                let all = Array(0..<block.rows)
                var scale = 0.0
                for (step, p) in picks.enumerated() {
                    _ = o.gains(of: [p])
                    o.commit(p)
                    guard let bounds = o.trackedBounds() else { return XCTFail("no tracked bounds") }
                    if step == 0 { scale = bounds.max()! }
                    guard step % 6 == 0 else { continue }
                    let fresh = o.gains(of: all)
                    for j in all {
                        XCTAssertGreaterThanOrEqual(bounds[j], fresh[j], "\(measure) step \(step) candidate \(j)")
                        XCTAssertLessThanOrEqual(
                            bounds[j] - fresh[j], 0x1p-10 * fresh[j] + 1e-8 * scale,
                            "\(measure) step \(step) candidate \(j)")
                    }
                }
            }
        }
    }

    /// Tracked lazy greedy = naive greedy = lazy greedy over the held block: rows, order, gains and
    /// weights, for 1–3 threads and no, some or ample room for live pairs.
    func testTrackedLazyEqualsNaiveAndDense() throws {
        try requireSumsInOneOrder()
        for (n, d, k, seed) in [(900, 12, 90, 4), (3000, 24, 150, 5)] as [(Int, Int, Int, UInt64)] {
            for block in [NpyFixtures.uniform(rows: n, dimension: d, seed: seed), NpyFixtures.clustered(rows: n, dimension: d, seed: seed)] {
                let naive = run(fl(block, pairBytes: 0), k: k, .naive)
                let dense = run(fl(block, dense: true), k: k)
                XCTAssertEqual(dense, naive)
                for (pairBytes, threads) in [(0, 1), (1 << 16, 2), (64 << 20, 3), (64 << 20, 1)] {
                    let tracked = run(fl(block, pairBytes: pairBytes, threads: threads), k: k)
                    XCTAssertEqual(tracked.picks, naive.picks, "n=\(n) pairs=\(pairBytes) threads=\(threads)")
                    XCTAssertEqual(tracked.gains, naive.gains, "n=\(n) pairs=\(pairBytes) threads=\(threads)")
                    XCTAssertEqual(tracked.weights, naive.weights)
                }
            }
        }
    }

    /// A merge node's candidates against a row sample too large to hold with them (the targets are
    /// not the candidates): tracked lazy greedy still makes naive greedy's picks, gains and weights,
    /// for weighted targets, 1–2 threads and no or ample room for live pairs.
    func testTrackedGainsOverTargetsThatAreNotTheCandidates() throws {
        try requireSumsInOneOrder()
        for (measure, seed) in [(Measure.shiftedCosine, UInt64(11)), (.rbf(gamma: 0.5), 12)] {
            let candidates = NpyFixtures.clustered(rows: 700, dimension: 12, seed: seed)
            let targets = NpyFixtures.clustered(rows: 2600, dimension: 12, seed: seed + 100)
            var r = SeededRandom(seed: seed)
            let weights = (0..<targets.rows).map { _ in Double(1 + r.index(below: 7)) / 3 }
            func objective(_ limit: Int, threads: Int = 1) -> FacilityLocation {
                FacilityLocation(
                    kernel: PairwiseKernel(measure: measure, targets: targets, candidates: candidates),
                    candidateRows: (0..<candidates.rows).map { Int64(5 * $0) }, targetWeights: weights,
                    tuning: OptimizerTuning(denseLimitBytes: limit, threads: threads))
            }
            let naive = run(objective(0), k: 120, .naive)
            XCTAssertEqual(run(objective(1 << 30), k: 120), naive, "\(measure) dense")
            for (pairBytes, threads) in [(0, 1), (1 << 16, 2), (4 << 20, 1)] {
                var o = objective(pairBytes, threads: threads)
                XCTAssertFalse(o.isDense)
                _ = o.gains(of: [0])
                o.commit(0)
                XCTAssertNotNil(o.trackedBounds(), "\(measure): tracked bounds over a sample")
                XCTAssertEqual(run(objective(pairBytes, threads: threads), k: 120), naive, "\(measure) pairs=\(pairBytes) threads=\(threads)")
            }
        }
    }

    /// The same picks and gains for any thread count, on a machine with many cores too: OpenBLAS sums
    /// a product of few targets (a few hundred, at d ≥ 64) in another order than a whole column, so
    /// the columns and rows are never cut into pieces that small (`PairwiseKernel.minimumSplit`).
    /// 9,000 rows: two threads cut them in two, sixteen no finer.
    func testManyThreadsGiveTheBitsOfOne() throws {
        try requireSumsInOneOrder()
        let block = NpyFixtures.clustered(rows: 9000, dimension: 64, seed: 8)
        let one = run(fl(block, threads: 1), k: 60)
        for threads in [2, 16] {
            let many = run(fl(block, threads: threads), k: 60)
            XCTAssertEqual(many.picks, one.picks, "threads=\(threads)")
            XCTAssertEqual(many.gains, one.gains, "threads=\(threads)")
        }
    }

    /// Weighted targets and label caps: still the plain greedy's picks.
    func testWeightsAndLabelCapsWhileTracking() throws {
        try requireSumsInOneOrder()
        let n = 1500
        let block = NpyFixtures.clustered(rows: n, dimension: 16, seed: 6)
        var r = SeededRandom(seed: 6)
        let weights = (0..<n).map { _ in Double(1 + r.index(below: 30)) }
        let labels = (0..<n).map { Int64($0 % 5) }
        let caps = LabelCaps(labels: [0, 1, 2, 3, 4], caps: [3, 20, 20, 2, 20])
        let limits = GroupLimits(labels: labels, caps: caps)
        let naive = run(fl(block, weights: weights, pairBytes: 0), k: 60, .naive, limits: limits)
        let tracked = run(fl(block, weights: weights, threads: 2), k: 60, limits: limits)
        XCTAssertEqual(tracked, naive)
        XCTAssertEqual(tracked.picks.count, 60)
        XCTAssertEqual(tracked.picks.filter { labels[$0] == 3 }.count, 2)
        XCTAssertEqual(
            Reference.greedy(block, k: 20, .shiftedCosine, weights: weights),
            run(fl(block, weights: weights, threads: 2), k: 20).picks)
    }

    /// Twins have equal gains at every step: the smaller global row is picked first.
    func testTiesBreakOnSmallerRowWhileTracking() {
        let base = NpyFixtures.uniform(rows: 40, dimension: 4, seed: 7)
        let block = VectorBlock.concatenate([base, base], dimension: 4)
        let rows = (0..<80).map { Int64(79 - $0) }
        var o = FacilityLocation(
            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block), candidateRows: rows,
            tuning: OptimizerTuning(denseLimitBytes: 0, threads: 2))
        var r = SeededRandom(seed: 1)
        let s = Greedy.select(&o, budget: 80, optimizer: .lazy, random: &r)
        var seen = Set<Int>()
        for p in s.picks {
            // Of each pair of twins (i, i + 40) the later index has the smaller row: it comes first.
            if p < 40 { XCTAssertTrue(seen.contains(p + 40), "twin \(p) before \(p + 40)") }
            seen.insert(p)
        }
        XCTAssertEqual(s.picks.count, 80)
    }

    /// The pass that sets the gains up moves the task's progress meter tile by tile (a worker's
    /// heartbeats carry it; a long pass must not look like a stuck task), and so does each raise.
    func testSettingUpAndKeepingGainsMovesTheMeter() {
        let block = NpyFixtures.clustered(rows: 2500, dimension: 8, seed: 8)
        let meter = ProgressMeter()
        var o = FacilityLocation(
            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block),
            candidateRows: (0..<2500).map(Int64.init),
            tuning: OptimizerTuning(denseLimitBytes: 0, threads: 2), meter: meter)
        _ = o.gains(of: [0])
        o.commit(0)
        XCTAssertEqual(meter.rowsDone, 0)
        XCTAssertEqual(meter.task(budget: 10), TaskProgress(picks: 0, budget: 10))
        XCTAssertNotNil(o.trackedBounds())
        // 3 × 3 tiles of 1,024 rows, upper triangle: (1024 + 1024 + 452) + (1024 + 452) + 452 rows.
        XCTAssertEqual(meter.rowsDone, 4428)
        XCTAssertEqual(meter.task(budget: 10), TaskProgress(picks: 0, budget: 10, passTilesDone: 6, passTiles: 6))
        XCTAssertFalse(meter.task(budget: 10).inPass)
        _ = o.gains(of: [1])
        o.commit(1)
        XCTAssertGreaterThan(meter.rowsDone, 4428)
    }

    /// What the progress line reads while one long greedy runs (`TaskProgress`): every pick of the
    /// optimizer counted once, for facility location (lazy, tracked) and k-center alike.
    func testTheMeterCountsEveryPick() {
        let block = NpyFixtures.clustered(rows: 3000, dimension: 8, seed: 9)
        var settings = SelectionSettings(budget: 40)
        settings.tuning = OptimizerTuning(denseLimitBytes: 0, threads: 2)
        for objective in [Objective.facilityLocation(.shiftedCosine), .kCenter(.euclidean)] {
            settings.objective = objective
            let meter = ProgressMeter()
            var random = SeededRandom(seed: 3)
            let s = SelectionTasks.greedy(
                settings: settings, candidates: block, rows: (0..<3000).map(Int64.init), weights: nil,
                budget: 40, random: &random, progress: meter)
            XCTAssertEqual(s.picks.count, 40)
            let task = meter.task(budget: 40)
            XCTAssertEqual(task.picks, 40, "\(objective)")
            if case .facilityLocation = objective {
                XCTAssertEqual(task.passTiles, 6)
                XCTAssertEqual(task.passTilesDone, 6)
            } else {
                XCTAssertEqual(task.passTiles, 0)
            }
        }
    }
}
