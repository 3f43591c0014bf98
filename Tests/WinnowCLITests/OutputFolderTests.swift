import Foundation
import XCTest
import WinnowTestKit

/// `--out` as users get it wrong: a file, a read-only mount, a full disk, two runs at once. Each is
/// refused with 73 and a message saying what is wrong with the path, and leaves no outputs.
final class OutputFolderTests: XCTestCase {
    /// A small tmpfs at `dir/name` (root only; the test is skipped elsewhere), unmounted by `defer`.
    func mountTmpfs(_ dir: TemporaryDirectory, _ name: String, options: String) throws -> String {
        let path = dir.file(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mounted = CLI.shell("mount -t tmpfs -o \(options) winnow-test \(path)")
        guard mounted.status == 0 else { throw XCTSkip("cannot mount a tmpfs here (needs root): \(mounted.output)") }
        return path
    }

    func makePool(_ dir: TemporaryDirectory) throws -> String {
        XCTAssertEqual(try CLI.run(["generate", "--rows", "20000", "--dim", "8", "--clusters", "8", "--out", dir.file("pool")]).status, 0)
        return dir.file("pool/pool-000.npy")
    }

    /// The outputs do not fit: the run ends with 73 and the system's words, and none of the outputs is
    /// left (before, `selection.npy` stayed when `selection.csv` did not fit).
    func testFullDiskLeavesNoOutputs() throws {
        let dir = TemporaryDirectory()
        let pool = try makePool(dir)
        let disk = try mountTmpfs(dir, "disk", options: "size=64k")
        defer { _ = CLI.shell("umount \(disk)") }
        let r = try CLI.run(["select", "--input", pool, "--workers", "0", "--budget", "2000", "--no-eval", "--out", disk + "/out"])
        XCTAssertEqual(r.status, 73, r.stderr)
        XCTAssertTrue(r.stderr.contains("No space left on device"), r.stderr)
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: disk)) ?? ["?"], [], "nothing left on the disk")
    }

    /// An `--out` that cannot take the outputs is found before any work (no plan line), with 73 and
    /// what is wrong: an existing file, a read-only mount.
    func testUnwritableOutIsRefusedBeforeAnyWork() throws {
        let dir = TemporaryDirectory()
        let pool = try makePool(dir)
        FileManager.default.createFile(atPath: dir.file("a-file"), contents: Data([1]))
        let file = try CLI.run(["select", "--input", pool, "--workers", "0", "--budget", "20", "--out", dir.file("a-file")])
        XCTAssertEqual(file.status, 73, file.stderr)
        XCTAssertTrue(file.stderr.contains("a-file: exists and is not a folder"), file.stderr)
        XCTAssertFalse(file.stderr.contains("plan"), "refused before planning: \(file.stderr)")
        let readOnly = try mountTmpfs(dir, "ro", options: "size=64k,ro")
        defer { _ = CLI.shell("umount \(readOnly)") }
        for out in [readOnly, readOnly + "/new"] {
            let r = try CLI.run(["select", "--input", pool, "--workers", "0", "--budget", "20", "--out", out])
            XCTAssertEqual(r.status, 73, r.stderr)
            XCTAssertTrue(r.stderr.contains("--out \(out): cannot"), r.stderr)
            XCTAssertTrue(r.stderr.lowercased().contains("read-only") || r.stderr.lowercased().contains("read only"), r.stderr)
            XCTAssertFalse(r.stderr.contains("plan"), r.stderr)
        }
    }

    /// A second run given the `--out` of a running one is refused at once; the first is not disturbed.
    func testSecondRunWithTheSameOutIsRefused() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "400000", "--dim", "32", "--files", "2", "--out", dir.file("pool")]).status, 0)
        let command = [
            "select", "--input", dir.file("pool/pool-*.npy"), "--budget", "400", "--chunk-rows", "4096", "--no-eval",
            "--workers", "2", "--out", dir.file("out"),
        ]
        let first = try CLI.start(command, log: dir.file("first.log"))
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: dir.file("out/journal.wnj")) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(first.isRunning)
        let second = try CLI.run(command)
        XCTAssertEqual(second.status, 73, second.stderr)
        XCTAssertTrue(second.stderr.contains("another winnow run is writing to this folder"), second.stderr)
        XCTAssertEqual(CLI.wait(first, seconds: 120), 0, (try? String(contentsOfFile: dir.file("first.log"), encoding: .utf8)) ?? "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("out/selection.npy")))
    }
}
