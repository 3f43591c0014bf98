import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that readers see either the old file or the complete new one, never a part:
/// temp file in the same folder, fsync, rename over the target, fsync of the folder.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): cannot write: \(reason)" }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(Data(bytes), to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        try writeAll([(path, data)])
    }

    /// Writes several files so that they appear all together or not at all: each is written and
    /// fsynced under a temporary name first, and only once every one is on disk are they renamed
    /// into place. A failure on the way (a full disk) removes the temporaries: a run that cannot
    /// write all its outputs leaves none of them.
    public static func writeAll(_ files: [(path: String, data: Data)]) throws {
        var staged: [(temp: String, path: String)] = []
        do {
            for (path, data) in files { staged.append((try stage(data, for: path), path)) }
        } catch {
            for s in staged { try? FileManager.default.removeItem(atPath: s.temp) }
            throw error
        }
        for (i, s) in staged.enumerated() where rename(s.temp, s.path) != 0 {
            let e = errno
            for later in staged[i...] { try? FileManager.default.removeItem(atPath: later.temp) }
            for earlier in staged[..<i] { try? FileManager.default.removeItem(atPath: earlier.path) }
            throw WriteError(path: s.path, reason: String(cString: strerror(e)))
        }
        for dir in Set(staged.map { ($0.path as NSString).deletingLastPathComponent }) { syncDirectory(dir.isEmpty ? "." : dir) }
    }

    /// `data` in a temporary file beside `path`, on disk; its path.
    private static func stage(_ data: Data, for path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: nil) else {
            throw WriteError(path: path, reason: "cannot create \(temp): \(String(cString: strerror(errno)))")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw WriteError(path: path, reason: reason(error))
        }
        return temp
    }

    /// What went wrong, as the system says it ("No space left on device"), not as a Foundation error code.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }

    static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
