// CRC32C kernels. The hardware path uses the SSE4.2 crc32 instruction through a function-level
// target attribute, so the package needs no special compiler flags; a runtime CPU check picks it.
// On long inputs three independent streams run interleaved (the instruction has a latency of three
// cycles but a throughput of one), and their registers are joined with precomputed "append N zero
// bytes" operators, which are linear maps over GF(2) stored as four 256-entry tables.
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t slice_table[8][256];
static uint32_t long_shift[4][256];
static uint32_t short_shift[4][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int hardware = 0;

// Multiplies the 32x32 GF(2) matrix `mat` (one column per input bit) by `vec`.
static uint32_t matrix_times(const uint32_t *mat, uint32_t vec) {
    uint32_t sum = 0;
    for (int i = 0; vec != 0; i++, vec >>= 1) {
        if (vec & 1) sum ^= mat[i];
    }
    return sum;
}

// out = a after b (apply b first). `out` may not alias the inputs.
static void matrix_compose(uint32_t *out, const uint32_t *a, const uint32_t *b) {
    for (int i = 0; i < 32; i++) out[i] = matrix_times(a, b[i]);
}

// Builds the operator that advances a CRC register over `len` zero bytes, as byte tables.
static void build_shift_tables(uint32_t tables[4][256], size_t len) {
    uint32_t bit[32], byte[32], tmp[32], result[32];
    bit[0] = POLY;  // one zero bit: shift right, fold the polynomial in when the low bit was set
    for (int i = 1; i < 32; i++) bit[i] = 1u << (i - 1);
    memcpy(byte, bit, sizeof byte);
    for (int i = 0; i < 3; i++) {  // 2, 4, then 8 zero bits
        matrix_compose(tmp, byte, byte);
        memcpy(byte, tmp, sizeof byte);
    }
    for (int i = 0; i < 32; i++) result[i] = 1u << i;  // identity
    while (len != 0) {
        if (len & 1) {
            matrix_compose(tmp, byte, result);
            memcpy(result, tmp, sizeof result);
        }
        len >>= 1;
        if (len != 0) {
            matrix_compose(tmp, byte, byte);
            memcpy(byte, tmp, sizeof byte);
        }
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) tables[k][b] = matrix_times(result, b << (8 * k));
    }
}

static inline uint32_t shift(uint32_t tables[4][256], uint32_t crc) {
    return tables[0][crc & 0xff] ^ tables[1][(crc >> 8) & 0xff] ^ tables[2][(crc >> 16) & 0xff] ^
           tables[3][crc >> 24];
}

static void init_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ POLY : crc >> 1;
        slice_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = slice_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = slice_table[0][crc & 0xff] ^ (crc >> 8);
            slice_table[k][n] = crc;
        }
    }
    build_shift_tables(long_shift, LONG_BLOCK);
    build_shift_tables(short_shift, SHORT_BLOCK);
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    hardware = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

static inline uint64_t load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t portable(uint32_t crc, const unsigned char *p, size_t len) {
    while (len != 0 && ((uintptr_t)p & 7) != 0) {
        crc = slice_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t word = load64(p) ^ crc;  // little-endian hosts only (x86_64, aarch64)
        crc = slice_table[7][word & 0xff] ^ slice_table[6][(word >> 8) & 0xff] ^
              slice_table[5][(word >> 16) & 0xff] ^ slice_table[4][(word >> 24) & 0xff] ^
              slice_table[3][(word >> 32) & 0xff] ^ slice_table[2][(word >> 40) & 0xff] ^
              slice_table[1][(word >> 48) & 0xff] ^ slice_table[0][word >> 56];
        p += 8;
        len -= 8;
    }
    while (len != 0) {
        crc = slice_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    return crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

// Three streams over blocks of `block` bytes each, joined with the matching shift operator.
#define INTERLEAVE(block, tables)                                                   \
    while (len >= 3 * (block)) {                                                    \
        uint64_t c0 = crc, c1 = 0, c2 = 0;                                          \
        const unsigned char *end = p + (block);                                     \
        do {                                                                        \
            c0 = _mm_crc32_u64(c0, load64(p));                                      \
            c1 = _mm_crc32_u64(c1, load64(p + (block)));                            \
            c2 = _mm_crc32_u64(c2, load64(p + 2 * (block)));                        \
            p += 8;                                                                 \
        } while (p < end);                                                          \
        crc = shift(tables, (uint32_t)c0) ^ (uint32_t)c1;                           \
        crc = shift(tables, crc) ^ (uint32_t)c2;                                    \
        p += 2 * (block);                                                           \
        len -= 3 * (block);                                                         \
    }

__attribute__((target("sse4.2"))) static uint32_t hardware_crc(uint32_t crc, const unsigned char *p,
                                                                 size_t len) {
    while (len != 0 && ((uintptr_t)p & 7) != 0) {
        crc = _mm_crc32_u8(crc, *p++);
        len--;
    }
    INTERLEAVE(LONG_BLOCK, long_shift)
    INTERLEAVE(SHORT_BLOCK, short_shift)
    uint64_t c = crc;
    while (len >= 8) {
        c = _mm_crc32_u64(c, load64(p));
        p += 8;
        len -= 8;
    }
    crc = (uint32_t)c;
    while (len != 0) {
        crc = _mm_crc32_u8(crc, *p++);
        len--;
    }
    return crc;
}
#endif

uint32_t spool_crc32c(uint32_t crc, const void *buf, size_t len) {
    pthread_once(&tables_once, init_tables);
#if defined(__x86_64__)
    if (hardware) return ~hardware_crc(~crc, (const unsigned char *)buf, len);
#endif
    return ~portable(~crc, (const unsigned char *)buf, len);
}

uint32_t spool_crc32c_portable(uint32_t crc, const void *buf, size_t len) {
    pthread_once(&tables_once, init_tables);
    return ~portable(~crc, (const unsigned char *)buf, len);
}

int spool_crc32c_hardware_available(void) {
    pthread_once(&tables_once, init_tables);
    return hardware;
}
