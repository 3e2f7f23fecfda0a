/* text.c - plain text from HTML fragments, NFC, and tone-proof match keys. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <utf8proc.h>

#include "util/util.h"

#define REPLACEMENT 0xFFFDu

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decode the code point at s[0..n), n >= 1. Invalid input yields U+FFFD
 * for each maximal invalid subpart (Unicode 15, 3.9 "U+FFFD substitution
 * of maximal subparts"), the way browsers and iconv //TRANSLIT count them.
 * *len gets the bytes consumed (>= 1). */
static inline uint32_t utf8_decode(const unsigned char *s, size_t n,
                                   size_t *len)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xBF;
    uint32_t cp;
    size_t need, i;

    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;          /* overlong */
        else if (c == 0xED)
            hi = 0x9F;          /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;          /* overlong */
        else if (c == 0xF4)
            hi = 0x8F;          /* > U+10FFFF */
    } else {
        *len = 1;
        return REPLACEMENT;
    }
    for (i = 1; i <= need && i < n; i++) {
        unsigned b = s[i];
        if (b < lo || b > hi)
            break;
        lo = 0x80;
        hi = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (i <= need) {
        *len = i;
        return REPLACEMENT;
    }
    *len = need + 1;
    return cp;
}

/* Write cp (a scalar value) as UTF-8 at o; returns the bytes written. */
static inline size_t utf8_encode(uint32_t cp, char *o)
{
    unsigned char *u = (unsigned char *)o;

    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t text_utf8_cut(const char *s, size_t n, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i;

    if (n <= max)
        return n;
    /* u[max] is the first byte left out: back up while it continues the
     * character that straddles the cut. A well-formed character has at
     * most 3 continuation bytes; past that the input is garbage and any
     * cut is as good as another. */
    for (i = max; i > 0 && max - i < 4 && (u[i] & 0xC0) == 0x80; i--)
        ;
    if ((u[i] & 0xC0) == 0x80)
        return max;
    return i;
}

/* ---- NFC quick check -------------------------------------------------- */

/* Whether a text made only of code points for which this returns 1 is
 * already NFC. True for the blocks Vietnamese lives in (Latin up to U+02FF,
 * the precomposed letters U+1E00-1EFF, general punctuation); elsewhere for
 * starters that take no part in any composition and have no canonical
 * decomposition. Anything else (combining marks, Hangul jamo, singletons)
 * sends the text through utf8proc. tests/unit/test_text.c checks text_nfc,
 * which relies on this, against utf8proc over every assigned code point. */
static inline int nfc_safe(uint32_t cp)
{
    const utf8proc_property_t *p;

    if (cp < 0x300 || (cp >= 0x1E00 && cp < 0x1F00)
        || (cp >= 0x2010 && cp < 0x20D0) || cp == REPLACEMENT)
        return 1;
    if (cp >= 0x1100 && cp < 0x1200)
        return 0;   /* conjoining jamo compose algorithmically */
    if (cp >= 0xAC00 && cp <= 0xD7A3)
        return 0;   /* an LV syllable composes with a following T jamo */
    p = utf8proc_get_property((utf8proc_int32_t)cp);
    return p->combining_class == 0 && p->comb_index == UINT16_MAX
        && p->decomp_seqindex == UINT16_MAX;
}

/* NFC of the valid UTF-8 in *s (len bytes, malloc'd): replaces *s and
 * returns the new length. On a utf8proc error (none expected for valid
 * input) the text is left as it is. */
static size_t nfc_inplace(char **s, size_t len)
{
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t m;

    m = utf8proc_map((const utf8proc_uint8_t *)*s, (utf8proc_ssize_t)len, &r,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (m < 0) {
        free(r);
        return len;
    }
    free(*s);
    *s = (char *)r;
    return (size_t)m;
}

/* ---- Entities --------------------------------------------------------- */

/* HTML5 reads numeric references 0x80-0x9F as windows-1252, because that
 * is what pages written on Windows meant by them. 0 marks the five holes,
 * which stay C1 controls (and are then dropped by text_clean). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static uint32_t numeric_ref(uint32_t v)
{
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return REPLACEMENT;
    if (v >= 0x80 && v <= 0x9F && cp1252_c1[v - 0x80])
        return cp1252_c1[v - 0x80];
    return v;
}

/* htmlEntityLookup compares the name with each of its 253 entries in
 * turn; with feeds that spell every Vietnamese letter as an entity
 * (&ocirc; &aacute; ...) that was a third of text_clean's time. A small
 * memo of libxml2's own answers, keyed by a hash of the name, makes the
 * repeated names one compare. The entries point into libxml2's static
 * table. Not thread-safe, like the rest of bantin's single-threaded run. */
static const htmlEntityDesc *entity_lookup(const char *name, size_t k)
{
    static const htmlEntityDesc *memo[256];
    const htmlEntityDesc *e;
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < k; i++)
        h = (h ^ (unsigned char)name[i]) * 16777619u;
    h ^= h >> 16;
    e = memo[h & 255];
    if (e != NULL && strcmp((const char *)e->name, name) == 0)
        return e;
    e = htmlEntityLookup((const xmlChar *)name);
    if (e != NULL)
        memo[h & 255] = e;
    return e;
}

/* s[0] is '&'. If s starts a complete character reference ("&name;",
 * "&#242;", "&#x1EC7;", the ';' required) returns its length and sets
 * *cp; otherwise returns 0 and the '&' is literal text. */
static size_t entity_ref(const unsigned char *s, size_t n, uint32_t *cp)
{
    const htmlEntityDesc *e;
    char name[33];
    size_t i = 1, k = 0;

    if (i < n && s[i] == '#') {
        uint32_t v = 0;
        int hex = 0;
        size_t start;

        i++;
        if (i < n && (s[i] | 32) == 'x') {
            hex = 1;
            i++;
        }
        for (start = i; i < n; i++) {
            unsigned d = s[i], dv;
            if (IS_DIGIT(d))
                dv = d - '0';
            else if (hex && (d | 32) >= 'a' && (d | 32) <= 'f')
                dv = (d | 32) - 'a' + 10;
            else
                break;
            if (v <= 0x10FFFF)  /* saturate: stays above the range */
                v = v * (hex ? 16 : 10) + dv;
        }
        if (i == start || i >= n || s[i] != ';')
            return 0;
        *cp = numeric_ref(v);
        return i + 1;
    }
    /* The longest HTML 4 name is "thetasym"; 32 is plenty. */
    while (i < n && k < sizeof name - 1 && (IS_ALPHA(s[i]) || IS_DIGIT(s[i])))
        name[k++] = (char)s[i++];
    if (k == 0 || i >= n || s[i] != ';')
        return 0;
    name[k] = '\0';
    /* htmlEntityLookup scans its 253 names linearly: serve the frequent
     * ones first. &apos; is XML and HTML5, not HTML 4, but feeds use it. */
    if (k <= 4 && (!strcmp(name, "amp") || !strcmp(name, "lt")
                   || !strcmp(name, "gt") || !strcmp(name, "quot")
                   || !strcmp(name, "apos") || !strcmp(name, "nbsp"))) {
        switch (name[0]) {
        case 'a': *cp = name[1] == 'm' ? '&' : '\''; break;
        case 'l': *cp = '<'; break;
        case 'g': *cp = '>'; break;
        case 'q': *cp = '"'; break;
        default: *cp = 0xA0; break;
        }
        return i + 1;
    }
    e = entity_lookup(name, k);
    if (e == NULL)
        return 0;
    *cp = e->value;
    return i + 1;
}

char *text_decode_entities(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    /* A reference is never shorter than its UTF-8 ("&#0;" -> U+FFFD is
     * 4 -> 3 bytes, "&lt;" 4 -> 1), so n bytes always suffice. */
    char *out = xmalloc(n + 1), *o = out;

    while (p < end) {
        const unsigned char *amp = memchr(p, '&', (size_t)(end - p));
        uint32_t cp;
        size_t k;

        if (amp == NULL) {
            memcpy(o, p, (size_t)(end - p));
            o += end - p;
            break;
        }
        memcpy(o, p, (size_t)(amp - p));
        o += amp - p;
        k = entity_ref(amp, (size_t)(end - amp), &cp);
        if (k == 0) {
            *o++ = '&';
            p = amp + 1;
        } else {
            o += utf8_encode(cp, o);
            p = amp + k;
        }
    }
    *o = '\0';
    return out;
}

/* ---- Tags ------------------------------------------------------------- */

/* Elements that separate words when rendered: they become a space. A
 * switch, because descriptions are mostly tags (VnExpress: <a><img></a>
 * </br> before every summary) and strcmp over a list showed in profiles. */
static int is_block(const char *nm, size_t k)
{
#define IS(lit) (k == sizeof(lit) - 1 && memcmp(nm, lit, k) == 0)
    switch (nm[0]) {
    case 'a': return IS("address") || IS("article") || IS("aside");
    case 'b': return IS("br") || IS("blockquote");
    case 'c': return IS("caption");
    case 'd': return IS("div") || IS("dd") || IS("dl") || IS("dt");
    case 'f': return IS("figcaption") || IS("figure") || IS("footer");
    case 'h': return (k == 2 && nm[1] >= '1' && nm[1] <= '6') || IS("hr")
                     || IS("header");
    case 'l': return IS("li");
    case 'm': return IS("main");
    case 'n': return IS("nav");
    case 'o': return IS("ol");
    case 'p': return IS("p") || IS("pre");
    case 's': return IS("section");
    case 't': return IS("td") || IS("tr") || IS("th") || IS("table")
                     || IS("tbody") || IS("thead") || IS("tfoot");
    case 'u': return IS("ul");
    default: return 0;
    }
#undef IS
}

static const unsigned char *find_str(const unsigned char *p,
                                     const unsigned char *end,
                                     const char *needle)
{
    size_t k = strlen(needle);

    while ((size_t)(end - p) >= k) {
        const unsigned char *q = memchr(p, needle[0], (size_t)(end - p - k + 1));
        if (q == NULL)
            return NULL;
        if (memcmp(q, needle, k) == 0)
            return q;
        p = q + 1;
    }
    return NULL;
}

/* What one text_clean call has learnt about the rest of its input, so
 * that no '<' scans the same bytes again: hostile text such as 10 MB of
 * "<a<a<a" (no '>') must stay linear. */
struct scan {
    const unsigned char *end;
    const unsigned char *nogt;  /* no '>' at or after this */
};

static const unsigned char *find_gt(struct scan *sc, const unsigned char *p)
{
    const unsigned char *q;

    if (p >= sc->nogt)
        return NULL;
    q = memchr(p, '>', (size_t)(sc->end - p));
    if (q == NULL)
        sc->nogt = p;
    return q;
}

/* The '>' that closes the tag whose name ends at p. A '>' inside a quoted
 * attribute value (<a title="a > b">) does not count; as in HTML, a tag
 * whose quotes hide every '>' runs to the end (returns sc->end). Returns
 * NULL when there is no '>' at all. Every byte this walks is consumed by
 * the caller unless it returns NULL, which find_gt answers in O(1) the
 * second time. */
static const unsigned char *tag_end(struct scan *sc, const unsigned char *p)
{
    const unsigned char *q = p, *end = sc->end;
    int after_eq = 0;

    if (find_gt(sc, p) == NULL)
        return NULL;
    while (q < end) {
        unsigned c = *q;
        if (c == '>')
            return q;
        if ((c == '"' || c == '\'') && after_eq) {
            q = memchr(q + 1, (int)c, (size_t)(end - q - 1));
            if (q == NULL)
                return end;
            q++;
            after_eq = 0;
            continue;
        }
        if (c == '=')
            after_eq = 1;
        else if (!IS_SPACE(c))
            after_eq = 0;
        q++;
    }
    return end;
}

/* p[0] is '<'. If it starts markup, returns the bytes to skip (the tag,
 * comment, or a whole <script>/<style> element) and sets *block when it
 * separates words; returns 0 when the '<' is literal text ("a < b", or no
 * '>' anywhere after it). */
static size_t html_markup(const unsigned char *p, struct scan *sc,
                          int *block)
{
    const unsigned char *end = sc->end, *q, *gt;
    size_t n = (size_t)(end - p);
    char name[16];
    size_t i = 1, k = 0;
    int closing = 0, toolong = 0;

    *block = 0;
    if (n < 2)
        return 0;
    if (p[1] == '!' && n >= 4 && p[2] == '-' && p[3] == '-') {
        /* An unterminated comment runs to the end, as in HTML. */
        q = find_str(p + 4, end, "-->");
        return q ? (size_t)(q + 3 - p) : n;
    }
    if (p[1] == '!' || p[1] == '?'
        || (p[1] == '/' && (n < 3 || !IS_ALPHA(p[2])))) {
        /* <!DOCTYPE>, <?xml?>, "</ >": skipped to the first '>'. */
        gt = find_gt(sc, p + 2);
        return gt ? (size_t)(gt + 1 - p) : 0;
    }
    if (p[1] == '/') {
        closing = 1;
        i = 2;
    } else if (!IS_ALPHA(p[1])) {
        return 0;
    }
    for (; i < n && (IS_ALPHA(p[i]) || IS_DIGIT(p[i]) || p[i] == '-'
                     || p[i] == ':'); i++) {
        if (k < sizeof name - 1)
            name[k++] = (char)TO_LOWER(p[i]);
        else
            toolong = 1;
    }
    name[k] = '\0';
    gt = tag_end(sc, p + i);
    if (gt == NULL)
        return 0;
    if (gt == end)
        return n;
    if (toolong)
        return (size_t)(gt + 1 - p);
    *block = is_block(name, k);
    if (!closing && gt[-1] != '/'
        && ((k == 6 && !memcmp(name, "script", 6))
            || (k == 5 && !memcmp(name, "style", 5)))) {
        /* Raw text up to "</script" in any case; unterminated: the rest. */
        const unsigned char *r = gt + 1;
        while ((r = memchr(r, '<', (size_t)(end - r))) != NULL) {
            if ((size_t)(end - r) >= k + 2 && r[1] == '/'
                && ascii_ncasecmp((const char *)r + 2, name, k) == 0) {
                const unsigned char *e = memchr(r, '>', (size_t)(end - r));
                return e ? (size_t)(e + 1 - p) : n;
            }
            r++;
        }
        return n;
    }
    return (size_t)(gt + 1 - p);
}

/* ---- Cleaning --------------------------------------------------------- */

static inline int is_space_cp(uint32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= '\t' && cp <= '\r');
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
        || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* C0 (whitespace was taken before), DEL, C1, the noncharacters U+FFFE and
 * U+FFFF, and U+FEFF: a byte-order mark inside a text is debris of a
 * concatenated file, never content. */
static inline int is_dropped(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF
        || cp == 0xFFFE || cp == 0xFFFF;
}

struct out {
    char *data;
    size_t len;
    int space;      /* a space is owed before the next character */
    int need_nfc;   /* a code point outside nfc_safe was written */
};

static inline void put_cp(struct out *o, uint32_t cp)
{
    if (is_space_cp(cp)) {
        if (o->len)
            o->space = 1;
        return;
    }
    if (is_dropped(cp))
        return;
    if (o->space) {
        o->data[o->len++] = ' ';
        o->space = 0;
    }
    if (cp < 0x80) {
        o->data[o->len++] = (char)cp;
        return;
    }
    if (!nfc_safe(cp))
        o->need_nfc = 1;
    o->len += utf8_encode(cp, o->data + o->len);
}

/* Cut the clean text s (len > max bytes) to at most max, preferring to
 * end before a space within the last 32 bytes. Spaces are single and never
 * lead, so a cut found without a space there does not end in one. */
static size_t cut_words(const char *s, size_t len, size_t max)
{
    size_t cut = text_utf8_cut(s, len, max), i;

    for (i = cut; i > 0 && cut - i <= 32; i--)
        if (s[i] == ' ')
            return i;
    return cut;
}

static char *clean(const char *s, size_t n, size_t max, int html)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    struct out o;
    struct scan sc = { end, end };
    size_t limit, cap, cdata = 0;

    /* Every input byte gives at most 3 output bytes (an invalid byte
     * becomes U+FFFD). Past 4*max bytes before NFC the rest cannot reach
     * the result: NFC shrinks text by at most 3x (three jamo -> one
     * syllable), and decomposed Vietnamese by less than 2x. */
    limit = n > SIZE_MAX / 4 ? SIZE_MAX / 4 : 3 * n;
    if (max < (SIZE_MAX / 4 - 64) / 4 && limit > 4 * max + 64)
        limit = 4 * max + 64;
    cap = limit + 8;    /* room for a space and a 4-byte character */
    o.data = xmalloc(cap);
    o.len = 0;
    o.space = 0;
    o.need_nfc = 0;

    while (p < end && o.len < limit) {
        unsigned c = *p;
        uint32_t cp;
        size_t k;

        if (c >= 0x20 && c < 0x7F && c != '<' && c != '&' && c != ']') {
            if (c == ' ') {
                if (o.len)
                    o.space = 1;
            } else {
                if (o.space) {
                    o.data[o.len++] = ' ';
                    o.space = 0;
                }
                o.data[o.len++] = (char)c;
            }
            p++;
            continue;
        }
        if (c >= 0xC3 && c <= 0xE1 && (c <= 0xCB || c == 0xE1)) {
            /* The letters of Vietnamese: U+00C0..U+02FF (C3..CB xx) and
             * U+1E00..U+1EFF (E1 B8..BB xx), none of them a space, a
             * dropped character or unsafe for NFC, are copied as they
             * are: what put_cp would write back. */
            size_t len = c == 0xE1 ? 3 : 2;
            if ((size_t)(end - p) >= len && (p[1] & 0xC0) == 0x80
                && (len == 2 || (p[1] >= 0xB8 && p[1] <= 0xBB
                                 && (p[2] & 0xC0) == 0x80))) {
                if (o.space) {
                    o.data[o.len++] = ' ';
                    o.space = 0;
                }
                memcpy(o.data + o.len, p, len);
                o.len += len;
                p += len;
                continue;
            }
        }
        if (c == '<' && html) {
            int block;
            /* CDATA left inside the text (a feed that wrapped it twice):
             * keep the section's text, drop the brackets. */
            if ((size_t)(end - p) >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
                cdata++;
                p += 9;
                continue;
            }
            k = html_markup(p, &sc, &block);
            if (k) {
                if (block && o.len)
                    o.space = 1;
                p += k;
                continue;
            }
        } else if (c == ']' && cdata && (size_t)(end - p) >= 3
                   && p[1] == ']' && p[2] == '>') {
            cdata--;
            p += 3;
            continue;
        } else if (c == '&') {
            k = entity_ref(p, (size_t)(end - p), &cp);
            if (k) {
                put_cp(&o, cp);
                p += k;
                continue;
            }
        }
        cp = utf8_decode(p, (size_t)(end - p), &k);
        put_cp(&o, cp);
        p += k;
    }
    o.data[o.len] = '\0';
    if (o.need_nfc)
        o.len = nfc_inplace(&o.data, o.len);
    if (o.len > max)
        o.len = cut_words(o.data, o.len, max);
    o.data[o.len] = '\0';
    /* Titles live as long as their item: give back a large excess. */
    if (cap - o.len > 256)
        o.data = xrealloc(o.data, o.len + 1);
    return o.data;
}

char *text_clean(const char *s, size_t n, size_t max)
{
    return clean(s, n, max, 1);
}

char *text_clean_plain(const char *s, size_t n, size_t max)
{
    return clean(s, n, max, 0);
}

char *text_nfc(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    int clean_utf8 = 1, need = 0;
    char *out, *o;
    size_t len;

    /* The common case, valid NFC already: one scan and a copy. */
    while (p < end) {
        uint32_t cp;
        size_t k;
        if (*p >= 0x01 && *p < 0x80) {
            p++;
            continue;
        }
        cp = utf8_decode(p, (size_t)(end - p), &k);
        if (cp == 0 || (cp == REPLACEMENT
                        && (k != 3 || memcmp(p, "\xEF\xBF\xBD", 3)))) {
            clean_utf8 = 0;
            break;
        }
        if (!nfc_safe(cp))
            need = 1;
        p += k;
    }
    if (clean_utf8 && !need)
        return xstrndup(s, n);
    /* NUL, which a C string cannot carry, becomes U+FFFD as well. */
    out = xmalloc(n > SIZE_MAX / 4 ? SIZE_MAX / 4 : 3 * n + 1);
    o = out;
    for (p = (const unsigned char *)s; p < end;) {
        size_t k;
        uint32_t cp = utf8_decode(p, (size_t)(end - p), &k);
        o += utf8_encode(cp ? cp : REPLACEMENT, o);
        p += k;
    }
    len = (size_t)(o - out);
    out[len] = '\0';
    len = nfc_inplace(&out, len);
    out[len] = '\0';
    return out;
}

/* ---- Match keys ------------------------------------------------------- */

struct cps {
    utf8proc_int32_t *v;
    size_t len, cap;
};

static inline void cps_push(struct cps *c, utf8proc_int32_t cp)
{
    if (c->len + 1 >= c->cap) {   /* keep one slot for utf8proc_reencode */
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = xrealloc(c->v, c->cap * sizeof c->v[0]);
    }
    c->v[c->len++] = cp;
}

/* Push a combining mark in canonical order: utf8proc composes only
 * canonically ordered text, and decomposing one character at a time does
 * not order marks across characters. */
static void cps_push_mark(struct cps *c, utf8proc_int32_t cp, int ccc,
                          size_t syl_start)
{
    size_t i;

    cps_push(c, cp);
    if (ccc == 0)
        return;
    for (i = c->len - 1; i > syl_start; i--) {
        int prev = utf8proc_get_property(c->v[i - 1])->combining_class;
        if (prev == 0 || prev <= ccc)
            break;
        c->v[i] = c->v[i - 1];
        c->v[i - 1] = cp;
    }
}

static int tone_digit(utf8proc_int32_t cp)
{
    switch (cp) {
    case 0x0301: return 1;  /* sắc */
    case 0x0300: return 2;  /* huyền */
    case 0x0309: return 3;  /* hỏi */
    case 0x0303: return 4;  /* ngã */
    case 0x0323: return 5;  /* nặng */
    default: return 0;
    }
}

static inline int in_syllable(utf8proc_int32_t cp)
{
    utf8proc_category_t cat;

    if (cp < 0x80)
        return IS_ALPHA(cp) || IS_DIGIT(cp);
    cat = utf8proc_category(cp);

    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO);
}

/* The compositions left in a key of Vietnamese once the tones are gone:
 * â ê ô ă ơ ư (lower case, the key is case-folded). 0: none of these. */
static inline utf8proc_int32_t vn_compose(utf8proc_int32_t base,
                                          utf8proc_int32_t mark)
{
    switch (mark) {
    case 0x302:
        return base == 'a' ? 0xE2 : base == 'e' ? 0xEA : base == 'o' ? 0xF4 : 0;
    case 0x306:
        return base == 'a' ? 0x103 : 0;
    case 0x31B:
        return base == 'o' ? 0x1A1 : base == 'u' ? 0x1B0 : 0;
    default:
        return 0;
    }
}

/* NFC-encode the key in c to UTF-8 in place, without utf8proc, when the
 * only compositions it needs are a single shape mark right after its
 * base letter: then composing them pairwise is what NFC does. Returns 0,
 * touching nothing, when some other code point needs the real thing. */
static int quick_compose(struct cps *c)
{
    utf8proc_int32_t *v = c->v;
    size_t i, n = c->len;
    char *o = (char *)v;

    for (i = 0; i < n; i++) {
        if (nfc_safe((uint32_t)v[i]))
            continue;
        /* A second mark fails here on its own turn: its predecessor, a
         * mark, is no base. */
        if (i == 0 || !vn_compose(v[i - 1], v[i]))
            return 0;
    }
    /* Each code point read gives at most 4 bytes, written at or before
     * its own slot: the encoding can overwrite the array as it goes. */
    for (i = 0; i < n; i++) {
        utf8proc_int32_t cp = v[i], comp;
        if (i + 1 < n && (comp = vn_compose(cp, v[i + 1])) != 0) {
            cp = comp;
            i++;
        }
        o += utf8_encode((uint32_t)cp, o);
    }
    *o = '\0';
    return 1;
}

static char *ascii_key(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    size_t i;
    int sep = 0;

    for (i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (IS_ALPHA(c) || IS_DIGIT(c)) {
            if (sep && o > out)
                *o++ = ' ';
            sep = 0;
            *o++ = (char)TO_LOWER(c);
        } else {
            sep = 1;
        }
    }
    *o = '\0';
    return out;
}

char *text_match_key(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    struct cps c = { NULL, 0, 0 };
    size_t i, syl_start = 0;
    int tone = 0, has = 0;
    utf8proc_ssize_t m;

    for (i = 0; i < n && p[i] < 0x80; i++)
        ;
    if (i == n)
        return ascii_key(s, n);
    /* One allocation for the usual text: decomposition seldom gives more
     * code points than the UTF-8 had bytes. */
    c.cap = n + 16;
    c.v = xmalloc(c.cap * sizeof c.v[0]);

    while (p < end) {
        utf8proc_int32_t d[32];
        utf8proc_ssize_t nd, j;
        size_t k;
        int bc = 0;
        uint32_t cp = utf8_decode(p, (size_t)(end - p), &k);

        p += k;
        if (cp < 0x80) {    /* most of a Vietnamese text: skip utf8proc */
            d[0] = (utf8proc_int32_t)TO_LOWER(cp);
            nd = 1;
        } else {
            nd = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 32,
                                         UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD,
                                         &bc);
            if (nd < 1 || nd > 32) {
                d[0] = (utf8proc_int32_t)cp;
                nd = 1;
            }
        }
        for (j = 0; j < nd; j++) {
            int t;
            if (!in_syllable(d[j])) {
                if (has && tone)
                    cps_push(&c, '0' + tone);
                tone = has = 0;
                continue;
            }
            t = tone_digit(d[j]);
            if (t) {
                /* Two tones are a typo. Keep the lower digit, not the
                 * first: canonical reordering moves U+0323 before the
                 * others, so "first" would differ between NFC and NFD. */
                if (!tone || t < tone)
                    tone = t;
                continue;
            }
            if (!has) {
                if (c.len)
                    cps_push(&c, ' ');
                syl_start = c.len;
                has = 1;
            }
            /* Nothing below U+0300 combines. */
            cps_push_mark(&c, d[j], d[j] < 0x300 ? 0
                          : utf8proc_get_property(d[j])->combining_class,
                          syl_start);
        }
    }
    if (has && tone)
        cps_push(&c, '0' + tone);
    if (c.len == 0) {
        free(c.v);
        return xstrdup("");
    }
    if (quick_compose(&c))
        return xrealloc(c.v, strlen((char *)c.v) + 1);
    m = utf8proc_reencode(c.v, (utf8proc_ssize_t)c.len,
                          UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (m < 0) {
        free(c.v);
        return xstrdup("");
    }
    return xrealloc(c.v, (size_t)m + 1);
}

int text_key_next(const char **p, size_t *len)
{
    const char *sp;

    while (**p == ' ')
        (*p)++;
    if (**p == '\0')
        return 0;
    sp = strchr(*p, ' ');
    *len = sp ? (size_t)(sp - *p) : strlen(*p);
    return 1;
}
