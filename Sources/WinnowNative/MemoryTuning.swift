import CBLAS

/// Process-wide allocator settings for the selection loop: for processes that run chunk tasks
/// (workers, and commands that select in their own process), never for a coordinator that only
/// hands tasks out. A coordinator's large blocks are held once and freed (merge unions, the
/// selection's evaluation); with these settings their pages would stay resident to the end, which
/// took the 10M run's coordinator past 1 GiB.
public enum MemoryTuning {
    /// Every chunk allocates and frees a similarity block of up to 256 MiB. glibc serves blocks that
    /// large with a fresh `mmap` each time, so the kernel zeroes 65,536 new pages per chunk (~15% of
    /// a worker's CPU, and memory bandwidth that the other workers on the machine share). Keeping
    /// large blocks on the heap, and freed memory there, reuses the same pages chunk after chunk.
    /// One arena: a worker runs each task on a thread of its own, and glibc's per-thread arenas
    /// cannot hold a 256 MiB block, so they would fall back to `mmap` (measured: 38% slower).
    public static func reuseLargeBlocks() {
        _ = mallopt(M_ARENA_MAX, 1)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    }
}
