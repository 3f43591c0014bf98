import XCTest
import WinnowCore
import WinnowNative
import WinnowTestKit

final class KMeansTests: XCTestCase {
    /// The smallest of `norms[j] − 2 · dots[j]` by (value, index), as a scalar sort finds it, for every
    /// count of values from 1 to 40 (the lanes and the tail) with many ties.
    func testNearestIsTheSmallestInIndexOrder() {
        var random = SeededRandom(seed: 11)
        for k in 1...40 {
            for _ in 0..<50 {
                let offset = random.index(below: 3)
                // Few distinct values: ties everywhere.
                let dots = (0..<offset + k).map { _ in Float(random.index(below: 4)) }
                let norms = (0..<k).map { _ in Float(random.index(below: 3)) }
                let ranked = (0..<k).sorted { a, b in
                    let va = norms[a] - 2 * dots[offset + a], vb = norms[b] - 2 * dots[offset + b]
                    return va != vb ? va < vb : a < b
                }
                XCTAssertEqual(Kernels.nearest(dots, offset: offset, norms: norms), ranked[0], "k \(k)")
            }
        }
    }

    func pool(_ rows: Int, dimension: Int = 8, clusters: Int = 6, seed: UInt64 = 3) -> VectorBlock {
        VectorBlock(
            values: SyntheticPool(rows: rows, dimension: dimension, clusters: clusters, spread: 0.4, seed: seed)
                .generate(0..<rows).values, dimension: dimension)
    }

    /// Lloyd's algorithm written directly in Double: nearest centroid by full distance, then means.
    func referenceLloyd(_ x: VectorBlock, from start: VectorBlock, iterations: Int) -> (centroids: [[Double]], inertia: Double) {
        let d = x.dimension, k = start.rows
        var c = (0..<k).map { start.row($0).map(Double.init) }
        func nearest(_ i: Int) -> (Int, Double) {
            var best = 0, bestValue = Double.infinity
            for j in 0..<k {
                var t = 0.0
                for (a, b) in zip(x.row(i), c[j]) { t += (Double(a) - b) * (Double(a) - b) }
                if t < bestValue { best = j; bestValue = t }
            }
            return (best, bestValue)
        }
        for _ in 0..<iterations {
            var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: k), counts = [Int](repeating: 0, count: k)
            for i in 0..<x.rows {
                let (j, _) = nearest(i)
                counts[j] += 1
                for (t, v) in x.row(i).enumerated() { sums[j][t] += Double(v) }
            }
            for j in 0..<k where counts[j] > 0 { c[j] = sums[j].map { $0 / Double(counts[j]) } }
        }
        return (c, (0..<x.rows).reduce(0) { $0 + nearest($1).1 })
    }

    /// Lloyd over blocks (BLAS distances, Float centroids) from the same seeds as the reference: the
    /// final inertia within 1e-4 relative, every row assigned to a nearest centroid.
    func testMatchesLloydFromTheSameSeeds() {
        let x = pool(3000)
        for (k, seed) in [(6, UInt64(0)), (10, 1), (25, 2)] {
            var random = SeededRandom(seed: seed)
            let start = KMeans.seed(x, k: k, random: &random)
            var c = start
            var assignments: [Int32] = []
            var inertia = 0.0
            for pass in 0...15 {
                var total = KMeansPartial(clusters: k, dimension: x.dimension)
                assignments = []
                for b in stride(from: 0, to: x.rows, by: 700) {
                    let block = x.gather(Array(b..<min(x.rows, b + 700)))
                    let (a, p) = KMeans.assign(block, to: c)
                    assignments += a
                    total.merge(p)
                }
                inertia = total.inertia
                if pass < 15 { c = KMeans.update(c, with: total) }
            }
            let reference = referenceLloyd(x, from: start, iterations: 15)
            XCTAssertEqual(inertia, reference.inertia, accuracy: 1e-4 * reference.inertia, "k \(k)")
            // Every assignment is a nearest centroid, to float rounding.
            for i in stride(from: 0, to: x.rows, by: 37) {
                let distances = (0..<k).map { j in zip(x.row(i), c.row(j)).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } }
                XCTAssertLessThanOrEqual(distances[Int(assignments[i])], distances.min()! * (1 + 1e-5) + 1e-6, "row \(i)")
            }
        }
    }

    /// Iterations fit on a sample: the plan equals Lloyd written out on the sampled rows alone (the rows
    /// a hash of seed and row number picks, about `k × fitRowsPerCluster` of them), followed by one
    /// assignment of every row to the centroids that gives the final inertia.
    func testSampledFitIsLloydOnTheSampleThenOneAssignment() {
        let x = pool(24_000, clusters: 6)
        var settings = KMeansSettings(k: 6)
        settings.iterations = 8
        settings.fitRowsPerCluster = 300
        settings.fullIterations = 0
        settings.chunkRows = 500
        settings.seed = 9
        var random = SeededRandom(seed: 1)
        let seeds = KMeans.seed(x, k: 6, random: &random)
        var passes = LloydPasses(totalRows: x.rows, settings: settings, seeds: seeds)
        let sample = try! XCTUnwrap(passes.sample)
        XCTAssertEqual(sample.fraction, 1_800.0 / 24_000)
        let sampled = sample.rows(in: 0..<x.rows)
        // 1,800 expected; a binomial's standard deviation is 41 here.
        XCTAssertEqual(Double(sampled.count), 1_800, accuracy: 5 * 41)
        XCTAssertEqual(sampled, (0..<x.rows).filter { sample.contains($0) })
        XCTAssertEqual(passes.fitBlocks.count, Int((Double(x.rows) / Double(sample.span(sampledRows: 500))).rounded(.up)))
        var taking: [Int] = []
        while !passes.isFinished {
            for b in passes.blocks.indices {
                let task = passes.task(b)
                XCTAssertEqual(task.sample == nil, task.returnsAssignments)
                if task.sample != nil { taking += task.participants }
                let rows = task.participants
                _ = passes.record(AssignOutcome.assigning(x.gather(rows), rows: rows, kept: nil, for: task), block: b)
            }
        }
        // Iterations stop early once no centroid moves; Lloyd from there on would not move them either.
        let ran = passes.finishedPasses.count - 1
        XCTAssertGreaterThan(ran, 1)
        XCTAssertEqual(taking, Array(repeating: sampled, count: ran).flatMap { $0 }, "each iteration takes exactly the sample")
        let reference = referenceLloyd(x.gather(sampled), from: seeds, iterations: 8)
        for j in 0..<6 {
            for (a, b) in zip(passes.centroids.row(j), reference.centroids[j]) { XCTAssertEqual(Double(a), b, accuracy: 1e-4, "centroid \(j)") }
        }
        XCTAssertEqual(passes.finishedPasses[ran].counts.reduce(0, +), x.rows, "the last pass assigns every row")
        let everyRow = referenceLloyd(x, from: passes.centroids, iterations: 0)
        XCTAssertEqual(passes.finishedPasses[ran].inertia, everyRow.inertia, accuracy: 1e-6 * everyRow.inertia)
        XCTAssertTrue(passes.assignments.allSatisfy { $0 >= 0 })
        // The last two iterations on every row: Lloyd on the sample for the others, then on the pool.
        settings.fullIterations = 2
        passes = LloydPasses(totalRows: x.rows, settings: settings, seeds: seeds)
        XCTAssertEqual(passes.firstFullPass, 6)
        var tasks: [AssignTask] = []
        while !passes.isFinished {
            for b in passes.blocks.indices {
                let task = passes.task(b)
                tasks.append(task)
                let rows = task.participants
                _ = passes.record(AssignOutcome.assigning(x.gather(rows), rows: rows, kept: nil, for: task), block: b)
            }
        }
        // Converged on the sample before pass 6, it goes on to the passes over every row (48 blocks).
        let fullPasses = Set(tasks.filter { $0.sample == nil }.map(\.pass)).sorted()
        XCTAssertEqual(fullPasses.first, 6)
        XCTAssertEqual(fullPasses.last, 8)
        XCTAssertEqual(tasks.filter { $0.sample == nil }.count, fullPasses.count * 48)
        var c = referenceLloyd(x.gather(sampled), from: seeds, iterations: 8).centroids
        for _ in 0..<fullPasses.count - 1 {
            c = referenceLloyd(x, from: VectorBlock(values: c.flatMap { $0.map(Float.init) }, dimension: 8), iterations: 1).centroids
        }
        for j in 0..<6 {
            for (a, b) in zip(passes.centroids.row(j), c[j]) { XCTAssertEqual(Double(a), b, accuracy: 1e-4, "centroid \(j)") }
        }
        settings.fullIterations = 1
        // Too few rows for a sample: every pass takes every row.
        settings.fitRowsPerCluster = 4_000
        XCTAssertNil(LloydPasses(totalRows: x.rows, settings: settings, seeds: seeds).sample)
        settings.fitRowsPerCluster = 0
        XCTAssertNil(LloydPasses(totalRows: x.rows, settings: settings, seeds: seeds).sample)
    }

    /// k-means++ on well-separated clusters puts one seed in each (D² sampling all but forces it),
    /// and the same seed gives the same centroids.
    /// Skipping the rows the triangle inequality rules out picks the same centroids as comparing every
    /// row with every centroid, on clustered and uniform pools, a pool of tight clusters far apart (where
    /// nearly every row skips), and one with repeated rows (distances of exactly 0).
    func testPrunedSeedingIsPlainKMeansPlusPlus() {
        var tight: [Float] = []
        var r = SeededRandom(seed: 8)
        for c in 0..<40 {
            let centre = (0..<6).map { _ in Float(c * 100) + Float(r.normal()) }
            for _ in 0..<50 { tight += centre.map { $0 + Float(r.normal() * 1e-3) } }
        }
        let repeated = pool(400, dimension: 5)
        let pools = [
            pool(3000, dimension: 16, clusters: 30), NpyFixtures.uniform(rows: 2000, dimension: 7, seed: 12),
            VectorBlock(values: tight, dimension: 6),
            VectorBlock(values: repeated.values + repeated.values + Array(repeated.values.prefix(500)), dimension: 5),
        ]
        for (p, x) in pools.enumerated() {
            for k in [1, 7, 64, 250] where k <= x.rows {
                var a = SeededRandom(seed: UInt64(p * 10 + k)), b = a
                XCTAssertEqual(KMeans.seed(x, k: k, pruned: true, random: &a), KMeans.seed(x, k: k, pruned: false, random: &b), "pool \(p), k \(k)")
                XCTAssertEqual(a.next(), b.next(), "pool \(p), k \(k): the random streams drifted apart")
            }
        }
    }

    func testSeedingCoversSeparatedClustersAndRepeats() {
        var rows: [[Float]] = []
        for c in 0..<4 { for i in 0..<50 { rows.append([Float(c) * 100 + Float(i % 5) * 0.01, Float(i % 7) * 0.01]) } }
        let x = VectorBlock(rows: rows)
        for seed in UInt64(0)..<5 {
            var r1 = SeededRandom(seed: seed), r2 = SeededRandom(seed: seed)
            let a = KMeans.seed(x, k: 4, random: &r1)
            XCTAssertEqual(a, KMeans.seed(x, k: 4, random: &r2))
            XCTAssertEqual(Set((0..<4).map { Int((a.row($0).first! / 100).rounded()) }), [0, 1, 2, 3], "seed \(seed)")
        }
    }

    /// Partials merged in block order give the same bits every time; a cluster with no rows keeps its
    /// centroid; a pool of identical rows still seeds k distinct indices.
    func testPartialsAndEdgeCases() {
        let x = pool(500)
        var random = SeededRandom(seed: 9)
        let c = KMeans.seed(x, k: 5, random: &random)
        func pass() -> KMeansPartial {
            var t = KMeansPartial(clusters: 5, dimension: x.dimension)
            for b in stride(from: 0, to: 500, by: 128) { t.merge(KMeans.assign(x.gather(Array(b..<min(500, b + 128))), to: c).partial) }
            return t
        }
        XCTAssertEqual(pass(), pass())
        XCTAssertEqual(pass().counts.reduce(0, +), 500)
        let far = VectorBlock(values: c.values + [Float](repeating: 1e6, count: x.dimension), dimension: x.dimension)
        let (_, p) = KMeans.assign(x, to: far)
        XCTAssertEqual(p.counts[5], 0)
        XCTAssertEqual(KMeans.update(far, with: p).row(5), far.row(5))
        let same = VectorBlock(rows: [[Float]](repeating: [1, 2], count: 6))
        var r = SeededRandom(seed: 0)
        XCTAssertEqual(KMeans.seed(same, k: 3, random: &r).rows, 3)
    }
}
