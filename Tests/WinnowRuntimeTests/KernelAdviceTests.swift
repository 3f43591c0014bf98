import XCTest
import WinnowRuntime

final class KernelAdviceTests: XCTestCase {
    let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_fp16"]

    func testAnOldKernelOnANewerCPUNamesTheKernelToSet() throws {
        let said = try XCTUnwrap(KernelAdvice.advice(kernel: "Prescott", cpuFlags: avx512, coreTypeSet: false))
        XCTAssertTrue(said.contains("Prescott kernel on a CPU with AVX-512") && said.contains("OPENBLAS_CORETYPE=SkylakeX"), said)
        let avx2 = try XCTUnwrap(KernelAdvice.advice(kernel: "Core2", cpuFlags: ["sse3", "avx", "avx2", "fma"], coreTypeSet: false))
        XCTAssertTrue(avx2.contains("OPENBLAS_CORETYPE=Haswell"), avx2)
        let avx = try XCTUnwrap(KernelAdvice.advice(kernel: "Nehalem", cpuFlags: ["sse3", "avx"], coreTypeSet: false))
        XCTAssertTrue(avx.contains("OPENBLAS_CORETYPE=Sandybridge"), avx)
    }

    func testNothingToSayWhenTheKernelFitsOrTheUserChose() {
        XCTAssertNil(KernelAdvice.advice(kernel: "SkylakeX", cpuFlags: avx512, coreTypeSet: false))
        XCTAssertNil(KernelAdvice.advice(kernel: "Cooperlake", cpuFlags: avx512, coreTypeSet: false))
        XCTAssertNil(KernelAdvice.advice(kernel: "Prescott", cpuFlags: avx512, coreTypeSet: true))
        XCTAssertNil(KernelAdvice.advice(kernel: "Prescott", cpuFlags: ["sse3"], coreTypeSet: false))
    }
}
