import XCTest
import WinnowNative

extension XCTestCase {
    /// For a test whose claim is bit-for-bit equality of values computed in products of different
    /// shapes: skipped, with the measured count, on a BLAS kernel that does not give it
    /// (`BLAS.sumsInOneOrder`; OpenBLAS's AVX2 kernels).
    func requireSumsInOneOrder() throws {
        try XCTSkipUnless(
            BLAS.sumsInOneOrder,
            "\(BLAS.kernel) sums a dot product in an order that depends on the product's shape "
                + "(\(BLAS.shapeMismatches) values of the probe differ in their last bits): this bit-for-bit check does not apply")
    }
}
