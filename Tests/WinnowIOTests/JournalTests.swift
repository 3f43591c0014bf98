import Foundation
import XCTest
import WinnowIO
import WinnowTestKit

final class JournalTests: XCTestCase {
    let hash = [UInt8](repeating: 7, count: 32)

    func testRecordsSurviveReopening() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("journal.wnj")
        do {
            let (journal, existing) = try Journal.open(path: path, configHash: hash)
            XCTAssertEqual(existing, [])
            try journal.append([1, 2, 3])
            try journal.append([])
            try journal.append(Array(repeating: 9, count: 1000))
        }
        let (_, records) = try Journal.open(path: path, configHash: hash)
        XCTAssertEqual(records, [[1, 2, 3], [], Array(repeating: 9, count: 1000)])
    }

    func testAnotherConfigurationIsRefused() throws {
        let dir = TemporaryDirectory()
        _ = try Journal.open(path: dir.file("j"), configHash: hash)
        XCTAssertThrowsError(try Journal.open(path: dir.file("j"), configHash: [UInt8](repeating: 8, count: 32))) {
            XCTAssertTrue($0 is Journal.Mismatch)
        }
    }

    /// The journal cut at every byte of its last record (a crash mid-write): opening never fails,
    /// keeps every earlier record, cuts the torn tail off, and appending works again after it.
    func testTornTailAtEveryByteIsCutOff() throws {
        let dir = TemporaryDirectory()
        let full = dir.file("full")
        do {
            let (journal, _) = try Journal.open(path: full, configHash: hash)
            try journal.append([10, 11])
            try journal.append(Array(0 ..< 40))
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let lastRecordStart = bytes.count - 8 - 40
        for cut in lastRecordStart ..< bytes.count {
            let path = dir.file("cut-\(cut)")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            let (journal, records) = try Journal.open(path: path, configHash: hash)
            XCTAssertEqual(records, [[10, 11]], "cut at \(cut)")
            XCTAssertEqual(journal.truncatedBytes, cut - lastRecordStart)
            try journal.append([5])
            XCTAssertEqual(try Journal.open(path: path, configHash: hash).1, [[10, 11], [5]])
        }
        // A flipped bit in the last record is corruption, not data.
        var corrupt = bytes
        corrupt[corrupt.count - 1] ^= 1
        try corrupt.write(to: URL(fileURLWithPath: dir.file("corrupt")))
        XCTAssertEqual(try Journal.open(path: dir.file("corrupt"), configHash: hash).1, [[10, 11]])
    }
}
