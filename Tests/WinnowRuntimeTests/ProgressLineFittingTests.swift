import XCTest
import WinnowRuntime

/// The live line cut to the terminal's width: whole parts go first, the phase and its count stay.
final class ProgressLineFittingTests: XCTestCase {
    let line = "chunks       17/49 tasks · 69.6k/200.0k rows · 78.9k rows/s · ETA 2 s · 2 workers · 0 retries"

    func testALineThatFitsIsUnchanged() {
        XCTAssertEqual(ProgressConsole.fitted(line, columns: 200), line)
        XCTAssertEqual(ProgressConsole.fitted(line, columns: nil), line)
    }

    func testTrailingPartsGoFirstAndTheLastColumnStaysFree() {
        XCTAssertEqual(ProgressConsole.fitted(line, columns: 70), "chunks       17/49 tasks · 69.6k/200.0k rows · 78.9k rows/s · ETA 2 s")
        XCTAssertEqual(ProgressConsole.fitted(line, columns: line.count), String(line.dropLast(" · 0 retries".count)))
        for columns in 1...120 {
            XCTAssertLessThan(ProgressConsole.fitted(line, columns: columns).count, max(columns, 1), "\(columns) columns")
        }
    }

    func testAFinishedPhaseKeepsHowLongItTook() {
        let done = "chunks       49/49 tasks · 200.0k rows · 331.0k rows/s · done in 0.6 s"
        XCTAssertEqual(ProgressConsole.fitted(done, columns: 60, keepingLast: true), "chunks       49/49 tasks · 200.0k rows · done in 0.6 s")
        XCTAssertEqual(ProgressConsole.fitted(done, columns: 20, keepingLast: true), "chunks       49/49 ")
    }
}
