#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be opened or mapped: the path, the call that failed and its errno.
public struct MappedFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let errno: Int32

    public var description: String {
        "\(path): \(operation) failed: \(String(cString: strerror(errno)))"
    }
}

/// A read-only memory map of a whole file. Pool files are far larger than memory, so rows are copied
/// out of the map one block at a time and the kernel pages them in and out as needed; nothing here
/// ever reads a whole file into memory.
///
/// All byte offsets are checked against the file size: a caller that asks past the end gets a
/// precondition failure, because callers validate every offset against the parsed header first.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    private let base: UnsafeRawPointer?

    public init(path: String) throws(MappedFileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MappedFileError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFileError(path: path, operation: "fstat", errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MappedFileError(path: path, operation: "open (not a regular file)", errno: EINVAL)
        }
        size = Int(info.st_size)
        if size == 0 {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw MappedFileError(path: path, operation: "mmap", errno: errno)
        }
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    private func check(_ offset: Int, _ count: Int) {
        precondition(
            offset >= 0 && count >= 0 && offset <= size && count <= size - offset,
            "MappedFile \(path): read of \(count) bytes at \(offset) is outside \(size) bytes")
    }

    /// Copies `count` bytes starting at `offset` (clipped to the end of the file).
    public func bytes(at offset: Int, count: Int) -> [UInt8] {
        let count = max(0, min(count, size - offset))
        check(offset, count)
        guard let base, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base + offset, count: count))
    }

    /// Tells the kernel a range will be read front to back soon (readahead, then drop behind).
    public func adviseSequential(offset: Int, count: Int) {
        guard let base, count > 0 else { return }
        check(offset, count)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset / page) * page
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), offset + count - start, MADV_WILLNEED)
    }

    /// Drops this process's mapping of the pages around a range (the page cache keeps them; a later
    /// read faults them back in). After a chunk is copied out, its pool pages would otherwise stay in
    /// the process's resident set until it had touched its whole share of the pool. A fault maps more
    /// than the page asked for — 64 KiB of "fault-around", or a whole large folio of the page cache
    /// (up to 2 MiB on Linux 6.x) — so the release covers the 2 MiB-aligned span around the range:
    /// with only the range itself a worker kept 1.9 GiB of other rows' pages after 6M of 10M rows, with
    /// a 64 KiB margin still 380 MiB.
    public func release(offset: Int, count: Int) {
        guard let base, count > 0 else { return }
        check(offset, count)
        let span = 2 << 20
        let start = (offset / span) * span
        let end = min(size, ((offset + count + span - 1) / span) * span)
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Appends `rows × dimension` little-endian values starting at byte `offset` to `out`, widened to
    /// Float: `elementSize` 4 reads float32, 2 reads float16.
    public func appendFloats(at offset: Int, rows: Int, dimension: Int, elementSize: Int, to out: inout [Float]) {
        let count = rows * dimension
        check(offset, count * elementSize)
        guard let base, count > 0 else { return }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBufferPointer { op in
            let dst = op.baseAddress! + start
            switch elementSize {
            case 4:
                UnsafeMutableRawPointer(dst).copyMemory(from: base + offset, byteCount: count * 4)
            case 2:
                HalfWidening.widen(base + offset, count: count, into: dst)
            default:
                preconditionFailure("MappedFile: element size \(elementSize) is not 2 or 4")
            }
        }
    }

    /// Reads `count` little-endian Int64 (`elementSize` 8) or Int32 (4) values at `offset`.
    public func integers(at offset: Int, count: Int, elementSize: Int) -> [Int64] {
        check(offset, count * elementSize)
        guard let base, count > 0 else { return [] }
        return (0..<count).map { i in
            elementSize == 8
                ? Int64(littleEndian: base.loadUnaligned(fromByteOffset: offset + i * 8, as: Int64.self))
                : Int64(Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset + i * 4, as: Int32.self)))
        }
    }

    /// A 64-bit FNV-1a hash of `count` bytes at `offset`: cheap first pass of exact-duplicate search.
    public func hash(at offset: Int, count: Int) -> UInt64 {
        check(offset, count)
        guard let base else { return RowHash.seed }
        return RowHash.hash(base + offset, count: count)
    }

    /// Whether `count` bytes at `a` equal `count` bytes at `b` (`other` may be this file).
    public func equalBytes(at a: Int, _ other: MappedFile, at b: Int, count: Int) -> Bool {
        check(a, count)
        other.check(b, count)
        guard let base, let otherBase = other.base else { return count == 0 }
        return memcmp(base + a, otherBase + b, count) == 0
    }
}
