import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ResourceUsage {
    /// Peak resident set size of this process, in bytes: `VmHWM` of /proc/self/status, which starts
    /// afresh with the program. `getrusage`'s `ru_maxrss` (the fallback) keeps the peak of whatever ran
    /// in the process before `exec`: launched from a Python benchmark holding a 1.5 GB array, `winnow
    /// cluster` reported 3 GiB for a run that peaked at 0.2 GiB.
    public static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        {
            return kb * 1024
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
