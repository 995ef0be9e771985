#include "czlib.h"
#include <zlib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

// MARK: CRC-32C

#define CRC32C_REFLECTED 0x82F63B78u

// table[k][b]: the CRC of byte b followed by k zero bytes, for slicing by 8.
static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_table_once = PTHREAD_ONCE_INIT;

static void crc32c_make_table(void) {
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int i = 0; i < 8; i++) c = (c >> 1) ^ (CRC32C_REFLECTED & (0u - (c & 1)));
        crc32c_table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = crc32c_table[0][b];
        for (int k = 1; k < 8; k++) {
            c = (c >> 8) ^ crc32c_table[0][c & 0xFF];
            crc32c_table[k][b] = c;
        }
    }
}

uint32_t czlib_crc32c_portable(uint32_t crc, const uint8_t *p, size_t n) {
    pthread_once(&crc32c_table_once, crc32c_make_table);
    uint32_t c = ~crc;
    while (n > 0 && ((uintptr_t)p & 7) != 0) {
        c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xFF];
        n--;
    }
    while (n >= 8) {
        // Little-endian assembly, whatever the host's byte order.
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        lo ^= c;
        c = crc32c_table[7][lo & 0xFF] ^ crc32c_table[6][(lo >> 8) & 0xFF] ^
            crc32c_table[5][(lo >> 16) & 0xFF] ^ crc32c_table[4][lo >> 24] ^
            crc32c_table[3][hi & 0xFF] ^ crc32c_table[2][(hi >> 8) & 0xFF] ^
            crc32c_table[1][(hi >> 16) & 0xFF] ^ crc32c_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xFF];
        n--;
    }
    return ~c;
}

#if defined(__x86_64__)
// One `crc32` instruction per 8 bytes: its 3-cycle latency gives about 8 bytes per
// 3 cycles, far more than the writer and readers need, so the streams are not interleaved.
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t c = ~crc;
    while (n > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8(c, *p++);
        n--;
    }
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c64 = _mm_crc32_u64(c64, word);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n > 0) {
        c = _mm_crc32_u8(c, *p++);
        n--;
    }
    return ~c;
}
#endif

int32_t czlib_crc32c_hardware_available(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    return 0;
#endif
}

uint32_t czlib_crc32c(uint32_t crc, const uint8_t *bytes, size_t length) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return crc32c_sse42(crc, bytes, length);
#endif
    return czlib_crc32c_portable(crc, bytes, length);
}

// MARK: DEFLATE

struct czlib_deflater {
    z_stream stream;
};

czlib_deflater *czlib_deflater_create(int32_t level, int32_t window_bits, int32_t mem_level) {
    czlib_deflater *d = calloc(1, sizeof *d);
    if (d == NULL) return NULL;
    if (deflateInit2(&d->stream, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(d);
        return NULL;
    }
    return d;
}

void czlib_deflater_destroy(czlib_deflater *d) {
    if (d == NULL) return;
    deflateEnd(&d->stream);
    free(d);
}

size_t czlib_deflater_bound(czlib_deflater *d, size_t length) {
    return (size_t)deflateBound(&d->stream, (uLong)length);
}

int64_t czlib_deflater_compress(czlib_deflater *d, const uint8_t *source, size_t length,
                                const uint8_t *dictionary, size_t dictionary_length,
                                uint8_t *destination, size_t capacity) {
    z_stream *s = &d->stream;
    if (deflateReset(s) != Z_OK) return -1;
    if (dictionary_length > 0) {
        if (dictionary_length > (uInt)-1) return -1;
        if (deflateSetDictionary(s, dictionary, (uInt)dictionary_length) != Z_OK) return -1;
    }
    // zlib counts in uInt: feed and drain in pieces when a buffer is larger than that.
    const uInt most = (uInt)-1;
    s->next_in = (Bytef *)source;
    s->avail_in = 0;
    s->next_out = destination;
    s->avail_out = 0;
    size_t inLeft = length;
    size_t outLeft = capacity;
    int rc;
    do {
        if (s->avail_in == 0) {
            s->avail_in = inLeft > most ? most : (uInt)inLeft;
            inLeft -= s->avail_in;
        }
        if (s->avail_out == 0) {
            if (outLeft == 0) return -1;
            s->avail_out = outLeft > most ? most : (uInt)outLeft;
            outLeft -= s->avail_out;
        }
        rc = deflate(s, inLeft > 0 ? Z_NO_FLUSH : Z_FINISH);
    } while (rc == Z_OK || rc == Z_BUF_ERROR);
    if (rc != Z_STREAM_END) return -1;
    return (int64_t)(capacity - outLeft - s->avail_out);
}

int64_t czlib_uncompress(const uint8_t *source, size_t length, uint8_t *destination, size_t expected) {
    uLongf out = (uLongf)expected;
    int rc = uncompress(destination, &out, source, (uLong)length);
    return (rc == Z_OK && out == expected) ? (int64_t)out : -1;
}

struct czlib_inflater {
    z_stream stream;
};

czlib_inflater *czlib_inflater_create(void) {
    czlib_inflater *d = calloc(1, sizeof *d);
    if (d == NULL) return NULL;
    if (inflateInit2(&d->stream, -15) != Z_OK) {
        free(d);
        return NULL;
    }
    return d;
}

void czlib_inflater_destroy(czlib_inflater *d) {
    if (d == NULL) return;
    inflateEnd(&d->stream);
    free(d);
}

/* Inflates the next `wanted` bytes of the stream into `destination`, of which
   `remaining` are left: with all of them asked for, the stream must end right after;
   with fewer, the output fills up and the stream goes on past it. */
static int64_t inflate_step(z_stream *s, uint8_t *destination, size_t wanted, size_t remaining) {
    s->next_out = destination;
    s->avail_out = (uInt)wanted;
    int rc = inflate(s, wanted == remaining ? Z_FINISH : Z_SYNC_FLUSH);
    int64_t produced = (int64_t)(wanted - s->avail_out);
    if (wanted == remaining) return (rc == Z_STREAM_END && produced == (int64_t)remaining) ? produced : -1;
    return (produced == (int64_t)wanted && (rc == Z_OK || rc == Z_BUF_ERROR)) ? produced : -1;
}

int64_t czlib_inflater_run(czlib_inflater *d, const uint8_t *source, size_t length,
                           const uint8_t *dictionary, size_t dictionary_length,
                           uint8_t *destination, size_t wanted, size_t expected) {
    if (length > (uInt)-1 || wanted > (uInt)-1 || dictionary_length > (uInt)-1 || wanted > expected) return -1;
    z_stream *s = &d->stream;
    if (inflateReset(s) != Z_OK) return -1;
    if (dictionary_length > 0 && inflateSetDictionary(s, dictionary, (uInt)dictionary_length) != Z_OK) return -1;
    s->next_in = (Bytef *)source;
    s->avail_in = (uInt)length;
    return inflate_step(s, destination, wanted, expected);
}
