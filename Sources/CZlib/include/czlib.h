// A thin shim over the system zlib: raw DEFLATE for stored text, and CRC-32 for
// file checksums. Only fixed-width integers cross this boundary; zlib.h is
// included only in czlib.c.
#ifndef CZLIB_H
#define CZLIB_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32 (ISO-HDLC, as in zip/gzip) of `length` bytes, continuing from `crc`
/// (start with 0). The corresponding zlib function is `crc32_z`.
uint32_t czlib_crc32(uint32_t crc, const uint8_t *bytes, size_t length);

/// An upper bound of the compressed size of `length` bytes. The corresponding zlib function is `compressBound`.
size_t czlib_compress_bound(size_t length);

/// Compresses `source` (zlib format) at `level` (1-9) into `destination`; returns the
/// compressed length, or -1 on failure. The corresponding zlib function is `compress2`.
int64_t czlib_compress(const uint8_t *source, size_t length, uint8_t *destination, size_t capacity, int32_t level);

/// Decompresses exactly `expected` bytes into `destination`; returns the length
/// produced, or -1 when the data is damaged. The corresponding zlib function is `uncompress`.
int64_t czlib_uncompress(const uint8_t *source, size_t length, uint8_t *destination, size_t expected);

#ifdef __cplusplus
}
#endif

#endif
