/* check.c - the value checkers of bantin.conf: durations, sizes, booleans,
 * offsets, ids, URLs, XPath, addresses, and "did you mean". */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

#include "config/internal.h"
#include "util/util.h"

static void set_err(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
    if (!err || !errsize)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
}

/* Read the decimal digits at *p into *v, stopping with -1 past limit. */
static int read_number(const char **p, uint64_t limit, uint64_t *v)
{
    uint64_t n = 0;
    const char *s = *p;
    while (IS_DIGIT((unsigned char)*s)) {
        n = n * 10 + (uint64_t)(*s - '0');
        if (n > limit)
            return -1;
        s++;
    }
    *p = s;
    *v = n;
    return 0;
}

int config_parse_duration(const char *s, int64_t *out, char *err, size_t errsize)
{
    const uint64_t max = (uint64_t)CONFIG_DURATION_MAX;
    uint64_t total = 0;
    const char *p = s;
    if (!*p) {
        set_err(err, errsize, "empty");
        return -1;
    }
    if (*p == '-' || *p == '+') {
        set_err(err, errsize, "no sign allowed");
        return -1;
    }
    while (*p) {
        uint64_t n;
        if (!IS_DIGIT((unsigned char)*p)) {
            set_err(err, errsize, "expected a number at '%s'", p);
            return -1;
        }
        if (read_number(&p, max, &n) != 0)
            goto too_large;
        uint64_t mult;
        switch (*p) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 7 * 86400; break;
        case '\0':
            set_err(err, errsize, "missing unit; use s, m, h, d or w");
            return -1;
        default:
            set_err(err, errsize, "unknown unit '%c'; use s, m, h, d or w", *p);
            return -1;
        }
        p++;
        if (n > (max - total) / mult)
            goto too_large;
        total += n * mult;
    }
    *out = (int64_t)total;
    return 0;
too_large:
    set_err(err, errsize, "too large; at most %lldd",
            (long long)(CONFIG_DURATION_MAX / 86400));
    return -1;
}

int config_parse_size(const char *s, uint64_t *out, char *err, size_t errsize)
{
    /* 1 TiB: far beyond any sane body, yet safe to multiply out. */
    const uint64_t max = (uint64_t)1 << 40;
    const char *p = s;
    uint64_t n, mult = 1;
    if (!*p) {
        set_err(err, errsize, "empty");
        return -1;
    }
    if (!IS_DIGIT((unsigned char)*p)) {
        set_err(err, errsize, "expected a number");
        return -1;
    }
    if (read_number(&p, max, &n) != 0)
        goto too_large;
    switch (TO_LOWER((unsigned char)*p)) {
    case 'k': mult = 1024; p++; break;
    case 'm': mult = 1024 * 1024; p++; break;
    case 'g': mult = 1024 * 1024 * 1024; p++; break;
    default: break;
    }
    if (mult > 1 && *p == 'i' && p[1] == 'B')
        p += 2;
    else if (*p == 'B' || *p == 'b')
        p++;
    if (*p) {
        set_err(err, errsize, "unknown unit '%s'; use K, M or G", p);
        return -1;
    }
    if (n > max / mult)
        goto too_large;
    *out = n * mult;
    return 0;
too_large:
    set_err(err, errsize, "too large");
    return -1;
}

int config_parse_bool(const char *s, int *out, char *err, size_t errsize)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (ascii_casecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (ascii_casecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    set_err(err, errsize, "use true or false");
    return -1;
}

int config_parse_tz(const char *s, int *out, char *err, size_t errsize)
{
    if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
        !IS_DIGIT((unsigned char)s[1]) || !IS_DIGIT((unsigned char)s[2]) ||
        !IS_DIGIT((unsigned char)s[4]) || !IS_DIGIT((unsigned char)s[5])) {
        set_err(err, errsize, "use +HH:MM or -HH:MM, e.g. +07:00");
        return -1;
    }
    int h = (s[1] - '0') * 10 + (s[2] - '0');
    int m = (s[4] - '0') * 10 + (s[5] - '0');
    /* Real zones span -12:00 .. +14:00. */
    int hmax = s[0] == '-' ? 12 : 14;
    if (m > 59 || h > hmax || (h == hmax && m > 0)) {
        set_err(err, errsize, "out of range; zones span -12:00 to +14:00");
        return -1;
    }
    int v = h * 3600 + m * 60;
    *out = s[0] == '-' ? -v : v;
    return 0;
}

int config_is_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    if (!(((unsigned)s[0] - 'a') < 26 || IS_DIGIT((unsigned char)s[0])))
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(((unsigned)c - 'a') < 26 || IS_DIGIT(c) || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* RFC 5322 atext, the characters of a dot-atom local part. */
static int is_atext(unsigned char c)
{
    return IS_ALPHA(c) || IS_DIGIT(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int config_is_address(const char *s)
{
    size_t n = strlen(s);
    const char *at = strrchr(s, '@');
    /* RFC 5321 4.5.3.1: 64 for the local part, 254 for a usable path. */
    if (!at || n > 254 || at == s || at - s > 64)
        return 0;
    for (const char *p = s; p < at; p++) {
        if (*p == '.') {
            if (p == s || p + 1 == at || p[1] == '.')
                return 0;
        } else if (!is_atext((unsigned char)*p)) {
            return 0;
        }
    }
    const char *d = at + 1;
    if (!*d)
        return 0;
    size_t label = 0;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-')
                return 0;
            if (*p == '\0')
                break;
            label = 0;
        } else if (IS_ALPHA(*p) || IS_DIGIT(*p) || *p == '-') {
            if (label == 0 && *p == '-')
                return 0;
            label++;
        } else {
            return 0;
        }
    }
    return 1;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && IS_SPACE((unsigned char)*s))
        s++, n--;
    while (n && IS_SPACE((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

int config_parse_mailbox(const char *s, char **name, char **addr)
{
    size_t n = strlen(s);
    const char *lt = strchr(s, '<');
    char *nm = NULL, *ad;
    if (lt) {
        char *t = trim_dup(s, n);
        size_t tn = strlen(t);
        const char *tlt = strchr(t, '<');
        if (tn == 0 || t[tn - 1] != '>' || strchr(tlt + 1, '<')) {
            free(t);
            return -1;
        }
        ad = trim_dup(tlt + 1, (size_t)(t + tn - 1 - (tlt + 1)));
        nm = trim_dup(t, (size_t)(tlt - t));
        free(t);
        size_t nn = strlen(nm);
        /* A quoted display name: "Ban Dân vận, Tỉnh ủy" <x@y>. */
        if (nn >= 2 && nm[0] == '"' && nm[nn - 1] == '"') {
            memmove(nm, nm + 1, nn - 2);
            nm[nn - 2] = '\0';
        }
        for (const char *p = nm; *p; p++) {
            if ((unsigned char)*p < 0x20 || *p == '>' || *p == 0x7f) {
                free(nm);
                free(ad);
                return -1;
            }
        }
        if (!*nm) {
            free(nm);
            nm = NULL;
        }
    } else {
        ad = trim_dup(s, n);
    }
    if (!config_is_address(ad)) {
        free(nm);
        free(ad);
        return -1;
    }
    *name = nm;
    *addr = ad;
    return 0;
}

/* Characters that never belong in a URL written by hand. */
static int bad_url_char(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' ||
           c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
           c == '}';
}

/* Check "host[:port]" in s[0..n) (after any user@). */
static int check_authority(const char *s, size_t n, char *err, size_t errsize)
{
    const char *at = memchr(s, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    const char *host = s, *hend;
    if (n && *s == '[') {
        hend = memchr(s, ']', n);
        if (!hend) {
            set_err(err, errsize, "has a bad IPv6 host");
            return -1;
        }
        hend++;
    } else {
        hend = memchr(s, ':', n);
        if (!hend)
            hend = s + n;
    }
    if (hend == host || (hend - host == 2 && host[0] == '[')) {
        set_err(err, errsize, "has no host");
        return -1;
    }
    const char *port = hend;
    if (port < s + n) {
        uint64_t v;
        const char *p = port + 1;
        if (*port != ':' || p == s + n ||
            read_number(&p, 65535, &v) != 0 || p != s + n || v == 0) {
            set_err(err, errsize, "has a bad port");
            return -1;
        }
    }
    return 0;
}

int config_check_http_url(const char *s, int https_only, char *err,
                          size_t errsize)
{
    size_t skip;
    if (ascii_ncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else if (!https_only && ascii_ncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else {
        set_err(err, errsize, https_only ? "is not https" : "is not http or https");
        return -1;
    }
    for (const char *p = s; *p; p++) {
        if (bad_url_char((unsigned char)*p)) {
            set_err(err, errsize, "contains a blank or a character URLs do not allow");
            return -1;
        }
    }
    const char *a = s + skip;
    size_t n = strcspn(a, "/?#");
    return check_authority(a, n, err, errsize);
}

int config_parse_smtp_url(const char *s, char **host, int *port,
                          int *tls_implicit, char *err, size_t errsize)
{
    size_t skip;
    if (ascii_ncasecmp(s, "smtps://", 8) == 0) {
        skip = 8;
        *tls_implicit = 1;
    } else if (ascii_ncasecmp(s, "smtp://", 7) == 0) {
        skip = 7;
        *tls_implicit = 0;
    } else {
        set_err(err, errsize, "is not smtp:// or smtps://");
        return -1;
    }
    for (const char *p = s; *p; p++) {
        if (bad_url_char((unsigned char)*p)) {
            set_err(err, errsize, "contains a blank or a character URLs do not allow");
            return -1;
        }
    }
    const char *a = s + skip;
    size_t n = strcspn(a, "/?#");
    if (a[n] && strcmp(a + n, "/") != 0) {
        set_err(err, errsize, "has a path; write only smtp://host:port");
        return -1;
    }
    if (memchr(a, '@', n)) {
        set_err(err, errsize,
                "has a user or password; use 'user' and 'password_file'");
        return -1;
    }
    if (check_authority(a, n, err, errsize) != 0)
        return -1;
    const char *hend;
    if (*a == '[') {
        hend = strchr(a, ']');
        *host = xstrndup(a + 1, (size_t)(hend - a - 1));
        hend++;
    } else {
        hend = memchr(a, ':', n);
        if (!hend)
            hend = a + n;
        *host = xstrndup(a, (size_t)(hend - a));
    }
    *port = 0;
    if (hend < a + n) {
        uint64_t v = 0;
        const char *p = hend + 1;
        read_number(&p, 65535, &v);
        *port = (int)v;
    }
    return 0;
}

struct xpath_err {
    char msg[200];
    int pos;
    int seen;
};

/* libxml2 reports XPath errors here instead of on stderr (LIBS.md 3). */
static void xpath_collect(void *ctx, xmlErrorPtr e)
{
    struct xpath_err *x = ctx;
    if (x->seen++ || !e || !e->message)
        return;
    snprintf(x->msg, sizeof x->msg, "%s", e->message);
    size_t n = strlen(x->msg);
    while (n && IS_SPACE((unsigned char)x->msg[n - 1]))
        x->msg[--n] = '\0';
    if (n && x->msg[0] >= 'A' && x->msg[0] <= 'Z')
        x->msg[0] = (char)TO_LOWER((unsigned char)x->msg[0]);
    x->pos = e->int1;
}

static void xpath_silent(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

/* libxml2 2.9 compiles "count(" without a word; brackets and parentheses
 * that do not pair up (outside string literals) are caught here. */
static int unbalanced(const char *expr, char *err, size_t errsize)
{
    char stack[64];
    size_t depth = 0;
    char quote = 0;
    for (const char *p = expr; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '(' || *p == '[') {
            if (depth == sizeof stack) {
                set_err(err, errsize, "nested too deeply");
                return -1;
            }
            stack[depth++] = *p == '(' ? ')' : ']';
        } else if (*p == ')' || *p == ']') {
            if (depth == 0 || stack[--depth] != *p) {
                set_err(err, errsize, "unexpected '%c' at character %d", *p,
                        (int)(p - expr) + 1);
                return -1;
            }
        }
    }
    if (quote) {
        set_err(err, errsize, "unterminated string literal");
        return -1;
    }
    if (depth) {
        set_err(err, errsize, "missing '%c' at the end", stack[depth - 1]);
        return -1;
    }
    return 0;
}

int config_check_xpath(const char *expr, char *err, size_t errsize)
{
    struct xpath_err x = {{0}, 0, 0};
    const char *p = expr;
    while (IS_SPACE((unsigned char)*p))
        p++;
    /* libxml2 compiles "" into an expression that selects nothing. */
    if (!*p) {
        set_err(err, errsize, "empty expression");
        return -1;
    }
    if (unbalanced(expr, err, errsize) != 0)
        return -1;
    xmlInitParser();
    xmlStructuredErrorFunc old = xmlStructuredError;
    void *oldctx = xmlStructuredErrorContext;
    xmlGenericErrorFunc oldgen = xmlGenericError;
    void *oldgenctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(&x, xpath_collect);
    xmlSetGenericErrorFunc(NULL, xpath_silent);
    xmlXPathCompExprPtr comp = xmlXPathCompile((const xmlChar *)expr);
    xmlSetStructuredErrorFunc(oldctx, old);
    xmlSetGenericErrorFunc(oldgenctx, oldgen);
    if (comp) {
        xmlXPathFreeCompExpr(comp);
        return 0;
    }
    if (!x.seen)
        set_err(err, errsize, "does not compile");
    else if (x.pos > 0 && (size_t)x.pos <= strlen(expr))
        set_err(err, errsize, "%s at character %d", x.msg, x.pos + 1);
    else
        set_err(err, errsize, "%s", x.msg);
    return -1;
}

int config_edit_distance(const char *a, const char *b)
{
    enum { CAP = 3, MAXLEN = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n > MAXLEN || m > MAXLEN || (n > m ? n - m : m - n) >= CAP)
        return CAP;
    int d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ca = TO_LOWER((unsigned char)a[i - 1]);
            int cb = TO_LOWER((unsigned char)b[j - 1]);
            int cost = ca != cb;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == TO_LOWER((unsigned char)b[j - 2]) &&
                TO_LOWER((unsigned char)a[i - 2]) == cb &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m] < CAP ? d[n][m] : CAP;
}

const char *config_near_miss(const char *word, const char *const *cands)
{
    const char *best = NULL;
    int bestd = 3;
    int len = (int)strlen(word);
    for (; *cands; cands++) {
        int dist = config_edit_distance(word, *cands);
        if (dist < bestd && dist < len) {
            best = *cands;
            bestd = dist;
        }
    }
    return best;
}
