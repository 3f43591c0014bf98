import XCTest
import WinnowCore
import WinnowTestKit

final class KCenterTests: XCTestCase {
    /// Farthest-first by its definition, in Double.
    func reference(_ block: VectorBlock, k: Int, _ measure: Measure, priority: [Double]?) -> [Int] {
        let n = block.rows, d = block.dimension
        // The centre of a cosine k-center is the mean direction: the centroid of unit rows.
        let rowsForCentroid = measure == .cosineDistance ? block.normalized() : block
        var centroid = [Float](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { centroid[j] += rowsForCentroid.values[i * d + j] / Float(n) } }
        let c = VectorBlock(values: centroid, dimension: d)
        var first = 0, best = Double.infinity
        for i in 0..<n {
            let v = Reference.similarity(block.row(i), c.row(0), measure)
            if v < best - 1e-9 { best = v; first = i }
        }
        var picks = [first]
        var dist = (0..<n).map { Reference.similarity(block.row($0), block.row(first), measure) }
        while picks.count < k {
            var next = -1, far = -1.0
            for i in 0..<n where !picks.contains(i) {
                let v = (priority?[i] ?? 1) * dist[i]
                if v > far + 1e-9 { far = v; next = i }
            }
            picks.append(next)
            for i in 0..<n { dist[i] = min(dist[i], Reference.similarity(block.row(i), block.row(next), measure)) }
        }
        return picks
    }

    func testFarthestFirstMatchesReference() {
        for measure in [Measure.euclidean, .cosineDistance] {
            for seed in 1...4 as ClosedRange<UInt64> {
                let block = NpyFixtures.uniform(rows: 200, dimension: 5, seed: seed)
                var r = SeededRandom(seed: seed)
                let priority = seed % 2 == 0 ? (0..<200).map { _ in 0.5 + r.unit() } : nil
                let s = KCenter.select(
                    kernel: PairwiseKernel(measure: measure, targets: block),
                    rows: (0..<200).map(Int64.init), budget: 15, priority: priority)
                XCTAssertEqual(s.picks, reference(block, k: 15, measure, priority: priority), "\(measure) seed \(seed)")
                XCTAssertEqual(s.weights.reduce(0, +), 200)
            }
        }
    }

    /// The weighted covering radius reported by the evaluation matches `max_i w_i min_s d(i, s)`.
    func testWeightedRadiusMatchesFormula() {
        let block = NpyFixtures.clustered(rows: 250, dimension: 6, seed: 3)
        let s = KCenter.select(kernel: PairwiseKernel(measure: .euclidean, targets: block), rows: (0..<250).map(Int64.init), budget: 10)
        var r = SeededRandom(seed: 2)
        let w = (0..<250).map { _ in 1 + r.unit() }
        var expected = 0.0
        for i in 0..<250 {
            let d = s.picks.map { Reference.similarity(block.row(i), block.row($0), .euclidean) }.min()!
            expected = max(expected, w[i] * d)
        }
        let radius = Evaluation.objective(targets: block, selected: block.gather(s.picks), objective: .kCenter(.euclidean), weights: w)
        XCTAssertEqual(radius, expected, accuracy: 1e-3 * expected)
        // Farthest-first's guarantee: each later gain (distance to the picks before) never grows.
        XCTAssertEqual(s.gains.dropFirst(2), s.gains.dropFirst(2).sorted(by: >)[...])
    }
}
