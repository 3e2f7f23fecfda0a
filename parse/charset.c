/* charset.c - decode a document's bytes to clean UTF-8 (BOM, declaration, HTTP, iconv). */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* How far into the document a declaration is looked for: the XML
 * declaration must come first, and HTML5 asks for <meta charset> in the
 * first 1024 bytes. */
#define DECL_WINDOW 1024

/* Output sink: out->len never exceeds cap, and cap always keeps room for
 * the rest of the input copied byte for byte (see reserve()). */
struct sink {
    char *data;
    size_t len;
    size_t cap;
};

static void reserve(struct sink *o, size_t more)
{
    if (more <= o->cap - o->len)
        return;
    size_t cap = o->cap + o->cap / 2 + 64;
    if (cap < o->len + more)
        cap = o->len + more;
    o->data = xrealloc(o->data, cap + 1);
    o->cap = cap;
}

static const char replacement[3] = {'\xEF', '\xBF', '\xBD'};

/* 1: the byte may be copied as is (ASCII other than the controls XML
 * forbids); 0: look closer. */
static const unsigned char plain_ascii[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
#define R8(x) [x] = 1, [x + 1] = 1, [x + 2] = 1, [x + 3] = 1, \
              [x + 4] = 1, [x + 5] = 1, [x + 6] = 1, [x + 7] = 1
    R8(0x20), R8(0x28), R8(0x30), R8(0x38), R8(0x40), R8(0x48), R8(0x50),
    R8(0x58), R8(0x60), R8(0x68), R8(0x70), [0x78] = 1, [0x79] = 1,
    [0x7A] = 1, [0x7B] = 1, [0x7C] = 1, [0x7D] = 1, [0x7E] = 1, [0x7F] = 1,
#undef R8
};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s starts an
 * invalid one; *bad gets the bytes of its maximal invalid subpart (Unicode
 * 3.9), which become one U+FFFD. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;

    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;          /* overlong */
        else if (c == 0xED)
            hi = 0x9F;          /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;          /* overlong */
        else if (c == 0xF4)
            hi = 0x8F;          /* beyond U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    size_t i;
    for (i = 1; i <= need && i < n; i++) {
        if (s[i] < lo || s[i] > hi)
            break;
        lo = 0x80;
        hi = 0xBF;
    }
    if (i <= need) {
        *bad = i;
        return 0;
    }
    return need + 1;
}

/* Given m, a word of 8 bytes of input with bit 7 of each byte that is not
 * in 0x20..0x7F set (and maybe of some bytes after the first such), the
 * index of the first such byte in input order. (w - 0x20..20 borrows only
 * out of a byte below 0x20, itself flagged, so no byte before the first
 * flagged one is wrong.) */
static size_t first_flagged(uint64_t m)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(m) >> 3;
#else
    (void)m;
    return 0;               /* byte by byte from here */
#endif
}

/* Copy n bytes of (supposedly) UTF-8 to o in one pass: invalid sequences
 * become U+FFFD, the controls XML 1.0 forbids and the noncharacters
 * U+FFFE/U+FFFF are dropped. Returns the bytes replaced. */
static size_t clean_utf8(const char *in, size_t n, struct sink *o)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, replaced = 0;

    reserve(o, n);
    while (i < n) {
        size_t run = i;
        while (run < n) {
            if (run + 8 <= n) {
                /* 8 bytes at a time: those before the first byte outside
                 * 0x20..0x7F are copied as they are (Vietnamese text has
                 * short ASCII runs between its letters with marks) */
                uint64_t w;
                memcpy(&w, s + run, 8);
                uint64_t m = (w | (w - 0x2020202020202020ULL)) &
                             0x8080808080808080ULL;
                if (!m) {
                    run += 8;
                    continue;
                }
                run += first_flagged(m);
            }
            unsigned c = s[run];
            if (c < 0x80) {
                if (!plain_ascii[c])
                    break;
                run++;
            } else if (c >= 0xC2 && c <= 0xDF && run + 1 < n &&
                       (s[run + 1] & 0xC0) == 0x80) {
                run += 2;
            } else if (c >= 0xE1 && c <= 0xEC && run + 2 < n &&
                       (s[run + 1] & 0xC0) == 0x80 &&
                       (s[run + 2] & 0xC0) == 0x80) {
                /* Vietnamese letters with tone marks are U+1EA0..U+1EF9 */
                run += 3;
            } else {
                break;
            }
        }
        if (run > i) {
            memcpy(o->data + o->len, s + i, run - i);
            o->len += run - i;
            i = run;
            if (i == n)
                break;
        }
        if (s[i] < 0x80) {      /* a forbidden control: drop it */
            i++;
            continue;
        }
        size_t bad, len = utf8_seq(s + i, n - i, &bad);
        if (len == 0) {
            /* 3 bytes out for bad (>= 1) in: keep room for the rest */
            reserve(o, 3 + (n - i - bad));
            memcpy(o->data + o->len, replacement, 3);
            o->len += 3;
            i += bad;
            replaced += bad;
            continue;
        }
        if (len == 3 && s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE) {
            i += 3;             /* U+FFFE, U+FFFF */
            continue;
        }
        memcpy(o->data + o->len, s + i, len);
        o->len += len;
        i += len;
    }
    o->data[o->len] = '\0';
    return replaced;
}

/* ---- encoding names ---------------------------------------------------- */

enum enc {
    ENC_UTF8,
    ENC_UTF16LE,
    ENC_UTF16BE,
    ENC_UTF32LE,
    ENC_UTF32BE,
    ENC_ICONV,      /* any other name: handed to iconv */
};

struct alias {
    const char *label;   /* lower case, '_' and ' ' read as '-' */
    enum enc enc;
    const char *name;    /* the name reported and given to iconv */
};

/* Labels seen on Vietnamese sites and their glibc iconv names
 * (VIETNAMESE.md 1.3). ISO-8859-1 and US-ASCII are read as windows-1252,
 * as browsers do (WHATWG Encoding): servers that say latin1 send cp1252
 * quotes, and glibc's ISO-8859-1 would turn them into C1 controls. */
static const struct alias aliases[] = {
    {"utf-8", ENC_UTF8, "UTF-8"},
    {"utf8", ENC_UTF8, "UTF-8"},
    {"unicode-1-1-utf-8", ENC_UTF8, "UTF-8"},
    {"utf-16", ENC_UTF16LE, "UTF-16"},
    {"utf16", ENC_UTF16LE, "UTF-16"},
    {"ucs-2", ENC_UTF16LE, "UTF-16"},
    {"unicode", ENC_UTF16LE, "UTF-16"},
    {"utf-16le", ENC_UTF16LE, "UTF-16LE"},
    {"utf-16be", ENC_UTF16BE, "UTF-16BE"},
    {"utf-32", ENC_UTF32LE, "UTF-32"},
    {"utf-32le", ENC_UTF32LE, "UTF-32LE"},
    {"utf-32be", ENC_UTF32BE, "UTF-32BE"},
    {"us-ascii", ENC_ICONV, "windows-1252"},
    {"ascii", ENC_ICONV, "windows-1252"},
    {"iso-8859-1", ENC_ICONV, "windows-1252"},
    {"iso8859-1", ENC_ICONV, "windows-1252"},
    {"latin1", ENC_ICONV, "windows-1252"},
    {"l1", ENC_ICONV, "windows-1252"},
    {"windows-1252", ENC_ICONV, "windows-1252"},
    {"cp1252", ENC_ICONV, "windows-1252"},
    {"x-cp1252", ENC_ICONV, "windows-1252"},
    {"windows-1258", ENC_ICONV, "windows-1258"},
    {"cp1258", ENC_ICONV, "windows-1258"},
    {"x-cp1258", ENC_ICONV, "windows-1258"},
    {"tcvn", ENC_ICONV, "TCVN5712-1"},
    {"tcvn3", ENC_ICONV, "TCVN5712-1"},
    {"tcvn-3", ENC_ICONV, "TCVN5712-1"},
    {"tcvn5712-1", ENC_ICONV, "TCVN5712-1"},
    {"tcvn-5712", ENC_ICONV, "TCVN5712-1"},
    {"tcvn5712", ENC_ICONV, "TCVN5712-1"},
    {"vn3", ENC_ICONV, "TCVN5712-1"},
    {"x-viet-tcvn5712", ENC_ICONV, "TCVN5712-1"},
    {"viscii", ENC_ICONV, "VISCII"},
    {"x-viet-viscii", ENC_ICONV, "VISCII"},
    {"csviscii", ENC_ICONV, "VISCII"},
};

/* Normalize label (up to 39 bytes) into norm: lower case, '_'/' ' -> '-'. */
static void norm_label(const char *label, char *norm, size_t size)
{
    size_t i;
    for (i = 0; label[i] && i + 1 < size; i++) {
        char c = (char)TO_LOWER((unsigned char)label[i]);
        norm[i] = c == '_' || c == ' ' ? '-' : c;
    }
    norm[i] = '\0';
}

static const struct alias *find_alias(const char *label)
{
    char norm[40];
    norm_label(label, norm, sizeof norm);
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(norm, aliases[i].label) == 0)
            return &aliases[i];
    return NULL;
}

static int is_label_char(int c)
{
    return IS_ALPHA(c) || IS_DIGIT(c) || c == '-' || c == '_' || c == '.' ||
           c == ':' || c == '+';
}

/* Copy the label at p (within end) into label; returns its length, 0 if
 * there is none or it does not fit. */
static size_t take_label(const char *p, const char *end, char *label,
                         size_t size)
{
    size_t n = 0;
    while (p + n < end && is_label_char((unsigned char)p[n]))
        n++;
    if (n == 0 || n >= size)
        return 0;
    memcpy(label, p, n);
    label[n] = '\0';
    return n;
}

/* Find needle (lower-case ASCII) in s[0..n) ignoring ASCII case. */
static const char *find_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (TO_LOWER((unsigned char)s[i]) == (unsigned char)needle[0] &&
            ascii_ncasecmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* encoding="..." of an XML declaration at the start of s (leading
 * whitespace tolerated). */
static int xml_declared(const char *s, size_t n, char *label, size_t size)
{
    size_t i = 0;
    if (n > DECL_WINDOW)
        n = DECL_WINDOW;
    while (i < n && IS_SPACE(s[i]))
        i++;
    if (n - i < 6 || memcmp(s + i, "<?xml", 5) != 0 || !IS_SPACE(s[i + 5]))
        return 0;
    const char *decl = s + i, *end = memmem(decl, n - i, "?>", 2);
    if (!end)
        return 0;
    const char *p = memmem(decl, (size_t)(end - decl), "encoding", 8);
    if (!p)
        return 0;
    p += 8;
    while (p < end && IS_SPACE(*p))
        p++;
    if (p == end || *p++ != '=')
        return 0;
    while (p < end && IS_SPACE(*p))
        p++;
    if (p == end || (*p != '"' && *p != '\''))
        return 0;
    return take_label(p + 1, end, label, size) > 0;
}

/* charset of <meta charset=...> or <meta http-equiv content="...;
 * charset=..."> in the first DECL_WINDOW bytes. */
static int html_declared(const char *s, size_t n, char *label, size_t size)
{
    if (n > DECL_WINDOW)
        n = DECL_WINDOW;
    const char *end = s + n, *p = s;
    while ((p = find_ci(p, (size_t)(end - p), "<meta")) != NULL) {
        const char *tag_end = memchr(p, '>', (size_t)(end - p));
        if (!tag_end)
            return 0;
        const char *c = find_ci(p, (size_t)(tag_end - p), "charset");
        if (c) {
            c += 7;
            while (c < tag_end && IS_SPACE(*c))
                c++;
            if (c < tag_end && *c == '=') {
                c++;
                while (c < tag_end && (IS_SPACE(*c) || *c == '"' || *c == '\''))
                    c++;
                if (take_label(c, tag_end, label, size) > 0)
                    return 1;
            }
        }
        p = tag_end;
    }
    return 0;
}

/* ---- iconv ------------------------------------------------------------ */

/* Decode in[0..n) from name with iconv into o. Bytes that do not decode
 * become U+FFFD, unit bytes at a time (2 for UTF-16) so that the rest stays
 * aligned. Returns the bytes replaced, or (size_t)-1 when iconv does not
 * know the name. */
static size_t iconv_decode(const char *name, size_t unit, const char *in,
                           size_t n, struct sink *o)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return (size_t)-1;
    size_t replaced = 0;
    char *ip = (char *)in;
    size_t ileft = n;
    reserve(o, n + n / 2 + 16);
    for (;;) {
        char *op = o->data + o->len;
        size_t oleft = o->cap - o->len, r;
        if (ileft == 0) {
            /* flush the shift state: glibc's CP1258 and TCVN hold back a
             * letter that a following tone mark could combine with */
            r = iconv(cd, NULL, NULL, &op, &oleft);
            o->len = (size_t)(op - o->data);
            if (r == (size_t)-1 && errno == E2BIG) {
                reserve(o, 64);
                continue;
            }
            break;
        }
        r = iconv(cd, &ip, &ileft, &op, &oleft);
        o->len = (size_t)(op - o->data);
        if (r != (size_t)-1)
            continue;
        if (errno == E2BIG) {
            reserve(o, ileft * 2 + 64);
            continue;
        }
        /* EILSEQ; or EINVAL, an incomplete sequence at the very end */
        size_t skip = errno == EINVAL || unit > ileft ? ileft : unit;
        reserve(o, 3);
        memcpy(o->data + o->len, replacement, 3);
        o->len += 3;
        ip += skip;
        ileft -= skip;
        replaced += skip;
    }
    iconv_close(cd);
    o->data[o->len] = '\0';
    return replaced;
}

/* ---- the entry point -------------------------------------------------- */

static void set_name(struct charset_result *out, const char *name)
{
    snprintf(out->encoding, sizeof out->encoding, "%s", name);
}

/* Where the NULs of the first bytes say UTF-16 or UTF-32 without a BOM
 * (XML 1.0 appendix F: "<" "?" as 16- or 32-bit units). */
static enum enc guess_wide(const unsigned char *s, size_t n)
{
    if (n >= 4 && s[0] == '<' && !s[1] && !s[2] && !s[3])
        return ENC_UTF32LE;
    if (n >= 4 && !s[0] && !s[1] && !s[2] && s[3] == '<')
        return ENC_UTF32BE;
    if (n >= 2 && s[0] && !s[1])
        return ENC_UTF16LE;
    if (n >= 2 && !s[0] && s[1])
        return ENC_UTF16BE;
    return ENC_UTF8;
}

static const char *wide_name(enum enc e)
{
    switch (e) {
    case ENC_UTF16LE: return "UTF-16LE";
    case ENC_UTF16BE: return "UTF-16BE";
    case ENC_UTF32LE: return "UTF-32LE";
    case ENC_UTF32BE: return "UTF-32BE";
    default: return "UTF-8";
    }
}

int charset_to_utf8(const char *doc, size_t n, const char *http_charset,
                    int html, struct charset_result *out,
                    char *err, size_t errlen)
{
    const unsigned char *u = (const unsigned char *)doc;
    enum enc enc = ENC_UTF8;
    const char *iconv_name = NULL;
    size_t skip = 0;
    char label[40];

    if (errlen)
        err[0] = '\0';
    memset(out, 0, sizeof *out);

    /* 1. a byte order mark settles it */
    if (n >= 4 && u[0] == 0xFF && u[1] == 0xFE && !u[2] && !u[3]) {
        enc = ENC_UTF32LE, skip = 4;
    } else if (n >= 4 && !u[0] && !u[1] && u[2] == 0xFE && u[3] == 0xFF) {
        enc = ENC_UTF32BE, skip = 4;
    } else if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        enc = ENC_UTF8, skip = 3;
    } else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        enc = ENC_UTF16LE, skip = 2;
    } else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        enc = ENC_UTF16BE, skip = 2;
    } else {
        /* 2. the document's own declaration, 3. the HTTP charset */
        const char *declared = NULL;
        if (html ? html_declared(doc, n, label, sizeof label)
                 : xml_declared(doc, n, label, sizeof label))
            declared = label;
        else if (http_charset && *http_charset)
            declared = http_charset;
        int has_nul = memchr(doc, '\0', n < DECL_WINDOW ? n : DECL_WINDOW) != NULL;
        enum enc wide = has_nul ? guess_wide(u, n) : ENC_UTF8;
        if (wide != ENC_UTF8) {
            /* wide text without a BOM: its declaration could not even be
             * read above; the NULs tell the width and byte order */
            enc = wide;
        } else if (declared) {
            const struct alias *a = find_alias(declared);
            if (a && a->enc != ENC_ICONV) {
                /* "utf-16" on bytes without NULs is UTF-8 (vietnambiz) */
                enc = ENC_UTF8;
            } else if (a) {
                enc = ENC_ICONV;
                iconv_name = a->name;
            } else {
                enc = ENC_ICONV;
                iconv_name = declared;
            }
        }
    }

    struct sink o = {NULL, 0, 0};
    o.data = xmalloc(1);
    if (enc == ENC_UTF8) {
        set_name(out, "UTF-8");
        out->replaced = clean_utf8(doc + skip, n - skip, &o);
    } else {
        const char *name = enc == ENC_ICONV ? iconv_name : wide_name(enc);
        size_t unit = enc == ENC_UTF16LE || enc == ENC_UTF16BE ? 2
                      : enc == ENC_UTF32LE || enc == ENC_UTF32BE ? 4 : 1;
        struct sink raw = {xmalloc(1), 0, 0};
        size_t r = iconv_decode(name, unit, doc + skip, n - skip, &raw);
        if (r == (size_t)-1) {
            char shown[40];
            snprintf(shown, sizeof shown, "%s", name);
            for (char *p = shown; *p; p++)
                if (!is_label_char((unsigned char)*p))
                    *p = '?';
            snprintf(err, errlen, "unknown encoding '%s', read as UTF-8",
                     shown);
            set_name(out, "UTF-8");
            out->replaced = clean_utf8(doc + skip, n - skip, &o);
        } else {
            set_name(out, name);
            /* iconv's UTF-8 is valid; this pass drops the controls */
            clean_utf8(raw.data, raw.len, &o);
            out->replaced = r;
        }
        free(raw.data);
    }
    out->data = o.data;
    out->len = o.len;
    if (out->replaced && errlen && !err[0])
        snprintf(err, errlen, "%zu byte(s) not valid %s, replaced by U+FFFD",
                 out->replaced, out->encoding);
    return 0;
}
