/* ini.c - the bantin.conf reader: sections and key = value lines, with
 * their line numbers (libinih cannot report them, see the git log).
 *
 * The syntax, as bantin.conf(5) states it: "[type]" or [type "name"]
 * headers; "key = value" lines; ';' and '#' start a comment at the start of
 * a line or after a blank inside a value, never inside "...". A value quoted
 * as a whole is unquoted (\" and \\ are its escapes); any other value is
 * kept as written, quotes included. The reader knows no section or key
 * names: config.c applies the schema. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

/* How much of a bad line a message quotes: enough to recognize it. */
#define QUOTE_MAX 60

int config_utf8_valid(const char *s, size_t n, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            goto fail;
        }
        if (n - i < len)
            goto fail;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto fail;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* Overlong forms and surrogates are how filters get fooled. */
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto fail;
        i += len;
    }
    return 1;
fail:
    if (bad)
        *bad = i;
    return 0;
}

/* A printable excerpt of a line for a message: cut on a UTF-8 boundary. */
static char *excerpt(const char *s, size_t n)
{
    if (n <= QUOTE_MAX)
        return xstrndup(s, n);
    size_t k = QUOTE_MAX;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return xasprintf("%.*s...", (int)k, s);
}

static void add_section(struct ini_file *f, char *type, char *name, int line,
                        int broken)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->v = xrealloc(f->v, f->cap * sizeof *f->v);
    }
    struct ini_section *s = &f->v[f->n++];
    memset(s, 0, sizeof *s);
    s->type = type;
    s->name = name;
    s->line = line;
    s->broken = broken;
}

static void add_entry(struct ini_section *s, char *key, char *value, int line)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n].key = key;
    s->v[s->n].value = value;
    s->v[s->n].line = line;
    s->n++;
}

static int is_key_char(int c)
{
    return IS_ALPHA(c) || IS_DIGIT(c) || c == '_' || c == '-' || c == '.';
}

/* p points just after an opening '"'. Unquote up to the closing '"' into
 * out. Returns the position after the closing quote, or NULL when the line
 * ends first. */
static const char *unquote(const char *p, const char *end, struct buf *out)
{
    while (p < end && *p != '"') {
        if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
            p++;
        buf_addc(out, *p++);
    }
    return p < end ? p + 1 : NULL;
}

/* After a closing quote or ']', only blanks and a comment may follow. */
static int only_comment(const char *p, const char *end)
{
    while (p < end && IS_SPACE((unsigned char)*p))
        p++;
    return p == end || *p == ';' || *p == '#';
}

static void parse_header(struct ini_file *f, const char *line, const char *end,
                         int lineno, struct config_diag *diag)
{
    const char *p = line + 1;
    char *type = NULL, *name = NULL;
    while (p < end && IS_SPACE((unsigned char)*p))
        p++;
    const char *t = p;
    while (p < end && is_key_char((unsigned char)*p))
        p++;
    if (p > t)
        type = xstrndup(t, (size_t)(p - t));
    while (p < end && IS_SPACE((unsigned char)*p))
        p++;
    if (type && p < end && *p == '"') {
        struct buf b;
        buf_init(&b, LIMIT_CONFIG_LINE);
        p = unquote(p + 1, end, &b);
        name = buf_detach(&b);
        buf_release(&b);
        while (p && p < end && IS_SPACE((unsigned char)*p))
            p++;
    }
    if (!type || !p || p == end || *p != ']' || !only_comment(p + 1, end)) {
        char *ex = excerpt(line, (size_t)(end - line));
        config_diag_add(diag, lineno,
                        "malformed section header '%s' "
                        "(expected [name] or [name \"id\"])", ex);
        free(ex);
        free(type);
        free(name);
        add_section(f, NULL, NULL, lineno, 1);
        return;
    }
    add_section(f, type, name, lineno, 0);
}

static void parse_pair(struct ini_file *f, const char *line, const char *end,
                       int lineno, struct config_diag *diag)
{
    const char *p = line;
    while (p < end && is_key_char((unsigned char)*p))
        p++;
    const char *kend = p;
    while (p < end && IS_SPACE((unsigned char)*p))
        p++;
    if (p == end || *p != '=' || kend == line) {
        char *ex = excerpt(line, (size_t)(end - line));
        if (p < end && *p == '=')
            config_diag_add(diag, lineno, "missing key before '=' in '%s'", ex);
        else
            config_diag_add(diag, lineno, "expected 'key = value', found '%s'",
                            ex);
        free(ex);
        return;
    }
    char *key = xstrndup(line, (size_t)(kend - line));
    p++;
    while (p < end && IS_SPACE((unsigned char)*p))
        p++;

    struct buf b;
    buf_init(&b, LIMIT_CONFIG_LINE);
    const char *after = NULL;
    if (p < end && *p == '"') {
        after = unquote(p + 1, end, &b);
        if (!after) {
            config_diag_add(diag, lineno, "unterminated quoted value for '%s'",
                            key);
            buf_release(&b);
            free(key);
            return;
        }
    }
    if (!after || !only_comment(after, end)) {
        /* Not quoted as a whole ("Ban X" <a@b.vn>): taken as written,
         * quotes included. A comment starts at ';' or '#' at the value's
         * start or after a blank, outside "...", so "a;b",
         * "http://x/#frag" and "A; B" <a@b.vn> keep theirs. */
        buf_reset(&b);
        const char *v = p;
        int quoted = 0;
        while (p < end) {
            if (*p == '"')
                quoted = !quoted;
            else if (!quoted && (*p == ';' || *p == '#') &&
                     (p == v || IS_SPACE((unsigned char)p[-1])))
                break;
            p++;
        }
        while (p > v && IS_SPACE((unsigned char)p[-1]))
            p--;
        buf_add(&b, v, (size_t)(p - v));
    }
    char *value = buf_detach(&b);
    buf_release(&b);

    if (f->n == 0) {
        config_diag_add(diag, lineno, "key '%s' outside any section", key);
        free(key);
        free(value);
        return;
    }
    struct ini_section *s = &f->v[f->n - 1];
    if (s->broken) {
        /* Its header was already reported; more errors would be noise. */
        free(key);
        free(value);
        return;
    }
    add_entry(s, key, value, lineno);
}

static void parse_line(struct ini_file *f, const char *line, size_t n,
                       int lineno, struct config_diag *diag)
{
    size_t bad;
    if (memchr(line, '\0', n)) {
        config_diag_add(diag, lineno, "NUL byte in line");
        return;
    }
    if (!config_utf8_valid(line, n, &bad)) {
        config_diag_add(diag, lineno, "invalid UTF-8 (byte 0x%02x at column %zu)",
                        (unsigned char)line[bad], bad + 1);
        return;
    }
    const char *p = line, *end = line + n;
    while (p < end && IS_SPACE((unsigned char)*p))
        p++;
    while (end > p && IS_SPACE((unsigned char)end[-1]))
        end--;
    if (p == end || *p == ';' || *p == '#')
        return;
    if (*p == '[')
        parse_header(f, p, end, lineno, diag);
    else
        parse_pair(f, p, end, lineno, diag);
}

void config_ini_parse(const char *text, size_t len, struct ini_file *out,
                      struct config_diag *diag)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *end = text + len;
    /* A BOM is what Notepad writes; it is not part of the first line. */
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    int lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        lineno++;
        if (n > LIMIT_CONFIG_LINE)
            config_diag_add(diag, lineno, "line longer than %d bytes",
                            LIMIT_CONFIG_LINE);
        else
            parse_line(out, p, n, lineno, diag);
        p = nl ? nl + 1 : end;
    }
}

void config_ini_release(struct ini_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        struct ini_section *s = &f->v[i];
        for (size_t k = 0; k < s->n; k++) {
            free(s->v[k].key);
            free(s->v[k].value);
        }
        free(s->v);
        free(s->type);
        free(s->name);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}
