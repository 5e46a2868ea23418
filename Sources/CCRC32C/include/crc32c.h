#ifndef SPOOL_CRC32C_H
#define SPOOL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) as Kafka's record batches use it.
/// `crc` is a previous result (0 to start); the usual pre- and post-inversion are applied, so
/// spool_crc32c(0, "123456789", 9) == 0xE3069283. Uses SSE4.2 when the CPU has it. Thread-safe.
uint32_t spool_crc32c(uint32_t crc, const void *buf, size_t len);

/// The portable slicing-by-8 path, whatever the CPU. Thread-safe.
uint32_t spool_crc32c_portable(uint32_t crc, const void *buf, size_t len);

/// 1 when spool_crc32c uses the SSE4.2 instruction, 0 otherwise.
int spool_crc32c_hardware_available(void);

#endif
