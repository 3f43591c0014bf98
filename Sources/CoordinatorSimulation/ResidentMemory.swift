import Foundation

/// This process's resident memory, from /proc (Linux): now, and the peak since the last reset.
struct ResidentMemory {
    func resident() -> Int { Self.field("VmRSS:") }
    func peak() -> Int { Self.field("VmHWM:") }

    /// Starts a new peak (writing 5 to clear_refs resets VmHWM to the current resident size).
    func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) })
        else { return 0 }
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
    }
}
