import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A run's `--out` folder, claimed before any work: made if missing, shown to take a file (a probe
/// is written and removed, so a read-only mount or a folder without write permission is found in a
/// second instead of after hours of work), and locked, so that a second run given the same `--out`
/// is refused instead of doing the whole work again and racing the first for the outputs.
/// The lock is the folder's own `flock`, held until this process ends: nothing is left behind.
public final class OutputFolder {
    public struct Unusable: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "--out \(path): \(reason)" }
    }

    public let path: String
    /// Whether this run made the folder (then a run that fails for good removes it, when empty).
    public let made: Bool
    private let descriptor: Int32

    public static func claim(_ path: String) throws(Unusable) -> OutputFolder {
        var isFolder: ObjCBool = false
        var made = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw Unusable(path: path, reason: "exists and is not a folder; give a folder (it is made if missing)") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw Unusable(path: path, reason: "cannot make the folder: \(AtomicFile.reason(error))")
            }
            made = true
        }
        let probe = (path as NSString).appendingPathComponent(".winnow-probe-\(getpid())")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if made { try? FileManager.default.removeItem(atPath: path) }
            throw Unusable(path: path, reason: "cannot write in it: \(reason)")
        }
        close(fd)
        unlink(probe)
        let folder = open(path, O_RDONLY | O_DIRECTORY)
        // A filesystem without flock on folders (some NFS mounts) runs unlocked rather than not at all.
        if folder >= 0 && flock(folder, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK {
            close(folder)
            throw Unusable(path: path, reason: "another winnow run is writing to this folder; wait for it to end, or give another --out")
        }
        return OutputFolder(path: path, made: made, descriptor: folder)
    }

    private init(path: String, made: Bool, descriptor: Int32) {
        self.path = path
        self.made = made
        self.descriptor = descriptor
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// After a run that failed for good: the folder goes again if this run made it and left it empty.
    public func removeIfMadeAndEmpty() {
        if made, (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
