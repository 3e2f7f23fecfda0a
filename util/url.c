/* url.c - canonical form of http(s) URLs, the cross-feed dedup key. */
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* A canonical URL is never more than 3x its input (each byte may become a
 * %XX escape) plus a few separators; the buf max only guards arithmetic. */
#define URL_GROWTH(n) ((n) * 3 + 16)

/* A view into the input: canonicalization copies, never modifies it. */
struct span {
    const char *p;
    size_t n;
};

static int is_hex(int c)
{
    return IS_DIGIT(c) || (((unsigned)c | 32) - 'a') < 6;
}

static int hex_upper(int c)
{
    return ((unsigned)c - 'a') < 6 ? c - 32 : c;
}

/* Append s, upper-casing the hex digits of %XX escapes and escaping the
 * bytes that cannot appear raw in a URL (space, controls, non-ASCII). */
static void add_encoded(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            char esc[3] = {'%', (char)hex_upper(s[i + 1]), (char)hex_upper(s[i + 2])};
            buf_add(b, esc, 3);
            i += 2;
        } else if (c <= 0x20 || c >= 0x7f) {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(b, esc, 3);
        } else {
            buf_addc(b, (char)c);
        }
    }
}

/* RFC 3986 5.2.4 for a path that starts with '/': drop "." segments, let
 * ".." drop the segment before it, keep a trailing '/' when the last
 * segment was a dot segment. Writes the encoded result to b. */
static void add_path(struct buf *b, const char *p, size_t n)
{
    if (n == 0) {
        buf_addc(b, '/');
        return;
    }
    /* A path of n bytes has at most n segments (+1 for a trailing "."). */
    struct span *seg = xmalloc((n + 1) * sizeof *seg);
    size_t nseg = 0;
    size_t i = 1; /* p[0] == '/' */
    for (;;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        struct span s = {p + i, j - i};
        int last = j >= n;
        if (s.n == 1 && s.p[0] == '.') {
            if (last)
                seg[nseg++] = (struct span){"", 0};
        } else if (s.n == 2 && s.p[0] == '.' && s.p[1] == '.') {
            if (nseg > 0)
                nseg--;
            if (last)
                seg[nseg++] = (struct span){"", 0};
        } else {
            seg[nseg++] = s;
        }
        if (last)
            break;
        i = j + 1;
    }
    for (size_t k = 0; k < nseg; k++) {
        buf_addc(b, '/');
        add_encoded(b, seg[k].p, seg[k].n);
    }
    if (nseg == 0)
        buf_addc(b, '/');
    free(seg);
}

static size_t key_len(const struct span *s)
{
    const char *eq = memchr(s->p, '=', s->n);
    return eq ? (size_t)(eq - s->p) : s->n;
}

/* Query parameters that only say where a click came from. */
static int is_tracker(const struct span *s)
{
    size_t k = key_len(s);
    if (k >= 4 && ascii_ncasecmp(s->p, "utm_", 4) == 0)
        return 1;
    static const char *const names[] = {"fbclid", "gclid", "zarsrc"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (k == strlen(names[i]) && ascii_ncasecmp(s->p, names[i], k) == 0)
            return 1;
    return 0;
}

static int span_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return (an > bn) - (an < bn);
}

/* By key, then by the rest ("=value", or nothing for a bare key). */
static int param_cmp(const void *va, const void *vb)
{
    const struct span *a = va, *b = vb;
    size_t ka = key_len(a), kb = key_len(b);
    int c = span_cmp(a->p, ka, b->p, kb);
    if (c)
        return c;
    return span_cmp(a->p + ka, a->n - ka, b->p + kb, b->n - kb);
}

static void add_query(struct buf *b, const char *q, size_t n)
{
    struct span *par = xmalloc((n / 2 + 2) * sizeof *par);
    size_t npar = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && q[j] != '&')
            j++;
        struct span s = {q + i, j - i};
        if (s.n > 0 && !is_tracker(&s))
            par[npar++] = s;
        i = j + 1;
    }
    qsort(par, npar, sizeof *par, param_cmp);
    for (size_t k = 0; k < npar; k++) {
        buf_addc(b, k == 0 ? '?' : '&');
        add_encoded(b, par[k].p, par[k].n);
    }
    free(par);
}

/* Length of the scheme when s starts with "http:" or "https:" (any case),
 * else 0. */
static size_t http_scheme(const char *s)
{
    if (ascii_ncasecmp(s, "http:", 5) == 0)
        return 4;
    if (ascii_ncasecmp(s, "https:", 6) == 0)
        return 5;
    return 0;
}

int url_is_http(const char *url)
{
    if (!url)
        return 0;
    size_t sl = http_scheme(url);
    if (!sl || url[sl + 1] != '/' || url[sl + 2] != '/')
        return 0;
    const char *h = url + sl + 3;
    /* Skip userinfo; the host is what follows the last '@'. */
    size_t alen = strcspn(h, "/?#");
    for (size_t i = alen; i > 0; i--)
        if (h[i - 1] == '@') {
            h += i;
            alen -= i;
            break;
        }
    return alen > 0 && h[0] != ':';
}

/* Parse and check the port digits [p, p+n); returns the value, 0 when
 * empty (RFC 3986 6.2.3: same as the default), -1 when not a port. */
static long parse_port(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!IS_DIGIT(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
        if (v > 65535)
            return -1;
    }
    return v == 0 ? -1 : v;
}

char *url_canonical(const char *url)
{
    if (!url)
        return NULL;
    while (IS_SPACE(*url))
        url++;
    size_t len = strlen(url);
    while (len > 0 && IS_SPACE(url[len - 1]))
        len--;
    const char *end = url + len;

    size_t sl = http_scheme(url);
    if (!sl || len < sl + 3 || url[sl + 1] != '/' || url[sl + 2] != '/')
        return NULL;
    int https = sl == 5;

    /* authority = [userinfo "@"] host [":" port] */
    const char *a = url + sl + 3;
    const char *ae = a;
    while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
        ae++;
    const char *h = a;
    for (const char *p = ae; p > a; p--)
        if (p[-1] == '@') {
            h = p;
            break;
        }
    const char *he, *port = NULL;
    if (h < ae && *h == '[') {
        he = memchr(h, ']', (size_t)(ae - h));
        if (!he)
            return NULL;
        he++;
        if (he < ae && *he != ':')
            return NULL;
    } else {
        he = h;
        while (he < ae && *he != ':')
            he++;
    }
    if (he < ae)
        port = he + 1;
    if (he == h)
        return NULL;
    for (const char *p = h; p < he; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return NULL;
    long pv = port ? parse_port(port, (size_t)(ae - port)) : 0;
    if (pv < 0)
        return NULL;

    /* path up to '?' or '#', query up to '#', fragment dropped */
    const char *pe = ae;
    while (pe < end && *pe != '?' && *pe != '#')
        pe++;
    const char *qe = pe;
    if (qe < end && *qe == '?')
        while (qe < end && *qe != '#')
            qe++;

    struct buf b;
    buf_init(&b, URL_GROWTH(len));
    buf_addstr(&b, https ? "https://" : "http://");
    if (h > a) /* userinfo, '@' included */
        buf_add(&b, a, (size_t)(h - a));
    for (const char *p = h; p < he; p++)
        buf_addc(&b, (char)TO_LOWER((unsigned char)*p));
    if (pv != 0 && pv != (https ? 443 : 80)) {
        char num[8];
        snprintf(num, sizeof num, ":%ld", pv);
        buf_addstr(&b, num);
    }
    add_path(&b, ae, (size_t)(pe - ae));
    if (qe > pe)
        add_query(&b, pe + 1, (size_t)(qe - pe - 1));
    return b.data; /* b is not used again: no detach, no re-init */
}
