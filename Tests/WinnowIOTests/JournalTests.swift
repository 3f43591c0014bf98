import Foundation
import XCTest
import WinnowIO
import WinnowTestKit

final class JournalTests: XCTestCase {
    let hash = [UInt8](repeating: 7, count: 32)
    let data = DataFingerprint(files: [.init(path: "pool.npy", size: 4096, modified: 1_700_000_000_123_456_789, inode: 42, sample: 7)])

    func testRecordsSurviveReopening() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("journal.wnj")
        do {
            let (journal, existing) = try Journal.open(path: path, configHash: hash, data: data)
            XCTAssertEqual(existing, [])
            try journal.append([1, 2, 3])
            try journal.append([])
            try journal.append(Array(repeating: 9, count: 1000))
        }
        let (_, records) = try Journal.open(path: path, configHash: hash, data: data)
        XCTAssertEqual(records, [[1, 2, 3], [], Array(repeating: 9, count: 1000)])
    }

    /// Group commit: records written one after another wait for one sync, and all of them are there
    /// when the journal is opened again; a sync with nothing new written does not touch the disk.
    func testRecordsWrittenTogetherShareOneSync() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("journal.wnj")
        do {
            let (journal, _) = try Journal.open(path: path, configHash: hash, data: data)
            XCTAssertFalse(journal.hasUnsyncedRecords)
            for i in 0..<5 { try journal.write([UInt8](repeating: UInt8(i), count: i * 10)) }
            XCTAssertTrue(journal.hasUnsyncedRecords)
            XCTAssertEqual(journal.syncs, 0)
            try journal.sync()
            try journal.sync()
            XCTAssertFalse(journal.hasUnsyncedRecords)
            XCTAssertEqual(journal.syncs, 1)
            try journal.append([42])
            XCTAssertEqual(journal.syncs, 2)
            XCTAssertEqual(journal.recordsWritten, 6)
            XCTAssertEqual(journal.bytesWritten, 6 * 8 + 100 + 1)
        }
        let (_, records) = try Journal.open(path: path, configHash: hash, data: data)
        XCTAssertEqual(records, (0..<5).map { [UInt8](repeating: UInt8($0), count: $0 * 10) } + [[42]])
    }

    /// Records larger than a read block, and records that straddle blocks, come back whole and in
    /// order, one at a time; a torn record after them is cut off.
    func testRecordsAcrossReadBlocksAreHandedOverInOrder() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("journal.wnj")
        let sizes = [9 << 20, 100, 5 << 20, 3 << 20 + 7, 0, 1 << 20]
        let records = sizes.enumerated().map { i, n in [UInt8](repeating: UInt8(i + 1), count: n) }
        do {
            let (journal, _) = try Journal.open(path: path, configHash: hash, data: data)
            for r in records { try journal.append(r) }
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try (whole + Data([1, 0, 0, 0, 9, 9])).write(to: URL(fileURLWithPath: path))
        var seen: [[UInt8]] = []
        let journal = try Journal.open(path: path, configHash: hash, data: data) { seen.append($0) }
        XCTAssertEqual(seen.map(\.count), sizes)
        XCTAssertEqual(seen, records)
        XCTAssertEqual(journal.truncatedBytes, 6)
    }

    func testAnotherConfigurationIsRefused() throws {
        let dir = TemporaryDirectory()
        _ = try Journal.open(path: dir.file("j"), configHash: hash, data: data)
        XCTAssertThrowsError(try Journal.open(path: dir.file("j"), configHash: [UInt8](repeating: 8, count: 32), data: data)) {
            XCTAssertEqual(($0 as? Journal.Refusal)?.reason, .anotherConfiguration)
        }
    }

    /// The journal cut at every byte of its last record (a crash mid-write): opening never fails,
    /// keeps every earlier record, cuts the torn tail off, and appending works again after it.
    func testTornTailAtEveryByteIsCutOff() throws {
        let dir = TemporaryDirectory()
        let full = dir.file("full")
        do {
            let (journal, _) = try Journal.open(path: full, configHash: hash, data: data)
            try journal.append([10, 11])
            try journal.append(Array(0..<40))
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let lastRecordStart = bytes.count - 8 - 40
        for cut in lastRecordStart..<bytes.count {
            let path = dir.file("cut-\(cut)")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            let (journal, records) = try Journal.open(path: path, configHash: hash, data: data)
            XCTAssertEqual(records, [[10, 11]], "cut at \(cut)")
            XCTAssertEqual(journal.truncatedBytes, cut - lastRecordStart)
            try journal.append([5])
            XCTAssertEqual(try Journal.open(path: path, configHash: hash, data: data).1, [[10, 11], [5]])
        }
        // A flipped bit in the last record is corruption, not data.
        var corrupt = bytes
        corrupt[corrupt.count - 1] ^= 1
        try corrupt.write(to: URL(fileURLWithPath: dir.file("corrupt")))
        XCTAssertEqual(try Journal.open(path: dir.file("corrupt"), configHash: hash, data: data).1, [[10, 11]])
    }

    /// A journal of the same configuration over other data is refused, naming the file and how it
    /// changed; its bytes are left as they were.
    func testOtherDataIsRefusedNamingTheFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("j")
        do { try Journal.open(path: path, configHash: hash, data: data).0.append([1]) }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var cases: [(DataFingerprint.File, String)] = []
        var f = data.files[0]
        f.inode = 43
        cases.append((f, "another file now"))
        f = data.files[0]
        f.modified += 1
        cases.append((f, "it was modified (2023-11-14T22:13:20.123456789Z then, 2023-11-14T22:13:20.123456790Z now)"))
        f = data.files[0]
        f.size += 2
        cases.append((f, "its size changed (4096 bytes then, 4098 now)"))
        f = data.files[0]
        f.sample += 1
        cases.append((f, "content differs in the blocks sampled"))
        for (file, said) in cases {
            XCTAssertThrowsError(try Journal.open(path: path, configHash: hash, data: DataFingerprint(files: [file]))) { error in
                let refusal = error as? Journal.Refusal
                guard case .dataChanged(let name, let what)? = refusal?.reason else { return XCTFail("\(error)") }
                XCTAssertEqual(name, "pool.npy")
                XCTAssertTrue(what.contains(said), what)
                XCTAssertTrue(refusal!.description.contains("pool.npy changed since \(path)"), refusal!.description)
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try Journal.open(path: path, configHash: hash, data: data).1, [[1]])
    }

    /// A header whose bytes were damaged is said to be damaged, not another run's; so is a journal of
    /// an earlier build, which recorded no fingerprint.
    func testDamagedHeaderIsSaidToBeDamaged() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("j")
        do { try Journal.open(path: path, configHash: hash, data: data).0.append([1]) }
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for (at, said) in [(10, "fails its checksum"), (0, "does not start as a Winnow journal"), (-1, "earlier Winnow")] {
            var bad = good
            if at >= 0 { bad[at] ^= 0x10 } else { bad.replaceSubrange(0..<4, with: Array("WNJ1".utf8)) }
            try Data(bad).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Journal.open(path: path, configHash: hash, data: data)) { error in
                guard case .damaged(let why)? = (error as? Journal.Refusal)?.reason else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(said), why)
            }
            XCTAssertNil(Journal.summary(path: path))
        }
    }

    /// Damage in the middle cuts off what follows it; the records found intact after it are counted.
    func testDamageInTheMiddleCountsTheRecordsLost() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("j")
        do {
            let (journal, _) = try Journal.open(path: path, configHash: hash, data: data)
            for i in 0..<6 { try journal.append(Array(repeating: UInt8(i + 1), count: 100)) }
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let firstRecord = bytes.count - 6 * 108
        bytes[firstRecord + 2 * 108 + 50] ^= 1  // inside the third record
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (journal, records) = try Journal.open(path: path, configHash: hash, data: data)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(journal.recordsLost, 3)
        XCTAssertEqual(journal.truncatedBytes, 4 * 108)
    }

    /// The fingerprint of real files: the same twice; another after a rewrite in place (even one of the
    /// same size at the same time) or a rename over the file.
    func testFingerprintSeesRewritesAndRenames() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("pool.npy")
        try Data(repeating: 1, count: 200_000).write(to: URL(fileURLWithPath: path))
        let first = try DataFingerprint.of(paths: [path])
        XCTAssertEqual(try DataFingerprint.of(paths: [path]), first)
        XCTAssertEqual(DataFingerprint(encoded: first.encoded), first)
        // Same size, the modification time put back, a changed byte in a sampled block.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64((200_000 - DataFingerprint.blockBytes) * 7 / (DataFingerprint.sampleBlocks - 1)))
        try handle.write(contentsOf: Data([2]))
        try handle.close()
        let then = first.files[0].modified
        var times = Array(repeating: timespec(tv_sec: Int(then / 1_000_000_000), tv_nsec: Int(then % 1_000_000_000)), count: 2)
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        let rewritten = try DataFingerprint.of(paths: [path])
        XCTAssertEqual(rewritten.files[0].modified, then)
        XCTAssertNotEqual(rewritten.files[0].sample, first.files[0].sample)
        try Data(repeating: 1, count: 200_000).write(to: URL(fileURLWithPath: dir.file("new")))
        XCTAssertEqual(rename(dir.file("new"), path), 0)
        let renamed = try DataFingerprint.of(paths: [path])
        XCTAssertNotEqual(renamed.files[0].inode, first.files[0].inode)
    }
}
