import XCTest
import WinnowCore

final class HexTests: XCTestCase {
    func testTwoLowerCaseDigitsPerByte() {
        XCTAssertEqual([UInt8]([0x00, 0x0f, 0xa0, 0xff]).hexString, "000fa0ff")
        XCTAssertEqual([UInt8]().hexString, "")
    }
}
