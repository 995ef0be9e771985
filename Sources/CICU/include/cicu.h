// A thin, stable-named C shim over the system ICU (libicu-dev).
//
// This header deliberately includes no ICU header: ICU's own headers must never
// reach a Swift module that also imports Foundation (Foundation carries its own
// ICU headers, and clean builds then fail with "'UErrorCode' has different
// definitions in different modules"). Only opaque structs and fixed-width
// integers cross this boundary. Debian's ICU renames every C function with a
// version suffix (`ubrk_open` becomes `ubrk_open_72`); that renaming happens
// inside `cicu.c`, so nothing on the Swift side depends on the suffix.
//
// Error codes are ICU `UErrorCode` values passed as int32_t: 0 is success,
// negative values are warnings (not failures), positive values are failures.
#ifndef CICU_H
#define CICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An ICU break iterator (`UBreakIterator`).
typedef struct cicu_break_iterator cicu_break_iterator;
/// An ICU normalizer instance (`UNormalizer2`), owned by ICU; never freed.
typedef struct cicu_normalizer cicu_normalizer;

// MARK: Errors and version

/// The symbolic name of an ICU error code. The corresponding ICU function is `u_errorName`.
const char *cicu_error_name(int32_t error);
/// Writes the ICU version ("72.1") into `buffer` (at least 20 bytes). The corresponding ICU function is `u_getVersion`.
void cicu_version(char *buffer, int32_t capacity);
/// The Unicode version ICU implements ("15.0"). The corresponding ICU function is `u_getUnicodeVersion`.
void cicu_unicode_version(char *buffer, int32_t capacity);

// MARK: Word break

/// Opens a word break iterator for `locale`. The corresponding ICU function is `ubrk_open(UBRK_WORD, …)`.
cicu_break_iterator *cicu_word_break_open(const char *locale, int32_t *error);
/// The corresponding ICU function is `ubrk_close`.
void cicu_break_close(cicu_break_iterator *iterator);
/// Points the iterator at `text` (UTF-16, not copied: it must outlive the iteration).
/// The corresponding ICU function is `ubrk_setText`.
void cicu_break_set_text(cicu_break_iterator *iterator, const uint16_t *text, int32_t length, int32_t *error);
/// Fills `starts`/`ends` with up to `capacity` word segments (rule status outside
/// `[UBRK_WORD_NONE, UBRK_WORD_NONE_LIMIT)`), continuing from where the previous
/// call stopped; `*skipped` counts nothing (reserved). Returns the number written;
/// 0 means the text is exhausted. The corresponding ICU functions are `ubrk_first`,
/// `ubrk_next` and `ubrk_getRuleStatus`.
int32_t cicu_break_next_words(cicu_break_iterator *iterator, int32_t *starts, int32_t *ends, int32_t capacity);

/// Moves to the first boundary after `offset` (to the text's start when `offset` < 0) and
/// returns it, or -1 at the end. The corresponding ICU functions are `ubrk_following`
/// and `ubrk_first`.
int32_t cicu_break_following(cicu_break_iterator *iterator, int32_t offset);

/// Moves to the next boundary and returns it (-1 at the end); `*kept` is 1 when the
/// segment that ends there is a word kept by SPEC step 2 (rule status not in
/// `[UBRK_WORD_NONE, UBRK_WORD_NONE_LIMIT)`), else 0. The corresponding ICU functions are
/// `ubrk_next` and `ubrk_getRuleStatus`.
int32_t cicu_break_next_boundary(cicu_break_iterator *iterator, int32_t *kept);

// MARK: Normalization

/// NFKC_Casefold. The corresponding ICU function is `unorm2_getNFKCCasefoldInstance`.
const cicu_normalizer *cicu_nfkc_casefold(int32_t *error);
/// The corresponding ICU function is `unorm2_getNFDInstance`.
const cicu_normalizer *cicu_nfd(int32_t *error);
/// The corresponding ICU function is `unorm2_getNFCInstance`.
const cicu_normalizer *cicu_nfc(int32_t *error);
/// Length of the prefix of `text` that is already normalized. The corresponding ICU function is `unorm2_spanQuickCheckYes`.
int32_t cicu_normalized_prefix_length(const cicu_normalizer *normalizer, const uint16_t *text, int32_t length, int32_t *error);
/// Normalizes `source` into `destination`; returns the full length needed (which may exceed
/// `capacity`, then `*error` is U_BUFFER_OVERFLOW_ERROR). The corresponding ICU function is `unorm2_normalize`.
int32_t cicu_normalize(const cicu_normalizer *normalizer, const uint16_t *source, int32_t length,
                       uint16_t *destination, int32_t capacity, int32_t *error);

// MARK: Character properties

/// 1 when the code point's general category is Mn (nonspacing mark). The corresponding ICU function is `u_charType`.
int32_t cicu_is_nonspacing_mark(int32_t codePoint);

// MARK: Conversion

/// UTF-8 to UTF-16. Returns the UTF-16 length needed; a malformed sequence makes `*error`
/// U_INVALID_CHAR_FOUND. The corresponding ICU function is `u_strFromUTF8`.
int32_t cicu_utf8_to_utf16(const char *source, int32_t length, uint16_t *destination, int32_t capacity, int32_t *error);
/// Guesses the charset of `bytes`; writes its name (e.g. "windows-1252") into `name`.
/// Returns the confidence (0-100). The corresponding ICU functions are `ucsdet_open`,
/// `ucsdet_setText`, `ucsdet_detect`, `ucsdet_getName` and `ucsdet_getConfidence`.
int32_t cicu_detect_charset(const char *bytes, int32_t length, char *name, int32_t capacity, int32_t *error);
/// Converts `source` in `charset` to UTF-16; returns the length needed. The corresponding
/// ICU function is `ucnv_toUChars`.
int32_t cicu_convert_to_utf16(const char *charset, const char *source, int32_t length,
                              uint16_t *destination, int32_t capacity, int32_t *error);

/// Asks the CPU to start loading the cache line at `address` (a hint: no fault, no
/// effect on results). The analyzer uses it to fetch the cache slot of a token a few
/// tokens ahead. Not an ICU function: `__builtin_prefetch`, inlined into Swift.
static inline void cicu_prefetch(const void *address) { __builtin_prefetch(address); }

#ifdef __cplusplus
}
#endif

#endif
