#include "czlib.h"
#include <zlib.h>

uint32_t czlib_crc32(uint32_t crc, const uint8_t *bytes, size_t length) {
    return (uint32_t)crc32_z(crc, bytes, length);
}

size_t czlib_compress_bound(size_t length) { return (size_t)compressBound((uLong)length); }

int64_t czlib_compress(const uint8_t *source, size_t length, uint8_t *destination, size_t capacity, int32_t level) {
    uLongf out = (uLongf)capacity;
    int rc = compress2(destination, &out, source, (uLong)length, level);
    return rc == Z_OK ? (int64_t)out : -1;
}

int64_t czlib_uncompress(const uint8_t *source, size_t length, uint8_t *destination, size_t expected) {
    uLongf out = (uLongf)expected;
    int rc = uncompress(destination, &out, source, (uLong)length);
    return (rc == Z_OK && out == expected) ? (int64_t)out : -1;
}
