// Vector kernels for the postings reader, chosen at run time by what the CPU has.
// Only fixed-width integers cross this boundary; the intrinsics are included only in
// csimd.c.
#ifndef CSIMD_H
#define CSIMD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when `csimd_unpack` can be used (an x86-64 CPU with AVX2), else 0.
int32_t csimd_unpack_available(void);

/// Unpacks `groups` * 8 values (1...16 groups) of `width` bits (1...25) from the
/// little-endian bit stream at `packed` (value i in bits [i*width, (i+1)*width)) into `out`. With `running` 0, each
/// output is its value plus `start` (wrapping) and `start` is returned; with `running` 1,
/// each output is the low 32 bits of `start` plus the values up to and including it, and
/// that sum after the last value (64 bits) is returned. Reads up to 16 bytes past the
/// groups * width bytes of the block: the caller makes sure they exist. Only call when
/// `csimd_unpack_available()` is 1, with a width in 1...25 (the caller decides; there is no
/// fallback here).
uint64_t csimd_unpack(const uint8_t *packed, uint32_t *out, int32_t width, int32_t groups, int32_t running, uint64_t start);

/// For i in 0..<count: `acc[docs[i] - base] += idf * f * c1 / (f + factors[docs[i]])`
/// with f = freqs[i] as a double, each quotient evaluated in that order in IEEE double
/// precision (the same bits as the scalar expression; no fused operations), for the
/// offsets o = docs[i] - base whose bit (word o / 64, bit o % 64) is set in `mask`, or
/// for all when `mask` is NULL. Every `factors[docs[i]]` must be set and every offset in
/// range of `acc` (and `mask`); a document appears at most once.
void csimd_add_scores(const uint32_t *docs, const uint32_t *freqs, int32_t count, uint32_t base,
                      const double *factors, double idf, double c1, const uint64_t *mask, double *acc);

/// The first part of `CommonWords.Sequence.count(in:)` (`n` codes, 1...10, each
/// `words[i]` its code in all 11 five-bit fields of a word, `low` and `high` the fields'
/// low four bits and high bit) over the `count` bytes of `codes`: the matches starting
/// in the windows it went through, four windows at a time with AVX2, and in `position`
/// the position where the caller goes on (0, and nothing counted, without AVX2).
int64_t csimd_count_sequence(const uint8_t *codes, int64_t count, const uint64_t *words, int32_t n,
                             uint64_t low, uint64_t high, int64_t *position);

/// The number of bits set in `a[0..<count]`, or in `a[i] & b[i]` when `b` is not NULL
/// (with the CPU's POPCNT instruction where it has one).
int64_t csimd_popcount_words(const uint64_t *a, const uint64_t *b, int32_t count);

/// The largest of `idf * f * c1 / (f + factors[docs[i]])` for i in 0..<count, f =
/// freqs[i] as a double, each evaluated as `csimd_add_scores` does (the same bits as the
/// scalar expression); 0.0 for no postings, -1.0 when a `factors[docs[i]]` is not set
/// (NaN).
double csimd_best_score(const uint32_t *docs, const uint32_t *freqs, int32_t count, const double *factors,
                        double idf, double c1);

/// Sets bit `docs[i] - base` (word o / 64, bit o % 64) of `bits` for i in 0..<count:
/// documents increasing, every offset in range of `bits`. Eight documents at a time with
/// AVX2 while they fall in one word.
void csimd_set_bits(const uint32_t *docs, int32_t count, uint32_t base, uint64_t *bits);

/// How many of `values[0..<count]` are below `target` (signed compares): for increasing
/// values, the index of the first one at or above it. Eight at a time with AVX2.
int32_t csimd_count_below(const int32_t *values, int32_t count, int32_t target);

/// Tells the CPU that this thread is waiting in a loop (a hint; no effect on results).
static inline void csimd_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/// The number of processors the calling thread may run on (its affinity mask, as
/// `taskset` sets it); 0 when it cannot be read.
int32_t csimd_affinity_count(void);

/// Gives the processor to another thread that is ready to run, if any (`sched_yield`).
void csimd_yield(void);

/// Asks the CPU to bring the cache line holding `address` in (a hint: no fault, no
/// effect on results).
static inline void csimd_prefetch(const void *address) {
    __builtin_prefetch(address);
}

#ifdef __cplusplus
}
#endif

#endif
