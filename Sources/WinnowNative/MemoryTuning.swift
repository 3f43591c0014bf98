import CBLAS

/// Process-wide allocator settings for the selection loop.
public enum MemoryTuning {
    /// Every chunk allocates and frees a similarity block of up to 256 MiB. glibc serves blocks that
    /// large with a fresh `mmap` each time, so the kernel zeroes 65,536 new pages per chunk (~15% of
    /// a worker's CPU, and memory bandwidth that the other workers on the machine share). Keeping
    /// large blocks on the heap, and freed memory there, reuses the same pages chunk after chunk.
    public static func reuseLargeBlocks() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }
}
