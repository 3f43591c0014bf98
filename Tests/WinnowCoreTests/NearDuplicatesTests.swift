import XCTest
import WinnowCore

final class NearDuplicatesTests: XCTestCase {
    /// The definition, pair by pair in Double: walk rows in order, keep a row unless its cosine to a
    /// row already kept exceeds τ.
    func bruteForce(_ x: VectorBlock, threshold: Double) -> (kept: [Int], nearest: [Int: Int]) {
        func cosine(_ a: Int, _ b: Int) -> Double { self.cosine(x, a, b) }
        var kept: [Int] = [], nearest: [Int: Int] = [:]
        for i in 0..<x.rows {
            let best = kept.max { cosine(i, $0) < cosine(i, $1) }
            if let best, cosine(i, best) > threshold { nearest[i] = best } else { kept.append(i) }
        }
        return (kept, nearest)
    }

    /// Rows with planted near-copies, across block boundaries (blocks of 512): the same rows kept
    /// as the brute-force pass keeps, and each dropped row names the same nearest kept row.
    func testKeepsExactlyWhatBruteForceKeeps() {
        var random = SeededRandom(seed: 5)
        let d = 12, n = 1300
        var values = (0..<n * d).map { _ in Float(random.normal()) }
        // Every 7th row is a near-copy of a random earlier row; every 11th, of one 600 rows back.
        for i in stride(from: 7, to: n, by: 7) {
            let j = random.index(below: i)
            for t in 0..<d { values[i * d + t] = values[j * d + t] + Float(random.normal()) * 0.02 }
        }
        for i in stride(from: 611, to: n, by: 11) {
            for t in 0..<d { values[i * d + t] = values[(i - 600) * d + t] * 1.5 }
        }
        let x = VectorBlock(values: values, dimension: d)
        let rows = (0..<Int64(n)).map { $0 * 3 + 10 }
        for threshold in [0.95, 0.8, 0.5] {
            let found = NearDuplicates.within(x, rows: rows, threshold: Float(threshold))
            let reference = bruteForce(x, threshold: threshold)
            XCTAssertEqual(found.kept, reference.kept.map { rows[$0] }, "τ \(threshold)")
            XCTAssertEqual(found.dropped.map(\.row), (0..<n).filter { reference.nearest[$0] != nil }.map { rows[$0] })
            for drop in found.dropped {
                XCTAssertEqual(drop.nearestKept, rows[reference.nearest[Int((drop.row - 10) / 3)]!], "τ \(threshold) row \(drop.row)")
                XCTAssertGreaterThan(drop.similarity, Float(threshold))
            }
            XCTAssertGreaterThan(found.dropped.count, 150, "the planted copies are found at τ \(threshold)")
            // Highest similarities against the pairs: a dropped row's to the rows kept before it, a
            // kept row's to every other kept row.
            let keptSet = Set(reference.kept)
            for i in stride(from: 0, to: n, by: 13) {
                let partners = keptSet.contains(i) ? reference.kept.filter { $0 != i } : reference.kept.filter { $0 < i }
                let expected = partners.map { cosine(x, i, $0) }.max() ?? -.infinity
                XCTAssertEqual(Double(found.maxSimilarity[i]), expected, accuracy: 1e-5, "τ \(threshold) row \(i)")
            }
        }
    }

    func cosine(_ x: VectorBlock, _ a: Int, _ b: Int) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (u, v) in zip(x.row(a), x.row(b)) {
            dot += Double(u) * Double(v)
            na += Double(u) * Double(u)
            nb += Double(v) * Double(v)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
