import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An `ipc://` endpoint in a fresh folder only this user can enter (mode 0700): what `select`
/// gives its local workers. Unlike a loopback TCP port, other users of a shared login node
/// cannot connect to it, and no port can clash.
public final class PrivateEndpoint {
    public let address: String
    private let directory: String

    public init() throws {
        // Unix socket paths are limited to 107 bytes: a long TMPDIR falls back to /tmp.
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        let base = tmp.isEmpty || tmp.utf8.count > 64 ? "/tmp" : tmp
        var template = Array("\(base)/winnow-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RunFailure(status: 73, "\(base): cannot create a private folder for the workers' socket: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        address = "ipc://\(directory)/coordinator"
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
