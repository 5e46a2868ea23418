import CSpoolIO

/// glibc's allocator settings for the broker process, applied once at `spool serve` start-up, before the broker
/// opens.
///
/// By default glibc maps every allocation of 128 KiB or more with its own `mmap` (raised, after the first such
/// free, only to the size freed) and gives the top of a heap back to the kernel once more than twice that is
/// free. A producer sending 1 MiB batches then makes each request frame's buffer come back from the kernel as
/// fresh pages: 256 page faults and 1 MiB of zeroing per request, 15 % of the broker's CPU at 1 KiB records
/// with acks=all (perf, docs/performance.md). With these settings frames of up to 32 MiB come from the heap and up
/// to 64 MiB free at a heap's top stays for the next frames, so each frame reuses pages that are already mapped.
///
/// What it costs in memory: a heap's top is kept only after it was in use, so the process may stay up to 64 MiB
/// per malloc arena above what it holds after a burst (glibc makes at most eight arenas per core), as README.md's
/// memory bound says.
enum AllocatorTuning {
    /// Allocations at least this large are mapped on their own (glibc's largest dynamic threshold, 32 MiB).
    static let mmapThresholdBytes: Int32 = 32 * 1024 * 1024
    /// Free bytes at a heap's top beyond which glibc gives them back to the kernel.
    static let trimThresholdBytes: Int32 = 64 * 1024 * 1024

    /// Applies the settings; returns false where they could not be (not glibc, or glibc refused a value).
    @discardableResult
    static func apply() -> Bool {
        spool_set_malloc_thresholds(mmapThresholdBytes, trimThresholdBytes) == 1
    }
}
