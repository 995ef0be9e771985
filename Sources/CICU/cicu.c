// The only file that includes ICU's headers (see cicu.h for why).
#include "cicu.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

const char *cicu_error_name(int32_t error) { return u_errorName((UErrorCode)error); }

void cicu_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(info);
    u_versionToString(info, text);
    strncpy(buffer, text, (size_t)capacity - 1);
    buffer[capacity - 1] = 0;
}

void cicu_unicode_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_getUnicodeVersion(info);
    u_versionToString(info, text);
    strncpy(buffer, text, (size_t)capacity - 1);
    buffer[capacity - 1] = 0;
}

cicu_break_iterator *cicu_word_break_open(const char *locale, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    *error = (int32_t)status;
    return (cicu_break_iterator *)it;
}

void cicu_break_close(cicu_break_iterator *iterator) {
    if (iterator) ubrk_close((UBreakIterator *)iterator);
}

void cicu_break_set_text(cicu_break_iterator *iterator, const uint16_t *text, int32_t length, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText((UBreakIterator *)iterator, (const UChar *)text, length, &status);
    *error = (int32_t)status;
}

int32_t cicu_break_next_words(cicu_break_iterator *iterator, int32_t *starts, int32_t *ends, int32_t capacity) {
    UBreakIterator *it = (UBreakIterator *)iterator;
    int32_t count = 0;
    int32_t start = ubrk_current(it);
    while (count < capacity) {
        int32_t end = ubrk_next(it);
        if (end == UBRK_DONE) break;
        int32_t rule = ubrk_getRuleStatus(it);
        if (!(rule >= UBRK_WORD_NONE && rule < UBRK_WORD_NONE_LIMIT)) {
            starts[count] = start;
            ends[count] = end;
            count++;
        }
        start = end;
    }
    return count;
}

int32_t cicu_break_following(cicu_break_iterator *iterator, int32_t offset) {
    UBreakIterator *it = (UBreakIterator *)iterator;
    int32_t b = offset < 0 ? ubrk_first(it) : ubrk_following(it, offset);
    return b == UBRK_DONE ? -1 : b;
}

int32_t cicu_break_next_boundary(cicu_break_iterator *iterator, int32_t *kept) {
    UBreakIterator *it = (UBreakIterator *)iterator;
    int32_t end = ubrk_next(it);
    if (end == UBRK_DONE) return -1;
    int32_t rule = ubrk_getRuleStatus(it);
    *kept = (rule >= UBRK_WORD_NONE && rule < UBRK_WORD_NONE_LIMIT) ? 0 : 1;
    return end;
}

const cicu_normalizer *cicu_nfkc_casefold(int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFKCCasefoldInstance(&status);
    *error = (int32_t)status;
    return (const cicu_normalizer *)n;
}

const cicu_normalizer *cicu_nfd(int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFDInstance(&status);
    *error = (int32_t)status;
    return (const cicu_normalizer *)n;
}

const cicu_normalizer *cicu_nfc(int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFCInstance(&status);
    *error = (int32_t)status;
    return (const cicu_normalizer *)n;
}

int32_t cicu_normalized_prefix_length(const cicu_normalizer *normalizer, const uint16_t *text, int32_t length, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = unorm2_spanQuickCheckYes((const UNormalizer2 *)normalizer, (const UChar *)text, length, &status);
    *error = (int32_t)status;
    return n;
}

int32_t cicu_normalize(const cicu_normalizer *normalizer, const uint16_t *source, int32_t length,
                       uint16_t *destination, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = unorm2_normalize((const UNormalizer2 *)normalizer, (const UChar *)source, length,
                                 (UChar *)destination, capacity, &status);
    *error = (int32_t)status;
    return n;
}

int32_t cicu_is_nonspacing_mark(int32_t codePoint) {
    return u_charType(codePoint) == U_NON_SPACING_MARK ? 1 : 0;
}

int32_t cicu_utf8_to_utf16(const char *source, int32_t length, uint16_t *destination, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = 0;
    u_strFromUTF8((UChar *)destination, capacity, &needed, source, length, &status);
    *error = (int32_t)status;
    return needed;
}

int32_t cicu_detect_charset(const char *bytes, int32_t length, char *name, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t confidence = 0;
    name[0] = 0;
    UCharsetDetector *detector = ucsdet_open(&status);
    if (U_SUCCESS(status)) {
        ucsdet_setText(detector, bytes, length, &status);
        const UCharsetMatch *match = ucsdet_detect(detector, &status);
        if (U_SUCCESS(status) && match) {
            const char *found = ucsdet_getName(match, &status);
            confidence = ucsdet_getConfidence(match, &status);
            if (U_SUCCESS(status) && found) {
                strncpy(name, found, (size_t)capacity - 1);
                name[capacity - 1] = 0;
            }
        } else if (U_SUCCESS(status)) {
            status = U_INVALID_CHAR_FOUND;
        }
        ucsdet_close(detector);
    }
    *error = (int32_t)status;
    return confidence;
}

int32_t cicu_convert_to_utf16(const char *charset, const char *source, int32_t length,
                              uint16_t *destination, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UConverter *converter = ucnv_open(charset, &status);
    int32_t n = 0;
    if (U_SUCCESS(status)) {
        n = ucnv_toUChars(converter, (UChar *)destination, capacity, source, length, &status);
        ucnv_close(converter);
    }
    *error = (int32_t)status;
    return n;
}
