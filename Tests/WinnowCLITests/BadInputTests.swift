import XCTest
import WinnowCore
import WinnowIO
import WinnowTestKit

/// Every bad-input case of the engine: exit 65, a message naming the file, and no output files.
final class BadInputTests: XCTestCase {
    let good = NpyFixtures.uniform(rows: 300, dimension: 4, seed: 1)

    func assertRefused(
        _ files: [String: [UInt8]], extra: [String] = [], mentions: [String], status: Int32 = 65,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let dir = TemporaryDirectory()
        for (name, bytes) in files { NpyFixtures.write(bytes, to: dir.file(name)) }
        let out = dir.file("out")
        let result = try CLI.run(["select", "--input", dir.file("p*.npy"), "--budget", "5", "--out", out, "--chunk-rows", "128"] + extra)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(result.stderr.contains(m), "stderr lacks \(m): \(result.stderr)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "output folder was created", file: file, line: line)
    }

    func testTruncatedFile() throws {
        let bytes = NpyFixtures.pool(good)
        try assertRefused(["p0.npy": Array(bytes.dropLast(7))], mentions: ["p0.npy", "truncated", "byte"])
    }

    func testTrailingBytes() throws {
        try assertRefused(["p0.npy": NpyFixtures.pool(good) + [1, 2, 3]], mentions: ["p0.npy", "unexpected bytes"])
    }

    func testBadMagic() throws {
        var bytes = NpyFixtures.pool(good)
        bytes[1] = UInt8(ascii: "X")
        try assertRefused(["p0.npy": bytes], mentions: ["p0.npy", "not a .npy file"])
    }

    func testBadHeader() throws {
        try assertRefused(
            ["p0.npy": NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (300, 4)") + NpyFixtures.float32Bytes(good.values)],
            mentions: ["p0.npy", "byte"])
    }

    func testFortranOrder() throws {
        try assertRefused(
            ["p0.npy": NpyFixtures.header("{'descr': '<f4', 'fortran_order': True, 'shape': (300, 4), }") + NpyFixtures.float32Bytes(good.values)],
            mentions: ["p0.npy", "Fortran order"])
    }

    func testOtherDtype() throws {
        try assertRefused(
            ["p0.npy": NpyFixtures.header("{'descr': '<i4', 'fortran_order': False, 'shape': (300, 4), }") + NpyFixtures.float32Bytes(good.values)],
            mentions: ["p0.npy", "<i4"])
        try assertRefused(
            ["p0.npy": NpyFixtures.header("{'descr': '<f8', 'fortran_order': False, 'shape': (150, 4), }") + NpyFixtures.float32Bytes(good.values)],
            mentions: ["p0.npy", "<f8", "x.astype(np.float32)"])
    }

    func testOneAndThreeDimensionalArrays() throws {
        try assertRefused(
            ["p0.npy": NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (1200,), }") + NpyFixtures.float32Bytes(good.values)],
            mentions: ["p0.npy", "1-D"])
        try assertRefused(
            ["p0.npy": NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 3, 4), }") + NpyFixtures.float32Bytes(good.values)],
            mentions: ["p0.npy", "3-D"])
    }

    func testDimensionDiffersBetweenFiles() throws {
        try assertRefused(
            ["p0.npy": NpyFixtures.pool(good), "p1.npy": NpyFixtures.pool(NpyFixtures.uniform(rows: 10, dimension: 5))],
            mentions: ["p1.npy", "d = 5", "p0.npy"])
    }

    func testSideColumnOfWrongLength() throws {
        let dir = TemporaryDirectory()
        try NpyWriter.writeInt64(Array(0..<299), to: dir.file("ids.npy"))
        try NpyWriter.writeFloat32([Float](repeating: 1, count: 301), to: dir.file("q.npy"))
        try assertRefused(["p0.npy": NpyFixtures.pool(good)], extra: ["--ids", dir.file("ids.npy")], mentions: ["ids.npy", "299", "300"])
        try assertRefused(["p0.npy": NpyFixtures.pool(good)], extra: ["--quality", dir.file("q.npy")], mentions: ["q.npy", "301"])
        try assertRefused(["p0.npy": NpyFixtures.pool(good)], extra: ["--labels", dir.file("q.npy")], mentions: ["q.npy", "<f4"])
    }

    func testNonfiniteRowsFailByDefaultNamingTheRow() throws {
        var values = good.values
        values[4 * 217 + 2] = .nan
        let bad = VectorBlock(values: values, dimension: 4)
        try assertRefused(["p0.npy": NpyFixtures.pool(good), "p1.npy": NpyFixtures.pool(bad)], mentions: ["p1.npy", "row 217", "--nonfinite skip"])
    }

    func testNonfiniteRowsSkipped() throws {
        var values = good.values
        for row in [0, 17, 299] { values[4 * row + 1] = row == 17 ? -.infinity : .nan }
        let dir = TemporaryDirectory()
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: 4)), to: dir.file("p0.npy"))
        let result = try CLI.run([
            "select", "--input", dir.file("p0.npy"), "--budget", "20", "--out", dir.file("out"),
            "--chunk-rows", "128", "--nonfinite", "skip",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/report.json")))) as! [String: Any]
        let stats = report["statistics"] as! [String: Any]
        XCTAssertEqual(stats["skipped_rows"] as? Int, 3)
        XCTAssertEqual(stats["nonfinite_rows"] as? Int, 3)
        let selection = try Outputs.selection(dir.file("out"))
        XCTAssertEqual(selection.count, 20)
        XCTAssertTrue(Set(selection).isDisjoint(with: [0, 17, 299]))
    }

    func testUsageErrorsExit64() throws {
        let dir = TemporaryDirectory()
        NpyFixtures.write(NpyFixtures.pool(good), to: dir.file("p0.npy"))
        for args in [
            ["--budget", "0"], ["--budget", "5", "--chunk-rows", "100"], ["--budget", "5", "--oversample", "0.5"],
            ["--budget", "5", "--objective", "nope"],
        ] {
            let r = try CLI.run(["select", "--input", dir.file("p0.npy"), "--out", dir.file("out")] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
        // A negative number is a value that is refused, not a missing one.
        for (args, said) in [
            (["--budget", "-3"], "--budget must be at least 1 (got -3)"), (["--budget", "5", "--workers", "-1"], "--workers must be 0 or more (got -1)"),
        ] {
            let r = try CLI.run(["select", "--input", dir.file("p0.npy"), "--out", dir.file("out")] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(said), r.stderr)
        }
        let r = try CLI.run(["select", "--input", dir.file("missing-*.npy"), "--budget", "5", "--out", dir.file("out")])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("matches no file"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out")))
    }

    /// Pools that run but deserve a word: a budget past the pool's rows, rows of all zeros, a row id
    /// given twice, every row the same. Each is warned about; the run goes on.
    func testDoubtfulPoolsAreWarnedAbout() throws {
        let dir = TemporaryDirectory()
        var values = good.values
        for i in 0..<12 { values[i] = 0 }  // rows 0-2
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: 4)), to: dir.file("p0.npy"))
        try (["a", "b", "a"] + (3..<300).map(String.init)).joined(separator: "\n").write(toFile: dir.file("ids.txt"), atomically: true, encoding: .utf8)
        let r = try CLI.run([
            "select", "--input", dir.file("p0.npy"), "--budget", "400", "--workers", "0", "--ids", dir.file("ids.txt"), "--out", dir.file("out"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        for said in ["--budget is larger than the pool", "rows=300", "id=a rows=0,2", "zero_rows=3"] {
            XCTAssertTrue(r.stderr.contains(said), "\(said): \(r.stderr)")
        }
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: Array(repeating: 1, count: 400), dimension: 4)), to: dir.file("same.npy"))
        let same = try CLI.run(["select", "--input", dir.file("same.npy"), "--budget", "5", "--workers", "0", "--out", dir.file("same")])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stderr.contains("every row is the same vector"), same.stderr)
    }
}
