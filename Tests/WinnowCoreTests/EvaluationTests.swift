import XCTest
import WinnowCore
import WinnowTestKit

final class EvaluationTests: XCTestCase {
    /// The evaluation's fast path (values only) and its owner-tracking path agree on every target.
    func testEvaluationBestAgreesWithNearest() {
        let targets = NpyFixtures.clustered(rows: 700, dimension: 9, seed: 2)
        let selected = NpyFixtures.uniform(rows: 300, dimension: 9, seed: 3)
        for objective in [Objective.facilityLocation(.shiftedCosine), .kCenter(.euclidean)] {
            let best = Evaluation.best(targets: targets, selected: selected, objective: objective)
            let nearest = Evaluation.nearest(
                targets: targets, selected: selected, selectedRows: (0..<300).map(Int64.init),
                objective: objective)
            // A direct Double scan: the best value per target, and the value at the owner found.
            let kernel = PairwiseKernel(measure: objective.measure, targets: targets, candidates: selected)
            let all = kernel.allValues()
            let largest: Bool
            if case .kCenter = objective { largest = false } else { largest = true }
            for i in 0..<700 {
                let column = (0..<300).map { all[$0 * 700 + i] }
                let expected = largest ? column.max()! : column.min()!
                // One product and a batched one may round the last bit apart.
                XCTAssertEqual(best[i], expected, accuracy: 1e-5, "\(objective) target \(i)")
                XCTAssertEqual(all[nearest[i] * 700 + i], expected, accuracy: 1e-5, "\(objective) target \(i)")
            }
        }
    }

    /// Targets scored a block at a time and combined give the objective of all of them at once:
    /// facility location sums, k-center takes the larger radius.
    func testBlocksCombineToTheWholeObjective() {
        let targets = NpyFixtures.clustered(rows: 1000, dimension: 6, seed: 7)
        let selected = NpyFixtures.uniform(rows: 40, dimension: 6, seed: 8)
        for objective in [Objective.facilityLocation(.shiftedCosine), .kCenter(.euclidean), .random] {
            let whole = Evaluation.objective(targets: targets, selected: selected, objective: objective)
            var combined: Double?
            for start in stride(from: 0, to: 1000, by: 300) {
                let block = targets.gather(Array(start..<min(1000, start + 300)))
                let part = Evaluation.objective(targets: block, selected: selected, objective: objective)
                combined = combined.map { Evaluation.combine($0, part, objective: objective) } ?? part
            }
            XCTAssertEqual(combined!, whole, accuracy: 1e-9 * abs(whole), "\(objective)")
        }
    }
}
