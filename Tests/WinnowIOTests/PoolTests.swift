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
        let all = pool.read([0 ..< 100])
        XCTAssertEqual(Array(all.values[0 ..< 350]), a.values)
        // float16 rows come back widened exactly from their float16 values.
        XCTAssertEqual(Array(all.values[350...]), b.values.map { Float(Float16($0)) })
        XCTAssertEqual(pool.read(rows: [3, 4, 90]).values, a.gather([3, 4]).values + b.gather([20]).values.map { Float(Float16($0)) })
    }

    func testGlobIsSorted() {
        let dir = TemporaryDirectory()
        for name in ["p-10.npy", "p-02.npy", "p-1.npy", "other.txt"] {
            NpyFixtures.write([], to: dir.file(name))
        }
        XCTAssertEqual(InputManifest.expand([dir.file("p-*.npy")]).paths.map { ($0 as NSString).lastPathComponent },
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
}
