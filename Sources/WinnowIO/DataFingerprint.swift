import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What identifies the bytes of a run's input files, cheaply enough for a 10^9-row pool: per file its
/// size, modification time and inode, and a CRC-32C of `sampleBlocks` blocks read across it. The
/// journal keeps it, so a resume can tell that a file was rewritten in place (a new modification
/// time), replaced by another (a new inode: a rename over it, `np.save` to a temporary name) or
/// altered while its time was put back (the sampled blocks). What it cannot see: bytes changed
/// outside the sampled blocks by someone who then restored the modification time.
///
/// The inode and time are the file server's on a shared filesystem, so a coordinator requeued on
/// another node reads the same values; the device number is not, and is left out.
public struct DataFingerprint: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var size: UInt64
        /// Modification time, nanoseconds since the epoch.
        public var modified: Int64
        public var inode: UInt64
        public var sample: UInt32

        public init(path: String, size: UInt64, modified: Int64, inode: UInt64, sample: UInt32) {
            self.path = path
            self.size = size
            self.modified = modified
            self.inode = inode
            self.sample = sample
        }
    }

    /// Blocks read per file, spread evenly from its start to its end.
    public static let sampleBlocks = 16
    public static let blockBytes = 4096

    public var files: [File]

    public init(files: [File]) { self.files = files }

    /// Reads the fingerprint of `paths` (stat and the sampled blocks).
    public static func of(paths: [String]) throws(InputError) -> DataFingerprint {
        var files: [File] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw InputError(.unreadable, path: path, "cannot read its size and time: \(String(cString: strerror(errno)))")
            }
            let size = UInt64(info.st_size)
            let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            files.append(File(path: path, size: size, modified: modified, inode: UInt64(info.st_ino), sample: try sample(path, size: size)))
        }
        return DataFingerprint(files: files)
    }

    private static func sample(_ path: String, size: UInt64) throws(InputError) -> UInt32 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(.unreadable, path: path, "cannot open it for reading") }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        let block = UInt64(blockBytes), last = size > block ? size - block : 0
        var offsets = (0..<sampleBlocks).map { last * UInt64($0) / UInt64(sampleBlocks - 1) }
        offsets = offsets.enumerated().filter { $0.offset == 0 || $0.element != offsets[$0.offset - 1] }.map(\.element)
        do {
            for offset in offsets {
                try handle.seek(toOffset: offset)
                bytes += try handle.read(upToCount: blockBytes) ?? Data()
            }
        } catch {
            throw InputError(.unreadable, path: path, "cannot read it: \(error.localizedDescription)")
        }
        return CRC32C.checksum(bytes)
    }

    /// The first file that differs from `earlier`, and how, said for a person; nil when none does.
    public func change(since earlier: DataFingerprint) -> (path: String, what: String)? {
        guard files.map(\.path) == earlier.files.map(\.path) else {
            return (files.first?.path ?? "", "the input files are not the same list")
        }
        for (now, then) in zip(files, earlier.files) where now != then {
            let what: String
            if now.inode != then.inode {
                what = "it is another file now (inode \(then.inode) then, \(now.inode) now: replaced or renamed over)"
            } else if now.size != then.size {
                what = "its size changed (\(then.size) bytes then, \(now.size) now)"
            } else if now.modified != then.modified {
                what = "it was modified (\(Self.time(then.modified)) then, \(Self.time(now.modified)) now)"
            } else {
                what = "its content differs in the blocks sampled, though its size and time are the same"
            }
            return (now.path, what)
        }
        return nil
    }

    private static func time(_ nanoseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(nanoseconds / 1_000_000_000))
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: String(format: ".%09dZ", Int(nanoseconds % 1_000_000_000)))
    }

    // MARK: bytes

    /// Little-endian: a file count, then per file its path's length and UTF-8, size, time, inode, sample.
    public var encoded: [UInt8] {
        var out = le(UInt64(files.count))
        for f in files {
            let path = Array(f.path.utf8)
            out += le(UInt64(path.count)) + path + le(f.size) + le(UInt64(bitPattern: f.modified)) + le(f.inode) + le(UInt64(f.sample))
        }
        return out
    }

    /// nil when `bytes` is not an encoded fingerprint.
    public init?(encoded bytes: [UInt8]) {
        var at = 0
        func next() -> UInt64? {
            guard at + 8 <= bytes.count else { return nil }
            defer { at += 8 }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        guard let count = next(), count <= UInt64(bytes.count) else { return nil }
        var files: [File] = []
        for _ in 0..<count {
            guard let length = next(), length <= UInt64(bytes.count - at) else { return nil }
            let path = String(decoding: bytes[at..<at + Int(length)], as: UTF8.self)
            at += Int(length)
            guard let size = next(), let modified = next(), let inode = next(), let sample = next(), sample <= UInt64(UInt32.max) else { return nil }
            files.append(File(path: path, size: size, modified: Int64(bitPattern: modified), inode: inode, sample: UInt32(sample)))
        }
        guard at == bytes.count else { return nil }
        self.files = files
    }

    private func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}
