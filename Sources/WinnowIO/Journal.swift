import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only log of accepted results in `--out` (design §4): after a header naming the run's
/// configuration hash and the fingerprint of the data it reads, records of
/// `[UInt32 length][UInt32 CRC-32C][payload]`, little-endian, each fsynced before the coordinator acts
/// on it (sends anything at all after it). Opening an existing journal returns its valid records and
/// cuts a torn or corrupt tail off, so a crash at any byte loses only records not yet synced, on which
/// nothing was acted.
public final class Journal {
    /// Why an existing journal cannot be resumed. The journal is left as it is: it may be another
    /// run's, or the user may put the data back.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public enum Reason: Sendable, Equatable {
            /// Its run had another configuration (settings, files, shapes).
            case anotherConfiguration
            /// An input file is not the one its results were computed from.
            case dataChanged(file: String, what: String)
            /// Its header fails its checksum, or is not a journal header this build writes.
            case damaged(String)
        }

        public let path: String
        public let reason: Reason

        public var description: String {
            switch reason {
            case .anotherConfiguration:
                "\(path) belongs to a run with another configuration; use another --out, or delete the journal to start over"
            case .dataChanged(let file, let what):
                "\(file) changed since \(path) was written: \(what). Its journaled results were computed from the old data and are not reused; "
                    + "put the file back as it was to resume, or delete the journal to start over"
            case .damaged(let why):
                "\(path) is damaged (\(why)); nothing in it can be trusted: delete it to start over"
            }
        }
    }

    static let magic: [UInt8] = Array("WNJ2".utf8)
    /// The header of journals before data fingerprints: magic and configuration hash only.
    static let olderMagic: [UInt8] = Array("WNJ1".utf8)
    static let hashBytes = 32
    public let path: String
    private let handle: FileHandle
    /// Bytes cut off the end when the journal was opened (a torn last write, or damage).
    public let truncatedBytes: Int
    /// Intact records found beyond damage in the middle of the journal, cut off with it (their tasks
    /// run again). 0 for a torn last write.
    public let recordsLost: Int

    /// Opens (or creates) the journal for a run over `data`; returns it and the payloads already in it.
    public static func open(path: String, configHash: [UInt8], data: DataFingerprint) throws -> (Journal, [[UInt8]]) {
        var records: [[UInt8]] = []
        let journal = try open(path: path, configHash: configHash, data: data) { records.append($0) }
        return (journal, records)
    }

    /// Opens (or creates) the journal for a run over `data`, handing each valid payload already in it
    /// to `each`, in order, as it is read: a journal of gigabytes is replayed holding one record at a
    /// time (reading it whole, then copying out its records, held three times its size at a restart).
    public static func open(path: String, configHash: [UInt8], data: DataFingerprint, each: ([UInt8]) throws -> Void) throws -> Journal {
        let headerBytes = header(configHash: configHash, data: data)
        if !FileManager.default.fileExists(atPath: path) {
            try AtomicFile.write(headerBytes, to: path)
        }
        let reader = try BlockReader(path: path)
        let recordsStart: Int
        switch try readHeader(reader) {
        case .torn:
            // A header torn before any record: nothing was accepted yet.
            try AtomicFile.write(headerBytes, to: path)
            return try open(path: path, configHash: configHash, data: data, each: each)
        case .damaged(let why):
            throw Refusal(path: path, reason: .damaged(why))
        case .valid(let hash, let recorded, let end):
            guard hash == configHash else { throw Refusal(path: path, reason: .anotherConfiguration) }
            if let change = data.change(since: recorded) {
                throw Refusal(path: path, reason: .dataChanged(file: change.path, what: change.what))
            }
            recordsStart = end
        }
        let validEnd = try walk(reader, from: recordsStart, each: each)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        var lost = 0
        if validEnd < reader.size {
            lost = try intactRecords(reader, after: validEnd)
            try handle.truncate(atOffset: UInt64(validEnd))
            try handle.synchronize()
        }
        try handle.seekToEnd()
        return Journal(path: path, handle: handle, truncatedBytes: reader.size - validEnd, recordsLost: lost)
    }

    /// Reads a journal file by offset, a block at a time.
    private final class BlockReader {
        let size: Int
        private let handle: FileHandle
        /// Bytes read ahead, from file offset `start`.
        private var buffer: [UInt8] = []
        private var start = 0
        static let blockBytes = 8 << 20

        init(path: String) throws {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            size = Int(try handle.seekToEnd())
        }

        deinit { try? handle.close() }

        /// Up to `count` bytes at `offset` (fewer at the end of the file).
        func bytes(at offset: Int, count: Int) throws -> [UInt8] {
            let wanted = min(count, max(0, size - offset))
            if offset < start || offset + wanted > start + buffer.count {
                try handle.seek(toOffset: UInt64(offset))
                buffer = [UInt8](try handle.read(upToCount: max(wanted, Self.blockBytes)) ?? Data())
                start = offset
            }
            return Array(buffer[offset - start..<offset - start + wanted])
        }

        /// The record at `offset`, or nil where none is whole and intact: the end, a torn write, damage.
        func record(at offset: Int) throws -> [UInt8]? {
            guard offset + 8 <= size else { return nil }
            let prefix = try bytes(at: offset, count: 8)
            let length = Int(Journal.readLE(prefix, 0)), crc = Journal.readLE(prefix, 4)
            guard length <= size - offset - 8 else { return nil }
            let payload = try bytes(at: offset + 8, count: length)
            return CRC32C.checksum(payload) == crc ? payload : nil
        }
    }

    /// What a journal holds, read without changing it (`winnow report`).
    public struct Summary: Sendable {
        public let configHash: [UInt8]
        public let records: Int
        /// Bytes after the valid prefix: a torn last write that opening the journal would cut off.
        public let tornBytes: Int
    }

    /// nil when there is no journal at `path` or its header is not a valid journal header. Reads the
    /// journal a block at a time, as a resume does.
    public static func summary(path: String) -> Summary? {
        guard let reader = try? BlockReader(path: path), case .valid(let configHash, _, let start)? = try? readHeader(reader) else {
            return nil
        }
        var records = 0
        guard let end = try? walk(reader, from: start, each: { _ in records += 1 }) else { return nil }
        return Summary(configHash: configHash, records: records, tornBytes: reader.size - end)
    }

    /// The header at the start of the file: its fixed part names the fingerprint's length, and so the whole header's.
    private static func readHeader(_ reader: BlockReader) throws -> HeaderRead {
        let fixed = magic.count + hashBytes + 4
        let head = try reader.bytes(at: 0, count: fixed)
        guard head.count == fixed else { return readHeader(head) }
        return readHeader(try reader.bytes(at: 0, count: fixed + Int(readLE(head, magic.count + hashBytes)) + 4))
    }

    /// Hands each valid record from `start` on to `each`, in order; returns where the valid records end.
    private static func walk(_ reader: BlockReader, from start: Int, each: ([UInt8]) throws -> Void) throws -> Int {
        var at = start
        while let payload = try reader.record(at: at) {
            try each(payload)
            at += 8 + payload.count
        }
        return at
    }

    /// The bytes a journal starts with: magic, the run's configuration hash, the data's fingerprint
    /// (its length first), and the CRC-32C of all of them.
    static func header(configHash: [UInt8], data: DataFingerprint) -> [UInt8] {
        let fingerprint = data.encoded
        let header = magic + configHash + le(UInt32(fingerprint.count)) + fingerprint
        return header + le(CRC32C.checksum(header))
    }

    enum HeaderRead {
        case valid(configHash: [UInt8], data: DataFingerprint, end: Int)
        /// Too short to hold a header's fixed part: a write cut before the header was whole.
        case torn
        case damaged(String)
    }

    static func readHeader(_ bytes: [UInt8]) -> HeaderRead {
        let fixed = magic.count + hashBytes + 4
        guard bytes.count >= fixed else { return .torn }
        let head = Array(bytes.prefix(magic.count))
        guard head == magic else {
            return .damaged(
                head == olderMagic
                    ? "written by an earlier Winnow, which did not record its data's fingerprint"
                    : "it does not start as a Winnow journal")
        }
        let length = Int(readLE(bytes, magic.count + hashBytes))
        guard length <= bytes.count - fixed - 4 else { return .damaged("its header runs past the end of the file") }
        let end = fixed + length
        guard CRC32C.checksum(bytes[0..<end]) == readLE(bytes, end) else { return .damaged("its header fails its checksum") }
        guard let data = DataFingerprint(encoded: Array(bytes[fixed..<end])) else { return .damaged("its data fingerprint is malformed") }
        return .valid(configHash: Array(bytes[magic.count..<magic.count + hashBytes]), data: data, end: end + 4)
    }

    /// How many whole records follow damage at `start`: the longest chain of records found at the
    /// first offset past it where one checks out. The search stops after checksumming 64 MiB, so a
    /// large damaged journal opens in bounded time (the count is then a lower bound).
    private static func intactRecords(_ reader: BlockReader, after start: Int) throws -> Int {
        var budget = 64 << 20
        var at = start + 1
        while at + 8 <= reader.size && budget > 0 {
            let length = Int(readLE(try reader.bytes(at: at, count: 4), 0))
            if length > 0 && length <= reader.size - at - 8 {
                budget -= length
                if try reader.record(at: at) != nil {
                    var records = 0
                    _ = try walk(reader, from: at) { _ in records += 1 }
                    return records
                }
            }
            at += 1
        }
        return 0
    }

    private init(path: String, handle: FileHandle, truncatedBytes: Int, recordsLost: Int) {
        self.path = path
        self.handle = handle
        self.truncatedBytes = truncatedBytes
        self.recordsLost = recordsLost
    }

    deinit { try? handle.close() }

    /// Appends one record and waits until it is on disk.
    public func append(_ payload: [UInt8]) throws {
        try write(payload)
        try sync()
    }

    /// Appends one record without waiting for the disk; `sync` then makes every record written so far
    /// durable with one wait (group commit: one `fsync` for all the results a loop took in at once).
    public func write(_ payload: [UInt8]) throws {
        // Two writes, no copy of the payload: a crash between them leaves a torn record, cut off on opening.
        try handle.write(contentsOf: Self.le(UInt32(payload.count)) + Self.le(CRC32C.checksum(payload)))
        try handle.write(contentsOf: payload)
        hasUnsyncedRecords = true
        recordsWritten += 1
        bytesWritten += 8 + payload.count
    }

    /// Waits until every record written is on disk (nothing to do when none is new).
    public func sync() throws {
        guard hasUnsyncedRecords else { return }
        try handle.synchronize()
        hasUnsyncedRecords = false
        syncs += 1
    }

    /// Whether records were written since the last `sync`.
    public private(set) var hasUnsyncedRecords = false
    /// Records this process wrote, and the syncs that made them durable.
    public private(set) var recordsWritten = 0
    public private(set) var bytesWritten = 0
    public private(set) var syncs = 0

    static func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func readLE(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
