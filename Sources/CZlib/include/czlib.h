// A thin shim over the system zlib (DEFLATE for stored text) and CRC-32C for file
// checksums. Only fixed-width integers and opaque structs cross this boundary;
// zlib.h and the SSE4.2 intrinsics are included only in czlib.c.
#ifndef CZLIB_H
#define CZLIB_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32C (Castagnoli: polynomial 0x1EDC6F41, bit-reflected 0x82F63B78, initial and
/// final XOR 0xFFFFFFFF) of `length` bytes, continuing from `crc` (start with 0):
/// "123456789" gives 0xE3069283. Uses the SSE4.2 `crc32` instruction when the CPU has
/// it, else `czlib_crc32c_portable`; both give the same result.
uint32_t czlib_crc32c(uint32_t crc, const uint8_t *bytes, size_t length);

/// The table-driven CRC-32C (slicing by 8 bytes) used when the CPU has no CRC-32C
/// instruction; the same result as `czlib_crc32c`.
uint32_t czlib_crc32c_portable(uint32_t crc, const uint8_t *bytes, size_t length);

/// 1 when `czlib_crc32c` uses the CPU's CRC-32C instruction, else 0.
int32_t czlib_crc32c_hardware_available(void);

/// A reusable DEFLATE compressor (zlib format): one `z_stream` set up once and reset
/// between inputs, so compressing many small buffers costs no allocation or table set-up
/// per buffer. Not thread-safe; one per thread.
typedef struct czlib_deflater czlib_deflater;

/// A compressor at `level` (1-9) with zlib's `windowBits` (9-15) and `memLevel` (1-9),
/// or NULL when zlib refuses them or memory runs out. The corresponding zlib function is `deflateInit2`.
czlib_deflater *czlib_deflater_create(int32_t level, int32_t window_bits, int32_t mem_level);

/// Frees `deflater` (NULL is ignored). The corresponding zlib function is `deflateEnd`.
void czlib_deflater_destroy(czlib_deflater *deflater);

/// An upper bound of the compressed size of `length` bytes with these parameters.
/// The corresponding zlib function is `deflateBound`.
size_t czlib_deflater_bound(czlib_deflater *deflater, size_t length);

/// Compresses all of `source` as one complete zlib stream into `destination`, with
/// the preset `dictionary` when `dictionary_length` > 0; returns the compressed length,
/// or -1 when it does not fit in `capacity` or zlib fails. The corresponding zlib
/// functions are `deflateReset`, `deflateSetDictionary` and `deflate` with `Z_FINISH`.
int64_t czlib_deflater_compress(czlib_deflater *deflater, const uint8_t *source, size_t length,
                                const uint8_t *dictionary, size_t dictionary_length,
                                uint8_t *destination, size_t capacity);

/// Decompresses exactly `expected` bytes of a zlib stream into `destination`; returns the
/// length produced, or -1 when the data is damaged. The corresponding zlib function is
/// `uncompress`.
int64_t czlib_uncompress(const uint8_t *source, size_t length, uint8_t *destination, size_t expected);

/// A reusable raw DEFLATE decompressor: one zlib stream, reset between documents. The
/// index reads stored text with its own inflater; this one is zlib's, to compare with
/// (tests, benchmarks). Not thread-safe.
typedef struct czlib_inflater czlib_inflater;

/// A raw DEFLATE decompressor, or NULL when zlib cannot allocate one.
czlib_inflater *czlib_inflater_create(void);

void czlib_inflater_destroy(czlib_inflater *inflater);

/// Decompresses the raw DEFLATE `source` (compressed with the preset `dictionary`,
/// `dictionary_length` 0: none) into `destination`. With `wanted` equal to `expected`
/// (the text's whole length), exactly `expected` bytes and then the end of the stream
/// must come; with `wanted` smaller, only the first `wanted` bytes are produced (the
/// rest of the stream is not read). Returns the length produced, or -1 when the data
/// is damaged. The corresponding zlib functions are `inflateReset`,
/// `inflateSetDictionary` and `inflate`.
int64_t czlib_inflater_run(czlib_inflater *inflater, const uint8_t *source, size_t length,
                           const uint8_t *dictionary, size_t dictionary_length,
                           uint8_t *destination, size_t wanted, size_t expected);

#ifdef __cplusplus
}
#endif

#endif
