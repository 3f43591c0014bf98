import XCTest
import WinnowCoordination
import WinnowCore

final class RunningMedianTests: XCTestCase {
    /// After every insertion the median is what sorting everything so far puts at index count / 2,
    /// with ties, runs of one value and both orders of arrival.
    func testMedianIsTheSortedMiddleAfterEveryInsertion() {
        var random = SeededRandom(seed: 3)
        let sequences: [[Double]] = [
            (0..<500).map { _ in random.unit() },
            (0..<300).map { _ in Double(random.index(below: 5)) },
            (0..<200).map(Double.init),
            (0..<200).reversed().map(Double.init),
        ]
        for values in sequences {
            var running = RunningMedian()
            XCTAssertNil(running.median)
            for (i, x) in values.enumerated() {
                running.insert(x)
                let seen = values[...i].sorted()
                XCTAssertEqual(running.count, i + 1)
                XCTAssertEqual(running.median, seen[seen.count / 2], "after \(i + 1) values")
            }
        }
    }
}
