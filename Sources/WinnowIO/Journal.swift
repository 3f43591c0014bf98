import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only log of accepted results in `--out` (design §4): after a header naming the run's
/// configuration hash, records of `[UInt32 length][UInt32 CRC-32C][payload]`, little-endian, each
/// fsynced before the coordinator acts on it. Opening an existing journal returns its valid records
/// and cuts a torn or corrupt tail off, so a crash at any byte loses at most the record being written.
public final class Journal {
    public struct Mismatch: Error, CustomStringConvertible, Sendable {
        public let path: String
        public var description: String {
            "\(path) belongs to a run with another configuration; use another --out, or delete the journal to start over"
        }
    }

    static let magic: [UInt8] = Array("WNJ1".utf8)
    public let path: String
    private let handle: FileHandle
    /// Bytes cut off the end when the journal was opened (a torn last write).
    public let truncatedBytes: Int

    /// Opens (or creates) the journal for a run; returns it and the payloads already in it.
    public static func open(path: String, configHash: [UInt8]) throws -> (Journal, [[UInt8]]) {
        let headerBytes = header(configHash: configHash)
        if !FileManager.default.fileExists(atPath: path) {
            try AtomicFile.write(headerBytes, to: path)
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= headerBytes.count else {
            // A header torn before any record: nothing was accepted yet.
            try AtomicFile.write(headerBytes, to: path)
            return try open(path: path, configHash: configHash)
        }
        guard Array(bytes.prefix(headerBytes.count)) == headerBytes else { throw Mismatch(path: path) }
        let (records, validEnd) = scan(bytes, from: headerBytes.count)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        if validEnd < bytes.count {
            try handle.truncate(atOffset: UInt64(validEnd))
            try handle.synchronize()
        }
        try handle.seekToEnd()
        return (Journal(path: path, handle: handle, truncatedBytes: bytes.count - validEnd), records)
    }

    /// What a journal holds, read without changing it (`winnow report`).
    public struct Summary: Sendable {
        public let configHash: [UInt8]
        public let records: Int
        /// Bytes after the valid prefix: a torn last write that opening the journal would cut off.
        public let tornBytes: Int
    }

    /// nil when there is no journal at `path` or its header is not a journal's.
    public static func summary(path: String) -> Summary? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data), hashBytes = 32
        guard bytes.count >= magic.count + hashBytes else { return nil }
        let configHash = Array(bytes[magic.count ..< magic.count + hashBytes])
        let expected = header(configHash: configHash)
        guard Array(bytes.prefix(expected.count)) == expected else { return nil }
        let (records, end) = scan(bytes, from: expected.count)
        return Summary(configHash: configHash, records: records.count, tornBytes: bytes.count - end)
    }

    /// The bytes a journal starts with: magic, the run's configuration hash, their CRC-32C.
    static func header(configHash: [UInt8]) -> [UInt8] {
        let header = magic + configHash
        return header + le(CRC32C.checksum(header))
    }

    /// The valid records from `start`, and where the valid prefix ends.
    public static func scan(_ bytes: [UInt8], from start: Int) -> ([[UInt8]], Int) {
        var records: [[UInt8]] = []
        var at = start
        while at + 8 <= bytes.count {
            let length = Int(readLE(bytes, at)), crc = readLE(bytes, at + 4)
            guard length <= bytes.count - at - 8 else { break }
            let payload = Array(bytes[at + 8 ..< at + 8 + length])
            guard CRC32C.checksum(payload) == crc else { break }
            records.append(payload)
            at += 8 + length
        }
        return (records, at)
    }

    private init(path: String, handle: FileHandle, truncatedBytes: Int) {
        self.path = path
        self.handle = handle
        self.truncatedBytes = truncatedBytes
    }

    deinit { try? handle.close() }

    /// Appends one record and waits until it is on disk.
    public func append(_ payload: [UInt8]) throws {
        try handle.write(contentsOf: Data(Self.le(UInt32(payload.count)) + Self.le(CRC32C.checksum(payload)) + payload))
        try handle.synchronize()
    }

    static func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func readLE(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
