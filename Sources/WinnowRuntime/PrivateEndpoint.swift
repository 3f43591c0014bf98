import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An `ipc://` endpoint in a fresh folder only this user can enter (mode 0700): what `select`
/// gives its local workers. Unlike a loopback TCP port, other users of a shared login node
/// cannot connect to it, and no port can clash. The folder is named after the process; a folder of
/// this user's left by a process that no longer runs (killed with SIGKILL, which no clean-up
/// survives) is removed by the next one.
public final class PrivateEndpoint {
    public let address: String
    private let directory: String

    public init() throws {
        // Unix socket paths are limited to 107 bytes: a long TMPDIR falls back to /tmp.
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        let base = tmp.isEmpty || tmp.utf8.count > 64 ? "/tmp" : tmp
        Self.removeAbandoned(in: base)
        var template = Array("\(base)/winnow-\(getpid())-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RunFailure(.cannotWrite, "\(base): cannot create a private folder for the workers' socket: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        address = "ipc://\(directory)/coordinator"
    }

    /// This user's `winnow-PID-*` folders whose process is gone.
    static func removeAbandoned(in base: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("winnow-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), pid > 0 else { continue }
            let path = base + "/" + name
            var info = stat()
            guard stat(path, &info) == 0, info.st_uid == getuid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
