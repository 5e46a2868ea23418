#ifndef SPOOL_IO_H
#define SPOOL_IO_H

#include <stdint.h>

/// Reserves disk blocks for the first `length` bytes of `fd` without changing its size
/// (fallocate with FALLOC_FL_KEEP_SIZE). Returns 0, or -1 with errno set (EOPNOTSUPP where unsupported).
int spool_reserve_keep_size(int fd, int64_t length);

#endif
