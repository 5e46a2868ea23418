#ifndef SPOOL_IO_H
#define SPOOL_IO_H

#include <stdint.h>

/// Reserves disk blocks for the first `length` bytes of `fd` without changing its size
/// (fallocate with FALLOC_FL_KEEP_SIZE). Returns 0, or -1 with errno set (EOPNOTSUPP where unsupported).
int spool_reserve_keep_size(int fd, int64_t length);

/// Writes every dirty page and inode of the file system holding `fd` to the device (syncfs), so that many files
/// and directories made without their own fsync are durable at once. Returns 0, or -1 with errno set
/// (elsewhere than Linux: sync(), then 0).
int spool_sync_file_system(int fd);

/// Starts writing back the dirty pages of `length` bytes of `fd` from `offset` without waiting for them
/// (sync_file_range with SYNC_FILE_RANGE_WRITE), so that a later fsync has little left to do. Returns 0, or -1
/// with errno set (elsewhere than Linux: nothing is done, 0).
int spool_start_writeback(int fd, int64_t offset, int64_t length);

/// Adds `increment` to the calling thread's nice value (Linux schedules threads by their own niceness), so that a
/// background thread yields the CPU to the others under contention. Returns 0, or -1 with errno set (elsewhere than
/// Linux: nothing is done, 0).
int spool_lower_thread_priority(int increment);

/// Sets glibc's malloc thresholds (mallopt): allocations of at least `mmap_threshold` bytes are mapped on their
/// own, and free memory at a heap's top beyond `trim_threshold` bytes goes back to the kernel. Returns 1 when both
/// were applied, 0 otherwise (elsewhere than glibc: nothing is done, 0).
int spool_set_malloc_thresholds(int mmap_threshold, int trim_threshold);

#endif
