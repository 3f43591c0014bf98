import Foundation
import Logging
import WinnowNative

/// Says when OpenBLAS computes with a kernel far older than the CPU: OpenBLAS 0.3.21 does not
/// recognise some newer CPUs (an AVX-512 Xeon reported by its family alone) and falls back to its
/// `Prescott` kernel, SSE3 only; the products then run 2–5× slower (BENCHMARKS.md, "Dedup at 10M rows
/// again"). Nothing changes by itself: the kernel decides the selection's bits, and every process of a
/// run must use the same one, so the user chooses (`OPENBLAS_CORETYPE`).
public enum KernelAdvice {
    /// OpenBLAS x86-64 kernels without AVX.
    static let withoutAVX: Set<String> = [
        "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine", "Northwood", "Banias",
        "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Nano",
    ]

    /// The advice for a kernel (`BLAS.coreName`)
    /// on a CPU with these `/proc/cpuinfo` flags; nil when the kernel fits the CPU, or when the user set
    /// `OPENBLAS_CORETYPE` (the choice is then theirs).
    public static func advice(kernel: String, cpuFlags: Set<String>, coreTypeSet: Bool) -> String? {
        guard !coreTypeSet, withoutAVX.contains(kernel) else { return nil }
        let better: String, features: String
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
            (better, features) = ("SkylakeX", "AVX-512")
        } else if cpuFlags.isSuperset(of: ["avx2", "fma"]) {
            (better, features) = ("Haswell", "AVX2")
        } else if cpuFlags.contains("avx") {
            (better, features) = ("Sandybridge", "AVX")
        } else {
            return nil
        }
        return "OpenBLAS computes with its \(kernel) kernel on a CPU with \(features) (it does not recognise this CPU), "
            + "2–5× slower than it could: set OPENBLAS_CORETYPE=\(better) in the environment of every process of the run "
            + "(its workers must share one kernel; the kernel decides the selection's last bits)"
    }

    /// Logs the advice once per command, from this machine's kernel and `/proc/cpuinfo`.
    public static func note(_ log: Logger) {
        let coreTypeSet = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil
        guard let advice = advice(kernel: BLAS.coreName, cpuFlags: cpuFlags(), coreTypeSet: coreTypeSet) else { return }
        log.notice("\(advice)")
    }

    /// The first processor's flags in `/proc/cpuinfo` (none where there is no such file).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
