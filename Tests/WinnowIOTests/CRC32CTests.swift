import XCTest
import WinnowIO

final class CRC32CTests: XCTestCase {
    /// A byte at a time, straight from the polynomial: what the eight-table kernel must equal.
    private func bytewise(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    func testKnownValueAndEveryLengthAndOffset() {
        // The check value of CRC-32C (RFC 3720, appendix B.4).
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0..<40 {
            for start in 0..<9 {
                let piece = Array(bytes[start..<start + length])
                XCTAssertEqual(CRC32C.checksum(piece), bytewise(piece), "length \(length) at \(start)")
                XCTAssertEqual(CRC32C.checksum(bytes[start..<start + length]), bytewise(piece), "slice, length \(length) at \(start)")
            }
        }
        XCTAssertEqual(CRC32C.checksum(bytes), bytewise(bytes))
    }
}
