import XCTest
import WinnowCore
import WinnowIO
import WinnowTestKit

final class PoolTests: XCTestCase {
    func testFilesConcatenateIntoGlobalRows() throws {
        let dir = TemporaryDirectory()
        let a = NpyFixtures.uniform(rows: 70, dimension: 5, seed: 1)
        let b = NpyFixtures.uniform(rows: 30, dimension: 5, seed: 2)
        NpyFixtures.write(NpyFixtures.pool(a), to: dir.file("b-first.npy"))
        NpyFixtures.write(NpyFixtures.poolFloat16(b), to: dir.file("a-second.npy"))
        let (paths, unmatched) = InputManifest.expand([dir.file("b-*.npy"), dir.file("a-*.npy")])
        XCTAssertTrue(unmatched.isEmpty)
        let pool = try Pool.open(paths: paths)
        XCTAssertEqual(pool.totalRows, 100)
        XCTAssertEqual(pool.locate(69).file, 0)
        XCTAssertEqual(pool.locate(70).file, 1)
        XCTAssertEqual(pool.locate(70).row, 0)
        let all = pool.read([0..<100])
        XCTAssertEqual(Array(all.values[0..<350]), a.values)
        // float16 rows come back widened exactly from their float16 values.
        XCTAssertEqual(Array(all.values[350...]), b.values.map { Float(Float16($0)) })
        XCTAssertEqual(pool.read(rows: [3, 4, 90]).values, a.gather([3, 4]).values + b.gather([20]).values.map { Float(Float16($0)) })
    }

    func testGlobIsSorted() {
        let dir = TemporaryDirectory()
        for name in ["p-10.npy", "p-02.npy", "p-1.npy", "other.txt"] {
            NpyFixtures.write([], to: dir.file(name))
        }
        XCTAssertEqual(
            InputManifest.expand([dir.file("p-*.npy")]).paths.map { ($0 as NSString).lastPathComponent },
            ["p-02.npy", "p-1.npy", "p-10.npy"])
        XCTAssertEqual(InputManifest.expand([dir.file("none-*.npy")]).unmatched.count, 1)
    }

    func testSideColumnsMustMatchRows() throws {
        let dir = TemporaryDirectory()
        try NpyWriter.writeInt64([1, 2, 3], to: dir.file("ids.npy"))
        XCTAssertThrowsError(try SideColumns.load(ids: dir.file("ids.npy"), quality: nil, labels: nil, rows: 4)) { error in
            XCTAssertEqual((error as? InputError)?.code, .lengthMismatch)
            XCTAssertTrue("\(error)".contains("ids.npy"))
        }
        let ok = try SideColumns.load(ids: dir.file("ids.npy"), quality: nil, labels: dir.file("ids.npy"), rows: 3)
        XCTAssertEqual(ok.ids, ["1", "2", "3"])
        XCTAssertEqual(ok.labels, [1, 2, 3])
    }

    /// Rows read are copied out and their pages let go: after reading every row of a 16 MiB file in
    /// 64-row blocks (a random partition's reads, in shuffled order), none of the file's pages stay in
    /// this process's resident set — the fault-around pages next to each block included.
    func testReadRowsLeaveNoPoolPagesResident() throws {
        let dir = TemporaryDirectory()
        let block = NpyFixtures.uniform(rows: 8192, dimension: 512, seed: 3)
        let path = dir.file("big.npy")
        NpyFixtures.write(NpyFixtures.pool(block), to: path)
        let pool = try Pool.open(paths: [path])
        var random = SeededRandom(seed: 4)
        var starts = Array(stride(from: 0, to: 8192, by: 64))
        for i in starts.indices.reversed() { starts.swapAt(i, random.index(below: i + 1)) }
        var total = 0.0
        for start in starts { total += Double(pool.read([start..<start + 64]).values[0]) }
        XCTAssertTrue(total.isFinite)
        let resident = try Self.residentKiB(of: path)
        XCTAssertLessThanOrEqual(resident, 8, "\(resident) KiB of the pool file stayed resident")
        // And the values read are the file's.
        XCTAssertEqual(pool.read([8000..<8010]).values, Array(block.values[8000 * 512..<8010 * 512]))
    }

    /// `Rss` of every mapping of `path` in this process, from /proc/self/smaps.
    static func residentKiB(of path: String) throws -> Int {
        let smaps = try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8)
        var inFile = false, total = 0
        for line in smaps.split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-") && line.split(separator: " ").count >= 5 {
                inFile = line.hasSuffix(path)
            } else if inFile, line.hasPrefix("Rss:") {
                total += Int(line.split(separator: " ")[1]) ?? 0
            }
        }
        return total
    }
}
