/// FNV-1a over 8-byte words, then the tail bytes: an unkeyed hash for finding equal rows. Every user
/// compares the rows' bytes after a hash matches, so a collision costs one comparison, never a wrong
/// answer; and a row of d values costs d / 2 multiplications, where `Hasher` (SipHash) takes a round
/// per 4-byte value, more than the rest of a chunk's statistics together.
public enum RowHash {
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash of `count` bytes at `base`.
    static func hash(_ base: UnsafeRawPointer, count: Int) -> UInt64 {
        var h = seed
        var i = 0
        while i + 8 <= count {
            h = (h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* prime
            i += 8
        }
        while i < count {
            h = (h ^ UInt64(base.load(fromByteOffset: i, as: UInt8.self))) &* prime
            i += 1
        }
        return h
    }

    /// The hash of the bit patterns of `count` values of `values` from `offset`: equal rows (bit for
    /// bit) hash equal.
    public static func hash(_ values: [Float], offset: Int, count: Int) -> UInt64 {
        precondition(offset >= 0 && count >= 0 && offset + count <= values.count, "RowHash: row outside the array")
        guard count > 0 else { return seed }
        return values.withUnsafeBytes { hash($0.baseAddress! + offset * MemoryLayout<Float>.stride, count: count * MemoryLayout<Float>.stride) }
    }
}
