import XCTest
import WinnowCore
import WinnowTestKit

/// `--neighbors K`: the lists against a brute-force sort of the same values, the greedy against
/// greedy by definition on the sparse similarity and against every subset of tiny pools, and the
/// limit K ≥ n against dense facility location.
final class SparseFacilityLocationTests: XCTestCase {
    func sparse(_ block: VectorBlock, k: Int, weights: [Double]? = nil) -> SparseFacilityLocation {
        SparseFacilityLocation(
            kernel: PairwiseKernel(measure: .shiftedCosine, targets: block),
            candidateRows: (0..<block.rows).map(Int64.init), neighbors: k, targetWeights: weights)
    }

    func run<O: GreedyObjective>(_ objective: O, k: Int, _ optimizer: Optimizer = .lazy) -> GreedySelection {
        var o = objective
        var r = SeededRandom(seed: 1)
        return Greedy.select(&o, budget: k, optimizer: optimizer, random: &r)
    }

    /// The kernel's values as the lists saw them, target-major (`[target][candidate]`): a chunk
    /// against itself in the same tiles on and above the diagonal, each serving both halves; other
    /// candidates in the same batches.
    func values(_ kernel: PairwiseKernel, tile: Int = 512) -> [[Float]] {
        var rows = [[Float]](repeating: [Float](repeating: 0, count: kernel.candidateCount), count: kernel.targetCount)
        var out: [Float] = [], scratch: [Float] = []
        if kernel.isSymmetric {
            let n = kernel.targetCount
            for a in stride(from: 0, to: n, by: tile) {
                for b in stride(from: a, to: n, by: tile) {
                    let r = a..<min(n, a + tile), c = b..<min(n, b + tile)
                    kernel.values(candidates: r, targets: c, into: &out)
                    for (x, i) in r.enumerated() {
                        for (y, j) in c.enumerated() {
                            rows[j][i] = out[x * c.count + y]
                            if b != a { rows[i][j] = out[x * c.count + y] }
                        }
                    }
                }
            }
            return rows
        }
        for first in stride(from: 0, to: kernel.candidateCount, by: 256) {
            let ids = Array(first..<min(kernel.candidateCount, first + 256))
            kernel.values(for: ids, into: &out, scratch: &scratch)
            for (b, j) in ids.enumerated() {
                for i in 0..<kernel.targetCount { rows[i][j] = out[b * kernel.targetCount + i] }
            }
        }
        return rows
    }

    /// target → [(candidate, value)] read back from the candidate-major lists.
    func byTarget(_ lists: NeighborLists) -> [[(Int, Float)]] {
        var out = [[(Int, Float)]](repeating: [], count: lists.targetCount)
        for j in 0..<lists.candidateCount {
            let entries = lists.start[j]..<lists.start[j + 1]
            XCTAssertEqual(entries.map { lists.targets[$0] }, entries.map { lists.targets[$0] }.sorted(), "targets in order")
            for e in entries { out[Int(lists.targets[e])].append((j, lists.values[e])) }
        }
        return out
    }

    /// Each target keeps exactly its K largest values (equal values: the smaller candidate), for
    /// candidates = targets in one tile and in many (tiles that do not divide the rows; rbf's norms
    /// per tile), for other candidates (a merge over a row sample, past a batch boundary, the targets in
    /// one tile and in several), with K
    /// beyond the candidates, and on a pool of exact copies where values tie.
    func testListsHoldEachTargetsLargestValues() {
        let uniform = NpyFixtures.uniform(rows: 300, dimension: 8, seed: 3)
        let copies = VectorBlock.concatenate(Array(repeating: NpyFixtures.uniform(rows: 40, dimension: 5, seed: 4), count: 8), dimension: 5)
        let cases: [(PairwiseKernel, Int, Int)] = [
            (PairwiseKernel(measure: .shiftedCosine, targets: uniform), 7, 512),
            (PairwiseKernel(measure: .shiftedCosine, targets: uniform), 7, 64),
            (PairwiseKernel(measure: .rbf(gamma: 0.3), targets: uniform), 4, 37),
            (PairwiseKernel(measure: .shiftedCosine, targets: uniform), 1, 100),
            (PairwiseKernel(measure: .shiftedCosine, targets: uniform), 400, 128),
            (
                PairwiseKernel(
                    measure: .dot, targets: NpyFixtures.uniform(rows: 90, dimension: 6, seed: 5),
                    candidates: NpyFixtures.uniform(rows: 600, dimension: 6, seed: 6)), 9, 512
            ),
            (PairwiseKernel(measure: .shiftedCosine, targets: copies), 5, 64),
            // Other candidates with the targets handed over in several tiles (2 × 37), past batches.
            (PairwiseKernel(measure: .shiftedCosine, targets: uniform, candidates: NpyFixtures.uniform(rows: 700, dimension: 8, seed: 7)), 6, 37),
        ]
        for (kernel, k, tile) in cases {
            let lists = NeighborLists(kernel: kernel, neighbors: k, tile: tile)
            let all = values(kernel, tile: tile)
            let kept = byTarget(lists)
            XCTAssertEqual(lists.entryCount, kernel.targetCount * min(k, kernel.candidateCount))
            for i in 0..<kernel.targetCount {
                let expected = (0..<kernel.candidateCount)
                    .sorted { all[i][$0] > all[i][$1] || (all[i][$0] == all[i][$1] && $0 < $1) }
                    .prefix(k)
                XCTAssertEqual(Set(kept[i].map(\.0)), Set(expected), "target \(i), K \(k)")
                for (j, v) in kept[i] { XCTAssertEqual(v, all[i][j]) }
            }
        }
    }

    /// Targets beyond one part (a root merge's sample): each part's products in its own batches, the
    /// lists those values' K largest, and the same lists, bit for bit, from one thread and from three.
    func testListsOverManyTargetPartsAreTheSameForAnyThreads() {
        let targets = NpyFixtures.clustered(rows: 35_000, dimension: 6, seed: 8)
        let kernel = PairwiseKernel(measure: .shiftedCosine, targets: targets, candidates: NpyFixtures.clustered(rows: 300, dimension: 6, seed: 9))
        let k = 5
        let one = NeighborLists(kernel: kernel, neighbors: k, threads: 1)
        let three = NeighborLists(kernel: kernel, neighbors: k, threads: 3)
        XCTAssertEqual(one.start, three.start)
        XCTAssertEqual(one.targets, three.targets)
        XCTAssertEqual(one.values.map(\.bitPattern), three.values.map(\.bitPattern))
        XCTAssertEqual(one.entryCount, 35_000 * k)
        let kept = byTarget(one)
        var out: [Float] = [], scratch: [Float] = []
        for first in stride(from: 0, to: 35_000, by: 16_384) {
            let part = first..<min(35_000, first + 16_384)
            var all = [[Float]](repeating: [], count: part.count)
            for batch in stride(from: 0, to: 300, by: 256) {
                let ids = Array(batch..<min(300, batch + 256))
                kernel.values(for: ids, targets: part, into: &out, scratch: &scratch)
                for (b, _) in ids.enumerated() {
                    for t in 0..<part.count { all[t].append(out[b * part.count + t]) }
                }
            }
            for t in stride(from: 0, to: part.count, by: 37) {
                let expected = (0..<300).sorted { all[t][$0] > all[t][$1] || (all[t][$0] == all[t][$1] && $0 < $1) }.prefix(k)
                XCTAssertEqual(Set(kept[first + t].map(\.0)), Set(expected), "target \(first + t)")
                for (j, v) in kept[first + t] { XCTAssertEqual(v, all[t][j]) }
            }
        }
    }

    /// The picks and gains of lazy greedy = naive greedy = greedy by its definition, in Double, on
    /// the similarity that is zero off the lists, with and without target weights.
    func testGreedyIsGreedyOnTheSparseSimilarity() {
        for (n, k, budget, seed) in [(200, 4, 20, 1), (700, 16, 40, 2), (1500, 10, 60, 3)] as [(Int, Int, Int, UInt64)] {
            let block = NpyFixtures.clustered(rows: n, dimension: 12, seed: seed)
            let weights: [Double] = (0..<n).map { 1 + Double($0 % 5) }
            for w in [nil, weights] {
                let objective = sparse(block, k: k, weights: w)
                let lazy = run(objective, k: budget)
                let naive = run(objective, k: budget, .naive)
                XCTAssertEqual(lazy.picks, naive.picks, "n \(n)")
                XCTAssertEqual(lazy.gains, naive.gains)
                // By definition: each step the largest f(S + j) − f(S) over the listed similarities.
                var sims = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
                for (i, row) in byTarget(objective.lists).enumerated() { for (j, v) in row { sims[i][j] = Double(v) } }
                var cover = [Double](repeating: 0, count: n)
                for (step, pick) in lazy.picks.enumerated() {
                    let gain = { (j: Int) in (0..<n).reduce(0.0) { $0 + (w?[$1] ?? 1) * max(0, sims[$1][j] - cover[$1]) } }
                    let best = (0..<n).filter { !lazy.picks[..<step].contains($0) }.map(gain).max()!
                    XCTAssertEqual(gain(pick), best, accuracy: 1e-4 * max(1, best), "n \(n) step \(step)")
                    XCTAssertEqual(lazy.gains[step], gain(pick), accuracy: 1e-4 * max(1, best))
                    for i in 0..<n { cover[i] = max(cover[i], sims[i][pick]) }
                }
            }
        }
    }

    /// Every subset of tiny pools: greedy on the sparse objective reaches (1 − 1/e) of its optimum.
    func testGreedyAgainstBruteForceOnTinyPools() {
        for seed in 1...12 as ClosedRange<UInt64> {
            let n = 7 + Int(seed % 5), budget = 3
            let block = NpyFixtures.uniform(rows: n, dimension: 3, seed: seed)
            let objective = sparse(block, k: 2 + Int(seed % 3))
            var sims = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for (i, row) in byTarget(objective.lists).enumerated() { for (j, v) in row { sims[i][j] = Double(v) } }
            let value = { (s: [Int]) in (0..<n).reduce(0.0) { t, i in t + (s.map { sims[i][$0] }.max() ?? 0) } }
            var optimum = 0.0
            for mask in 0..<(1 << n) where mask.nonzeroBitCount == budget {
                optimum = max(optimum, value((0..<n).filter { mask & (1 << $0) != 0 }))
            }
            var picked = objective
            let greedy = run(objective, k: budget)
            for p in greedy.picks { picked.commit(p) }
            XCTAssertEqual(picked.value, value(greedy.picks), accuracy: 1e-5)
            XCTAssertGreaterThanOrEqual(value(greedy.picks), (1 - 1 / M_E) * optimum - 1e-9, "seed \(seed)")
            XCTAssertLessThanOrEqual(value(greedy.picks), optimum + 1e-6)
        }
    }

    /// With K ≥ the candidates nothing is left out: the picks of dense facility location, the same
    /// gains to float rounding, and the same weights (each target to its most similar pick).
    func testEveryNeighborIsFacilityLocation() {
        for seed in 1...3 as ClosedRange<UInt64> {
            let block = NpyFixtures.uniform(rows: 500, dimension: 10, seed: seed)
            let weights: [Double] = (0..<500).map { Double($0 % 3) + 0.5 }
            let dense = FacilityLocation(
                kernel: PairwiseKernel(measure: .shiftedCosine, targets: block),
                candidateRows: (0..<500).map(Int64.init), targetWeights: weights)
            let a = run(sparse(block, k: 500, weights: weights), k: 25)
            let b = run(dense, k: 25)
            XCTAssertEqual(a.picks, b.picks)
            for (x, y) in zip(a.gains, b.gains) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y))) }
            XCTAssertEqual(a.weights, b.weights)
        }
    }

    /// A sparse run's picks stand for every target, listed or not: the weights sum to the targets'.
    func testWeightsCoverEveryTarget() {
        let block = NpyFixtures.clustered(rows: 2000, dimension: 16, seed: 9)
        let weights: [Double] = (0..<2000).map { 0.25 + Double($0 % 4) }
        let selection = run(sparse(block, k: 3, weights: weights), k: 30)
        XCTAssertEqual(selection.weights.reduce(0, +), weights.reduce(0, +), accuracy: 1e-9)
        // Each target's weight went to its most similar pick over the full measure.
        let owner = Evaluation.nearest(
            targets: block, selected: block.gather(selection.picks),
            selectedRows: selection.picks.map(Int64.init), objective: .facilityLocation(.shiftedCosine))
        var expected = [Double](repeating: 0, count: 30)
        for (i, o) in owner.enumerated() { expected[o] += weights[i] }
        for (x, y) in zip(selection.weights, expected) { XCTAssertEqual(x, y, accuracy: 1e-9) }
    }

    /// Weights read off the lists are the full scan's, ties included: small-integer vectors give dot
    /// products that are exact in any summation order, and many equal values; K = 1 leaves most
    /// targets with no listed pick, and with larger K many best listed picks tie the list's last value.
    func testWeightsFromTheListsAreTheFullScans() {
        var random = SeededRandom(seed: 4)
        func block(_ n: Int) -> VectorBlock {
            VectorBlock(values: (0..<n * 6).map { _ in Float(random.index(below: 4)) }, dimension: 6)
        }
        let targets = block(900), candidates = block(300)
        for kernel in [PairwiseKernel(measure: .dot, targets: targets, candidates: candidates), PairwiseKernel(measure: .dot, targets: targets)] {
            let n = kernel.candidateCount
            let rows = (0..<n).map { Int64(7 * $0 % n) }
            let weights = (0..<kernel.targetCount).map { 1 + Double($0 % 3) }
            var picks = random.sample(25, of: n)
            random.shuffle(&picks)
            for k in [1, 4, 40] {
                let objective = SparseFacilityLocation(kernel: kernel, candidateRows: rows, neighbors: k, targetWeights: weights)
                XCTAssertEqual(
                    objective.representedWeights(of: picks),
                    Evaluation.shares(of: picks, in: kernel, candidateRows: rows, weights: weights), "K = \(k), \(n) candidates")
            }
        }
    }

    func testSettingsRefuseWhatCannotBeMeant() {
        var s = SelectionSettings(budget: 10)
        s.neighbors = -1
        XCTAssertTrue(s.problems().contains { $0.contains("--neighbors") })
        s.neighbors = SelectionSettings.neighborLimit + 1
        XCTAssertTrue(s.problems().contains { $0.contains("--neighbors") })
        s.neighbors = 16
        XCTAssertEqual(s.problems(), [])
        s.objective = .kCenter(.euclidean)
        XCTAssertTrue(s.problems().contains { $0.contains("--neighbors") })
    }
}
