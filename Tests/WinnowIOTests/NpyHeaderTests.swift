import XCTest
import WinnowCore
import WinnowIO
import WinnowTestKit

final class NpyHeaderTests: XCTestCase {
    let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"

    func parse(_ bytes: [UInt8]) throws -> NpyHeader { try NpyHeader.parse(bytes, path: "x.npy") }

    func code(_ bytes: [UInt8]) -> InputError.Code? {
        do { _ = try parse(bytes); return nil } catch { return (error as? InputError)?.code }
    }

    func testVersions123() throws {
        for major in [1, 2, 3] as [UInt8] {
            let h = try parse(NpyFixtures.header(good, major: major))
            XCTAssertEqual(h.shape, [3, 2])
            XCTAssertEqual(h.dtype, .float32)
            XCTAssertFalse(h.fortranOrder)
            XCTAssertEqual(h.dataOffset % 64, 0)
        }
        XCTAssertEqual(try parse(NpyFixtures.header("{'shape':(5,),'fortran_order':True,'descr':'<f2'}")).shape, [5])
    }

    func testEncodeRoundTrips() throws {
        for shape in [[0], [7], [100_000, 384]] {
            let h = try parse(NpyHeader.encode(dtype: .float16, shape: shape))
            XCTAssertEqual(h.shape, shape)
            XCTAssertEqual(h.dtype, .float16)
        }
    }

    func testHostileHeaders() {
        let cases: [(String, [UInt8], InputError.Code)] = [
            ("empty", [], .truncated),
            ("bad magic", Array("\u{93}NUMPX".utf8) + [1, 0, 0, 0], .badMagic),
            ("version 4", [0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0], .unsupportedVersion),
            ("length past end", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0x00] + Array("{}".utf8), .truncated),
            ("too long", [0x93] + Array("NUMPY".utf8) + [2, 0, 0, 0, 0x10, 0], .badHeader),
            ("not a literal", NpyFixtures.header("__import__('os')"), .badHeader),
            ("missing key", NpyFixtures.header("{'descr': '<f4', 'shape': (3, 2)}"), .badHeader),
            ("extra key", NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), 'x': 1}"), .badHeader),
            ("duplicate key", NpyFixtures.header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}"), .badHeader),
            ("object dtype", NpyFixtures.header("{'descr': '|O', 'fortran_order': False, 'shape': (3, 2)}"), .unsupportedDtype),
            ("big endian", NpyFixtures.header("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2)}"), .unsupportedDtype),
            ("float64", NpyFixtures.header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2)}"), .unsupportedDtype),
            ("negative dim", NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 2)}"), .badHeader),
            ("huge integer", NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2)}"), .badHeader),
            ("unterminated", NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2"), .badHeader),
            ("trailing text", NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)} x"), .badHeader),
            ("non-ascii v1", NpyFixtures.header("{'descr': '<f4', 'fortran_order': Fälse, 'shape': (3, 2)}"), .badHeader),
        ]
        for (name, bytes, expected) in cases {
            XCTAssertEqual(code(bytes), expected, name)
        }
    }

    /// Every prefix of a valid header is refused as truncated (drip-feed: the parser never reads past
    /// what it was given and never accepts a partial header).
    func testEveryPrefixIsTruncated() {
        let full = NpyFixtures.header(good)
        for n in 0..<full.count {
            XCTAssertEqual(code(Array(full[0..<n])), .truncated, "prefix of \(n) bytes")
        }
    }

    /// Random mutations of a valid header never crash the parser; every refusal is a typed InputError.
    func testMutatedHeadersNeverCrash() {
        let full = NpyFixtures.header(good) + NpyFixtures.float32Bytes([1, 2, 3, 4, 5, 6])
        var r = SeededRandom(seed: 42)
        var refused = 0
        for _ in 0..<10_000 {
            var m = full
            for _ in 0..<1 + r.index(below: 4) {
                let i = r.index(below: 80)
                m[i] = UInt8(truncatingIfNeeded: r.next())
            }
            do { _ = try parse(m) } catch is InputError { refused += 1 } catch { XCTFail("untyped error \(error)") }
        }
        XCTAssertGreaterThan(refused, 5000)
    }
}

/// 10,000 mutated `.npy` headers: each parses or is refused with a typed `InputError`, never a crash.
final class NpyHeaderMutationTests: XCTestCase {
    func testTenThousandMutatedHeaders() {
        let seeds = [
            NpyHeader.encode(dtype: .float32, shape: [100, 8]), NpyHeader.encode(dtype: .float16, shape: [7, 384]),
            NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", major: 2),
            NpyFixtures.header("{'descr': '<f2', 'fortran_order': False, 'shape': (5, 1), }", major: 3),
        ]
        var mutator = Mutator(seed: 2)
        var refused: [String: Int] = [:], parsed = 0
        for i in 0..<10_000 {
            do {
                let h = try NpyHeader.parse(mutator.mutate(seeds[i % seeds.count]), path: "m.npy")
                XCTAssertGreaterThanOrEqual(h.dataOffset, 10)
                parsed += 1
            } catch {
                refused[error.code.description, default: 0] += 1
            }
        }
        XCTAssertEqual(parsed + refused.values.reduce(0, +), 10_000)
        XCTAssertGreaterThan(refused.values.reduce(0, +), 5_000, "\(refused)")
        print("mutated headers: \(parsed) parsed, refused by code: \(refused.sorted { $0.key < $1.key })")
    }
}
