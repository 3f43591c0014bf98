import Foundation

/// How many processors this process can keep busy: the default for one worker per core. The
/// machine's count is only the upper end: the affinity mask (`taskset -c 0`, a Slurm step bound to
/// its CPUs), a cgroup CPU quota (a container's `--cpus`, systemd's `CPUQuota`) and a Slurm job's
/// `SLURM_CPUS_PER_TASK` each lower it, and the smallest wins.
public enum UsableProcessors {
    public static func count(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        var limits = [ProcessInfo.processInfo.activeProcessorCount]
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8), let allowed = allowedCount(status: status) {
            limits.append(allowed)
        }
        if let quota = cgroupQuota() { limits.append(Int(quota.rounded(.up))) }
        if let perTask = environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init), perTask > 0 { limits.append(perTask) }
        return max(1, limits.min()!)
    }

    /// The affinity mask's size from `/proc/self/status`'s "Cpus_allowed_list: 0-3,8" (the kernel's
    /// own account, which `taskset`, `numactl` and a Slurm step's binding set).
    public static func allowedCount(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let ends = range.split(separator: "-").compactMap { Int($0) }
            switch ends.count {
            case 1: count += 1
            case 2 where ends[1] >= ends[0]: count += ends[1] - ends[0] + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }

    /// The CPU quota of this process's cgroup in CPUs (2.5 for 250 ms of every 100 ms), nil without one.
    public static func cgroupQuota(
        root: String = "/sys/fs/cgroup", membership: String? = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
    ) -> Double? {
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
        for line in (membership ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                // cgroup v2; inside a cgroup namespace the path is "/" and the files are at the root.
                for dir in ["\(root)\(path)", root] {
                    if let text = read("\(dir)/cpu.max") { return quota(cpuMax: text) }
                }
            } else if fields[1].split(separator: ",").contains("cpu") {
                for dir in ["\(root)/\(fields[1])\(path)", "\(root)/cpu\(path)", "\(root)/\(fields[1])", "\(root)/cpu"] {
                    if let q = read("\(dir)/cpu.cfs_quota_us"), let p = read("\(dir)/cpu.cfs_period_us") {
                        return quota(cfsQuota: q, cfsPeriod: p)
                    }
                }
            }
        }
        return nil
    }

    /// cgroup v2's `cpu.max`: "QUOTA PERIOD" in microseconds, or "max PERIOD" for none.
    public static func quota(cpuMax: String) -> Double? {
        let parts = cpuMax.split(whereSeparator: \.isWhitespace)
        guard parts.count >= 2, let q = Double(parts[0]), let p = Double(parts[1]), q > 0, p > 0 else { return nil }
        return q / p
    }

    /// cgroup v1's `cpu.cfs_quota_us` (-1 for none) over `cpu.cfs_period_us`.
    public static func quota(cfsQuota: String, cfsPeriod: String) -> Double? {
        guard let q = Double(cfsQuota.trimmingCharacters(in: .whitespacesAndNewlines)),
            let p = Double(cfsPeriod.trimmingCharacters(in: .whitespacesAndNewlines)), q > 0, p > 0
        else { return nil }
        return q / p
    }
}
