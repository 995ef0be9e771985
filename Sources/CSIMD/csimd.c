// For sched_getaffinity and CPU_COUNT (before any system header).
#define _GNU_SOURCE
#include "csimd.h"
#pragma STDC FP_CONTRACT OFF

#include <string.h>
#include <sched.h>

#if defined(__x86_64__)
#include <immintrin.h>

// A block of 128 values of width w is 16 groups of 8 values, w bytes each (a shorter
// block has fewer groups). Value j of a group starts at bit j*w: its bits lie in the
// 32-bit word at byte (j*w)/8 shifted right by (j*w)%8, as long as w <= 25. The low four
// lanes take their words from the group's first 16 bytes, the high four from the 16
// bytes at byte (4*w)/8, so that one byte shuffle per 128-bit half (which cannot cross
// halves) gathers all eight words.
typedef struct {
    __m256i shuffle;   // per lane, the four bytes of its word
    __m256i shift;     // per lane, the bit offset of its value in the word
    __m256i mask;      // the low w bits
    int32_t high;      // where the high half's 16 bytes start in the group
} unpack_plan;

static unpack_plan plans[26];

__attribute__((target("avx2")))
static void make_plans(void) {
    for (int w = 1; w <= 25; w++) {
        uint8_t shuffle[32];
        uint32_t shift[8];
        int high = (4 * w) / 8;
        for (int j = 0; j < 8; j++) {
            int byte = (j * w) / 8 - (j < 4 ? 0 : high);
            for (int k = 0; k < 4; k++) shuffle[j * 4 + k] = (uint8_t)(byte + k);
            shift[j] = (uint32_t)((j * w) % 8);
        }
        memcpy(&plans[w].shuffle, shuffle, 32);
        memcpy(&plans[w].shift, shift, 32);
        plans[w].mask = _mm256_set1_epi32((int)((1u << w) - 1));
        plans[w].high = high;
    }
}

static int available = -1;
/// 1 when the CPU has POPCNT (set with `available`, when the library loads).
static int has_popcnt = 0;

__attribute__((constructor))
static void csimd_setup(void) {
    available = __builtin_cpu_supports("avx2") ? 1 : 0;
    has_popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
    if (available) make_plans();
}

__attribute__((target("avx2")))
static inline __m256i group_values(const uint8_t *group, const unpack_plan *plan) {
    __m128i low = _mm_loadu_si128((const __m128i *)group);
    __m128i high = _mm_loadu_si128((const __m128i *)(group + plan->high));
    __m256i bytes = _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
    __m256i words = _mm256_shuffle_epi8(bytes, plan->shuffle);
    return _mm256_and_si256(_mm256_srlv_epi32(words, plan->shift), plan->mask);
}

__attribute__((target("avx2")))
static uint64_t unpack_avx2(const uint8_t *packed, uint32_t *out, int32_t w, int32_t groups, int32_t running, uint64_t start) {
    const unpack_plan *plan = &plans[w];
    if (!running) {
        __m256i add = _mm256_set1_epi32((int)(uint32_t)start);
        for (int g = 0; g < groups; g++) {
            __m256i v = _mm256_add_epi32(group_values(packed + g * w, plan), add);
            _mm256_storeu_si256((__m256i *)(out + g * 8), v);
        }
        return start;
    }
    // Running sums: prefix sums within each half, the low half's total carried into the
    // high half, then the sum of the earlier groups added, kept in a register (its last
    // lane, broadcast) so that a group waits on the one before only for an add and a
    // permute. With w <= 25 the sum of at most 128 values is below 2^32: the sums are exact
    // in 32-bit lanes, and `start` is added after.
    const __m256i lastOfLow = _mm256_set1_epi32(3), last = _mm256_set1_epi32(7);
    const __m256i base = _mm256_set1_epi32((int)(uint32_t)start);
    __m256i before = _mm256_setzero_si256();
    for (int g = 0; g < groups; g++) {
        __m256i x = group_values(packed + g * w, plan);
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
        __m256i carry = _mm256_permutevar8x32_epi32(x, lastOfLow);
        x = _mm256_add_epi32(x, _mm256_blend_epi32(_mm256_setzero_si256(), carry, 0xF0));
        x = _mm256_add_epi32(x, before);
        before = _mm256_permutevar8x32_epi32(x, last);
        _mm256_storeu_si256((__m256i *)(out + g * 8), _mm256_add_epi32(x, base));
    }
    uint64_t sum = start + (uint32_t)_mm256_cvtsi256_si32(before);
    return sum;
}
#endif

int32_t csimd_unpack_available(void) {
#if defined(__x86_64__)
    if (available < 0) csimd_setup();
    return available;
#else
    return 0;
#endif
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void add_scores_avx2(const uint32_t *docs, const uint32_t *freqs, int32_t count, uint32_t base,
                            const double *factors, double idf, double c1, const uint64_t *mask, double *acc) {
    const __m256d vidf = _mm256_set1_pd(idf);
    const __m256d vc1 = _mm256_set1_pd(c1);
    int32_t i = 0;
    for (; i + 4 <= count; i += 4) {
        // Frequencies are below 2^31: the signed conversion is exact. (Four loads are
        // faster than a gather on the CPUs measured.)
        __m256d f = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(freqs + i)));
        __m256d k = _mm256_set_pd(factors[docs[i + 3]], factors[docs[i + 2]], factors[docs[i + 1]], factors[docs[i]]);
        __m256d s = _mm256_div_pd(_mm256_mul_pd(_mm256_mul_pd(vidf, f), vc1), _mm256_add_pd(f, k));
        if (mask != NULL) {
            // The quotients of documents outside `mask` become 0.0 (adding it leaves a
            // sum as it is): no branch on the bits.
            int64_t keep[4];
            for (int j = 0; j < 4; j++) {
                uint32_t o = docs[i + j] - base;
                keep[j] = -(int64_t)(mask[o >> 6] >> (o & 63) & 1);
            }
            s = _mm256_and_pd(s, _mm256_castsi256_pd(_mm256_loadu_si256((const __m256i *)keep)));
        }
        double out[4];
        _mm256_storeu_pd(out, s);
        acc[docs[i] - base] += out[0];
        acc[docs[i + 1] - base] += out[1];
        acc[docs[i + 2] - base] += out[2];
        acc[docs[i + 3] - base] += out[3];
    }
    for (; i < count; i++) {
        uint32_t o = docs[i] - base;
        if (mask != NULL && !(mask[o >> 6] >> (o & 63) & 1)) continue;
        double f = (double)freqs[i];
        acc[o] += idf * f * c1 / (f + factors[docs[i]]);
    }
}
#endif

void csimd_add_scores(const uint32_t *docs, const uint32_t *freqs, int32_t count, uint32_t base,
                      const double *factors, double idf, double c1, const uint64_t *mask, double *acc) {
#if defined(__x86_64__)
    if (available == 1) {
        add_scores_avx2(docs, freqs, count, base, factors, idf, c1, mask, acc);
        return;
    }
#endif
    for (int32_t i = 0; i < count; i++) {
        uint32_t o = docs[i] - base;
        if (mask != NULL && !(mask[o >> 6] >> (o & 63) & 1)) continue;
        double f = (double)freqs[i];
        acc[o] += idf * f * c1 / (f + factors[docs[i]]);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static int64_t count_sequence_avx2(const uint8_t *codes, int64_t count, const uint64_t *words, int32_t n,
                                   uint64_t low_fields, uint64_t high_fields, int64_t *position) {
    const int64_t step = 11 - n + 1;
    const int64_t positions = 8 * count / 5;
    const __m256i low = _mm256_set1_epi64x((long long)low_fields);
    const __m256i high = _mm256_set1_epi64x((long long)high_fields);
    const __m256i starts = _mm256_set1_epi64x((long long)((UINT64_C(1) << (5 * step)) - 1));
    int64_t found = 0;
    int64_t p = 0;
    // Four windows at a time, each 11 codes from its own position (step apart), while the
    // last one's eight bytes lie inside the codes.
    while (p + 3 * step <= positions - n && ((5 * (p + 3 * step)) >> 3) + 8 <= count) {
        int64_t b0 = 5 * p, b1 = 5 * (p + step), b2 = 5 * (p + 2 * step), b3 = 5 * (p + 3 * step);
        uint64_t w0, w1, w2, w3;
        memcpy(&w0, codes + (b0 >> 3), 8);
        memcpy(&w1, codes + (b1 >> 3), 8);
        memcpy(&w2, codes + (b2 >> 3), 8);
        memcpy(&w3, codes + (b3 >> 3), 8);
        __m256i x = _mm256_set_epi64x((long long)w3, (long long)w2, (long long)w1, (long long)w0);
        x = _mm256_srlv_epi64(x, _mm256_set_epi64x(b3 & 7, b2 & 7, b1 & 7, b0 & 7));
        __m256i match = starts;
        for (int32_t i = 0; i < n; i++) {
            __m256i t = _mm256_xor_si256(x, _mm256_set1_epi64x((long long)words[i]));
            __m256i nonzero = _mm256_and_si256(_mm256_or_si256(_mm256_add_epi64(_mm256_and_si256(t, low), low), t), high);
            match = _mm256_and_si256(match, _mm256_srl_epi64(_mm256_andnot_si256(nonzero, high), _mm_cvtsi32_si128(5 * i + 4)));
        }
        if (!_mm256_testz_si256(match, match)) {
            uint64_t lanes[4];
            _mm256_storeu_si256((__m256i *)lanes, match);
            found += __builtin_popcountll(lanes[0]) + __builtin_popcountll(lanes[1])
                   + __builtin_popcountll(lanes[2]) + __builtin_popcountll(lanes[3]);
        }
        p += 4 * step;
    }
    *position = p;
    return found;
}
#endif

int64_t csimd_count_sequence(const uint8_t *codes, int64_t count, const uint64_t *words, int32_t n,
                             uint64_t low, uint64_t high, int64_t *position) {
#if defined(__x86_64__)
    if (available == 1 && n >= 1 && n < 11) return count_sequence_avx2(codes, count, words, n, low, high, position);
#endif
    (void)codes; (void)count; (void)words; (void)n; (void)low; (void)high;
    *position = 0;
    return 0;
}

#if defined(__x86_64__)
__attribute__((target("popcnt")))
static int64_t popcount_words_hw(const uint64_t *a, const uint64_t *b, int32_t count) {
    int64_t n = 0;
    if (b == NULL) {
        for (int32_t i = 0; i < count; i++) n += __builtin_popcountll(a[i]);
    } else {
        for (int32_t i = 0; i < count; i++) n += __builtin_popcountll(a[i] & b[i]);
    }
    return n;
}
#endif

int64_t csimd_popcount_words(const uint64_t *a, const uint64_t *b, int32_t count) {
#if defined(__x86_64__)
    if (has_popcnt == 1) return popcount_words_hw(a, b, count);
#endif
    int64_t n = 0;
    for (int32_t i = 0; i < count; i++) n += __builtin_popcountll(b == NULL ? a[i] : a[i] & b[i]);
    return n;
}

/// `csimd_best_score` over postings `from..<count`, one at a time, starting from `best`.
static double best_score_scalar(const uint32_t *docs, const uint32_t *freqs, int32_t from, int32_t count,
                                const double *factors, double idf, double c1, double best) {
    for (int32_t i = from; i < count; i++) {
        double k = factors[docs[i]];
        if (k != k) return -1.0;
        double f = (double)freqs[i];
        double s = idf * f * c1 / (f + k);
        if (s > best) best = s;
    }
    return best;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static double best_score_avx2(const uint32_t *docs, const uint32_t *freqs, int32_t count, const double *factors,
                              double idf, double c1) {
    const __m256d vidf = _mm256_set1_pd(idf);
    const __m256d vc1 = _mm256_set1_pd(c1);
    __m256d best = _mm256_setzero_pd();
    __m256d unset = _mm256_setzero_pd();
    int32_t i = 0;
    for (; i + 4 <= count; i += 4) {
        __m256d f = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(freqs + i)));
        __m256d k = _mm256_set_pd(factors[docs[i + 3]], factors[docs[i + 2]], factors[docs[i + 1]], factors[docs[i]]);
        unset = _mm256_or_pd(unset, _mm256_cmp_pd(k, k, _CMP_UNORD_Q));
        best = _mm256_max_pd(best, _mm256_div_pd(_mm256_mul_pd(_mm256_mul_pd(vidf, f), vc1), _mm256_add_pd(f, k)));
    }
    if (_mm256_movemask_pd(unset) != 0) return -1.0;
    double lanes[4];
    _mm256_storeu_pd(lanes, best);
    double b = lanes[0];
    for (int j = 1; j < 4; j++) if (lanes[j] > b) b = lanes[j];
    return best_score_scalar(docs, freqs, i, count, factors, idf, c1, b);
}
#endif

double csimd_best_score(const uint32_t *docs, const uint32_t *freqs, int32_t count, const double *factors,
                        double idf, double c1) {
#if defined(__x86_64__)
    if (available == 1) return best_score_avx2(docs, freqs, count, factors, idf, c1);
#endif
    return best_score_scalar(docs, freqs, 0, count, factors, idf, c1, 0.0);
}

/// `csimd_set_bits` one document at a time, the bits of a word gathered in `*pending`.
static inline void set_bits_one(uint32_t offset, uint64_t *bits, uint64_t *word, uint64_t *pending) {
    if ((offset >> 6) != *word) {
        bits[*word] |= *pending;
        *word = offset >> 6;
        *pending = 0;
    }
    *pending |= UINT64_C(1) << (offset & 63);
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void set_bits_avx2(const uint32_t *docs, int32_t count, uint32_t base, uint64_t *bits) {
    uint64_t word = (docs[0] - base) >> 6, pending = 0;
    const __m256i vbase = _mm256_set1_epi32((int)base);
    const __m256i low6 = _mm256_set1_epi64x(63);
    const __m256i one = _mm256_set1_epi64x(1);
    int32_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint32_t first = docs[i] - base, last = docs[i + 7] - base;
        if ((first >> 6) != (last >> 6)) {
            for (int j = 0; j < 8; j++) set_bits_one(docs[i + j] - base, bits, &word, &pending);
            continue;
        }
        // Eight documents in one 64-bit word: their bits made in two vectors of four.
        if ((first >> 6) != word) {
            bits[word] |= pending;
            word = first >> 6;
            pending = 0;
        }
        __m256i d = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(docs + i)), vbase);
        __m256i lo = _mm256_and_si256(_mm256_cvtepu32_epi64(_mm256_castsi256_si128(d)), low6);
        __m256i hi = _mm256_and_si256(_mm256_cvtepu32_epi64(_mm256_extracti128_si256(d, 1)), low6);
        __m256i m = _mm256_or_si256(_mm256_sllv_epi64(one, lo), _mm256_sllv_epi64(one, hi));
        __m128i x = _mm_or_si128(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
        x = _mm_or_si128(x, _mm_unpackhi_epi64(x, x));
        pending |= (uint64_t)_mm_cvtsi128_si64(x);
    }
    for (; i < count; i++) set_bits_one(docs[i] - base, bits, &word, &pending);
    bits[word] |= pending;
}
#endif

void csimd_set_bits(const uint32_t *docs, int32_t count, uint32_t base, uint64_t *bits) {
    if (count <= 0) return;
#if defined(__x86_64__)
    if (available == 1) {
        set_bits_avx2(docs, count, base, bits);
        return;
    }
#endif
    uint64_t word = (docs[0] - base) >> 6, pending = 0;
    for (int32_t i = 0; i < count; i++) set_bits_one(docs[i] - base, bits, &word, &pending);
    bits[word] |= pending;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static int32_t count_below_avx2(const int32_t *values, int32_t count, int32_t target) {
    const __m256i t = _mm256_set1_epi32(target);
    // A compare gives -1 per value below: subtracting it counts, two sums in turn so
    // that no add waits on the one before.
    __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256();
    int32_t i = 0;
    for (; i + 16 <= count; i += 16) {
        even = _mm256_sub_epi32(even, _mm256_cmpgt_epi32(t, _mm256_loadu_si256((const __m256i *)(values + i))));
        odd = _mm256_sub_epi32(odd, _mm256_cmpgt_epi32(t, _mm256_loadu_si256((const __m256i *)(values + i + 8))));
    }
    if (i + 8 <= count) {
        even = _mm256_sub_epi32(even, _mm256_cmpgt_epi32(t, _mm256_loadu_si256((const __m256i *)(values + i))));
        i += 8;
    }
    __m256i sum = _mm256_add_epi32(even, odd);
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    int32_t n = _mm_cvtsi128_si32(s);
    for (; i < count; i++) n += values[i] < target;
    return n;
}
#endif

int32_t csimd_count_below(const int32_t *values, int32_t count, int32_t target) {
#if defined(__x86_64__)
    if (available == 1) return count_below_avx2(values, count, target);
#endif
    int32_t n = 0;
    for (int32_t i = 0; i < count; i++) n += values[i] < target;
    return n;
}

uint64_t csimd_unpack(const uint8_t *packed, uint32_t *out, int32_t width, int32_t groups, int32_t running, uint64_t start) {
#if defined(__x86_64__)
    return unpack_avx2(packed, out, width, groups, running, start);
#else
    // Never called: `csimd_unpack_available` is 0 here.
    (void)packed; (void)out; (void)width; (void)groups; (void)running;
    return start;
#endif
}

int32_t csimd_affinity_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return (int32_t)CPU_COUNT(&set);
#else
    return 0;
#endif
}

void csimd_yield(void) {
    sched_yield();
}
