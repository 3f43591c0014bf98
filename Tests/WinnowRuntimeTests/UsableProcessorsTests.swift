import Foundation
import WinnowTestKit
import XCTest

import WinnowRuntime

/// The default worker count: the fewest of the machine's processors, the affinity mask, the cgroup
/// quota and `SLURM_CPUS_PER_TASK`.
final class UsableProcessorsTests: XCTestCase {
    func testAffinityMaskFromTheKernelsStatus() {
        XCTAssertEqual(UsableProcessors.allowedCount(status: "Name:\tx\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n"), 1)
        XCTAssertEqual(UsableProcessors.allowedCount(status: "Cpus_allowed_list:\t0-3,8,10-11\n"), 7)
        XCTAssertNil(UsableProcessors.allowedCount(status: "Name:\tx\n"))
    }

    func testQuotaFilesOfBothCgroupVersions() {
        XCTAssertEqual(UsableProcessors.quota(cpuMax: "250000 100000\n"), 2.5)
        XCTAssertNil(UsableProcessors.quota(cpuMax: "max 100000\n"))
        XCTAssertEqual(UsableProcessors.quota(cfsQuota: "50000\n", cfsPeriod: "100000\n"), 0.5)
        XCTAssertNil(UsableProcessors.quota(cfsQuota: "-1\n", cfsPeriod: "100000\n"))
    }

    func testQuotaIsFoundWhereEachCgroupVersionKeepsIt() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("v2/job/step"), withIntermediateDirectories: true)
        try "150000 100000\n".write(toFile: dir.file("v2/job/step/cpu.max"), atomically: true, encoding: .utf8)
        XCTAssertEqual(UsableProcessors.cgroupQuota(root: dir.file("v2"), membership: "0::/job/step\n"), 1.5)
        try FileManager.default.createDirectory(atPath: dir.file("v1/cpu,cpuacct/slurm/uid_0"), withIntermediateDirectories: true)
        try "200000".write(toFile: dir.file("v1/cpu,cpuacct/slurm/uid_0/cpu.cfs_quota_us"), atomically: true, encoding: .utf8)
        try "100000".write(toFile: dir.file("v1/cpu,cpuacct/slurm/uid_0/cpu.cfs_period_us"), atomically: true, encoding: .utf8)
        let v1 = "12:memory:/slurm/uid_0\n4:cpu,cpuacct:/slurm/uid_0\n1:name=systemd:/\n"
        XCTAssertEqual(UsableProcessors.cgroupQuota(root: dir.file("v1"), membership: v1), 2)
        XCTAssertNil(UsableProcessors.cgroupQuota(root: dir.file("none"), membership: "0::/\n"))
    }

    func testSlurmCPUsPerTaskLowersTheCount() {
        XCTAssertEqual(UsableProcessors.count(environment: ["SLURM_CPUS_PER_TASK": "1"]), 1)
        XCTAssertLessThanOrEqual(UsableProcessors.count(environment: [:]), ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertGreaterThanOrEqual(UsableProcessors.count(environment: ["SLURM_CPUS_PER_TASK": "0"]), 1)
    }
}
