#include "czlib.h"
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

uint32_t czlib_crc32(uint32_t crc, const uint8_t *bytes, size_t length) {
    return (uint32_t)crc32_z(crc, bytes, length);
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
                                uint8_t *destination, size_t capacity) {
    z_stream *s = &d->stream;
    if (deflateReset(s) != Z_OK) return -1;
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
