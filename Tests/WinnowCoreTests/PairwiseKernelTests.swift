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
                for i in 0 ..< n {
                    for j in 0 ..< n {
                        XCTAssertEqual(symmetric[i * n + j], symmetric[j * n + i], "\(measure) n=\(n) (\(i), \(j))")
                        XCTAssertEqual(symmetric[i * n + j], general[i * n + j], accuracy: 1e-4 * max(1, abs(general[i * n + j])),
                                       "\(measure) n=\(n) (\(i), \(j))")
                    }
                }
            }
        }
    }
}
