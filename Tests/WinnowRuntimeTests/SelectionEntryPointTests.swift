import Foundation
import Logging
import XCTest
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowRuntime
import WinnowTestKit

/// The selection's one entry point: the outputs it leaves, and what it leaves when a run fails.
final class SelectionEntryPointTests: XCTestCase {
    private func request(budget: Int, out: String) -> SelectionRequest {
        var settings = SelectionSettings(budget: budget)
        settings.chunkRows = 256
        var request = SelectionRequest(options: RunOptions(settings: settings), out: out)
        request.progress.mode = .quiet
        request.logLevel = .error
        return request
    }

    func testSelectionInThisProcessWritesThePicksOfTheLocalRun() throws {
        let dir = TemporaryDirectory()
        let block = NpyFixtures.clustered(rows: 1000, dimension: 8, seed: 5)
        NpyFixtures.write(NpyFixtures.pool(block), to: dir.file("pool.npy"))
        let pool = try Pool.open(paths: [dir.file("pool.npy")])
        let request = request(budget: 20, out: dir.file("out"))
        try SelectionEntryPoint.run(request, pool: pool, on: .local(workers: 0, slots: 1, coordination: CoordinationSettings()))

        let written = try Data(contentsOf: URL(fileURLWithPath: dir.file("out/selection.npy")))
        let direct = try LocalSelection.run(pool: pool, options: request.options, log: Logger(label: "test"))
        XCTAssertEqual(direct.selection.rows.count, 20)
        XCTAssertEqual([UInt8](written), NpyWriter.int64Image(direct.selection.rows), "selection.npy holds the local run's picks in order")
        for name in ["selection.csv", "report.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("out/" + name)), name)
        }
    }

    func testARunThatFailsForGoodLeavesNoFolderBehind() throws {
        let dir = TemporaryDirectory()
        var block = NpyFixtures.uniform(rows: 600, dimension: 4, seed: 2)
        block.values[4 * 333 + 1] = .nan
        NpyFixtures.write(NpyFixtures.pool(block), to: dir.file("pool.npy"))
        let pool = try Pool.open(paths: [dir.file("pool.npy")])
        XCTAssertThrowsError(
            try SelectionEntryPoint.run(
                request(budget: 10, out: dir.file("out")), pool: pool,
                on: .local(workers: 0, slots: 1, coordination: CoordinationSettings()))
        ) { error in
            XCTAssertTrue("\(error)".contains("333"), "the error names the row: \(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out")), "a failed run removes the folder it made")
    }

    func testOnlyAStopFromOutsideIsAnInterruption() {
        for code in StatusCode.allCases {
            let failure = RunFailure(code, "x")
            XCTAssertEqual(failure.isInterruption, code == .temporary || code == .interrupted, "\(code)")
        }
        XCTAssertEqual(StopRequest.interrupt.statusCode, .interrupted)
        XCTAssertEqual(StopRequest.terminate.statusCode, .temporary)
        XCTAssertEqual(StopRequest.user1.statusCode, .temporary)
        XCTAssertEqual(RunFailure.interrupted(.interrupt).code.rawValue, 130, "Ctrl-C exits 130, as the README documents")
    }
}
