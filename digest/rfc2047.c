/* rfc2047.c - header text as RFC 2047 "B" encoded-words (libetpan has none). */
#include "mail.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "util/buf.h"
#include "util/util.h"

/* Text bytes per encoded-word: 36 bytes are 48 base64 characters, a
 * 60-character word with "=?UTF-8?B?" and "?=", so even the first word
 * fits on the "Subject: " line under the 76 of RFC 2047 section 2 and the
 * 78 of RFC 5322 2.1.1 (LIBS.md 1.2). 36 is a multiple of 3: no padding
 * inside a run of words. */
#define WORD_TEXT_BYTES 36
/* An ASCII word longer than this is encoded, because the header writer
 * can fold only at spaces and a line must stay under 78 characters. */
#define ASCII_WORD_MAX 70

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode one code point of valid or invalid UTF-8: returns the bytes it
 * takes (>= 1) and sets *cp, -1 for an invalid sequence (one byte). */
static size_t next_cp(const char *s, size_t n, int32_t *cp)
{
    utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                          (utf8proc_ssize_t)n, cp);
    if (l <= 0) {
        *cp = -1;
        return 1;
    }
    return (size_t)l;
}

/* Controls and line/paragraph separators end header lines in some
 * readers; as spaces they can neither inject a header nor break one. */
static int is_break(int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_ZL ||
           c == UTF8PROC_CATEGORY_ZP;
}

static int is_mark(int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
           c == UTF8PROC_CATEGORY_ME;
}

/* The text with breaks as single spaces, trimmed, invalid bytes as
 * U+FFFD: valid UTF-8 from here on. */
static void clean(const char *s, struct buf *out)
{
    size_t n = strlen(s), i = 0;
    int space = 0;
    while (i < n) {
        int32_t cp;
        size_t l = next_cp(s + i, n - i, &cp);
        if (cp == ' ' || (cp >= 0 && is_break(cp))) {
            space = out->len > 0;
        } else {
            if (space)
                buf_addc(out, ' ');
            space = 0;
            if (cp < 0)
                buf_add(out, "\xEF\xBF\xBD", 3);
            else
                buf_add(out, s + i, l);
        }
        i += l;
    }
}

/* RFC 5322 3.2.3 specials: with any of them a display name would need
 * quoting, and encoded-words are not allowed inside quotes. */
static int plain_ascii(const char *s)
{
    size_t word = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c > 0x7e || strchr("()<>[]:;@\\,.\"", c))
            return 0;
        if (c == '=' && p[1] == '?')
            return 0;
        word = c == ' ' ? 0 : word + 1;
        if (word > ASCII_WORD_MAX)
            return 0;
    }
    return 1;
}

static void add_word(struct buf *out, const unsigned char *p, size_t n)
{
    char q[4];
    if (out->len)
        buf_addc(out, ' ');
    buf_addstr(out, "=?UTF-8?B?");
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = b64[v >> 18];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        buf_add(out, q, 4);
    }
    buf_addstr(out, "?=");
}

char *mail_encode_header(const char *utf8)
{
    struct buf text, out;
    buf_init(&text, SIZE_MAX / 4);
    clean(utf8 ? utf8 : "", &text);
    if (plain_ascii(text.data))
        return text.data;
    buf_init(&out, SIZE_MAX / 4);
    const char *s = text.data;
    size_t n = text.len, start = 0;
    while (start < n) {
        /* Greedy up to WORD_TEXT_BYTES, then back to the last place that
         * is not before a combining mark: a mark split from its letter
         * renders badly (VIETNAMESE.md 6). NFC input has none anyway. */
        size_t end = start, good = 0;
        while (end < n) {
            int32_t cp;
            size_t l = next_cp(s + end, n - end, &cp);
            if (end > start && !is_mark(cp))
                good = end;
            if (end - start + l > WORD_TEXT_BYTES)
                break;
            end += l;
        }
        if (end < n && good)
            end = good;
        add_word(&out, (const unsigned char *)s + start, end - start);
        start = end;
    }
    buf_release(&text);
    return out.data;
}
