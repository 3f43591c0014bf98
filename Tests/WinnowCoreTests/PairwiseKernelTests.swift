import XCTest
import WinnowCore
import WinnowTestKit

final class PairwiseKernelTests: XCTestCase {
    /// A block against itself (half a product by `ssyrk`, then mapped and mirrored in tiles) holds
    /// what the general product of the same rows holds, for every measure and for sizes that are not
    /// multiples of the 32-row tile, and is exactly symmetric.
    func testSelfBlockEqualsGeneralProductAndIsSymmetric() {
        let measures: [Measure] = [.shiftedCosine, .dot, .cosineDistance, .rbf(gamma: 0.3), .euclidean]
        for n in [1, 2, 31, 32, 33, 100, 257] {
            let block = NpyFixtures.clustered(rows: n, dimension: 7, seed: UInt64(n))
            for measure in measures {
                let symmetric = PairwiseKernel(measure: measure, targets: block).allValues()
                let general = PairwiseKernel(measure: measure, targets: block, candidates: block).allValues()
                XCTAssertEqual(symmetric.count, n * n)
                for i in 0..<n {
                    for j in 0..<n {
                        XCTAssertEqual(symmetric[i * n + j], symmetric[j * n + i], "\(measure) n=\(n) (\(i), \(j))")
                        XCTAssertEqual(
                            symmetric[i * n + j], general[i * n + j], accuracy: 1e-4 * max(1, abs(general[i * n + j])),
                            "\(measure) n=\(n) (\(i), \(j))")
                    }
                }
            }
        }
    }

    /// A batch of one to four candidates against many targets is multiplied the other way round (the
    /// targets first: cheaper packing; one candidate as two copies) and transposed; each value must keep the bits the candidate has
    /// in a large batch, which lazy greedy's bounds and the bit-for-bit greedy tests rely on.
    /// Contiguous and gathered batches, a target range that starts inside the block, d = 64 and 130.
    func testFewCandidatesHaveTheBitsOfALargeBatch() throws {
        try requireSumsInOneOrder()
        for d in [64, 130] {
            let block = NpyFixtures.clustered(rows: 700, dimension: d, seed: UInt64(d))
            let kernel = PairwiseKernel(measure: .shiftedCosine, targets: block)
            let targets = 37..<650
            var large: [Float] = [], scratch: [Float] = []
            kernel.values(for: Array(0..<40), targets: targets, into: &large, scratch: &scratch)
            for batch in [[5], [7, 8], [3, 9, 21, 0], [30, 31, 32, 33], [12, 2, 39]] {
                var few: [Float] = []
                kernel.values(for: batch, targets: targets, into: &few, scratch: &scratch)
                for (b, j) in batch.enumerated() {
                    let mismatches = (0..<targets.count).filter {
                        few[b * targets.count + $0].bitPattern != large[j * targets.count + $0].bitPattern
                    }
                    XCTAssertEqual(mismatches.count, 0, "d=\(d) batch \(batch): candidate \(j) differs at \(mismatches.prefix(5))")
                }
            }
        }
    }
}
