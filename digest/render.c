/* render.c - a day's digest as plain text, HTML and JSON for mail and `bantin digest`. */
#include "render.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/buf.h"
#include "util/util.h"

/* The output grows with the digest, which is already in memory and bounded
 * by the stages before (items per feed, text sizes); no extra cap here, so
 * buf_add cannot fail before xrealloc would die. */
#define OUT_MAX ((size_t)-1 / 2)

/* Plain text: words wrap at 72 columns, so quoting ("> ") in a reply
 * stays under the 78 of RFC 5322 2.1.1; no line passes 990 bytes, under
 * the hard limit of 998. */
#define TEXT_WRAP_COLS 72
#define TEXT_MAX_COLS 78
#define TEXT_LINE_BYTES 990
/* HTML text breaks between words after about 76 bytes of text (markup
 * not counted), so that the source stays readable; only a very long link
 * or word makes a line pass 998 bytes, so the mail stage must send the
 * part quoted-printable or base64, never 8bit. */
#define HTML_LINE_BYTES 76

/* Times outside years 0001..9999 are shown as unknown: they come from a
 * broken feed, and the formatting below assumes four-digit years. */
#define TIME_FIRST (-62135596800LL + 86400)
#define TIME_LAST (253402300799LL - 86400)
/* An offset past this is a caller's mistake; Vietnam time is used. */
#define TZ_MAX (18 * 3600)

#define DEFAULT_TITLE "Bản tin Dân vận"

/* The string of b, which the caller frees; b is released. */
static char *take(struct buf *b)
{
    char *s = buf_detach(b);
    buf_release(b);
    return s;
}

static const char *const weekday[7] = {
    "Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy",
};

void render_options_init(struct render_options *o)
{
    o->recipient_name = NULL;
    o->unsubscribe_url = NULL;
    o->tz_offset = RENDER_TZ_VIETNAM;
    o->generated = TIME_NONE;
}

/* ---- untrusted text ---- */

/* Characters that end up as a space: the ASCII whitespace controls (tab,
 * newline, CR, VT, FF), NEL, and the Unicode line and paragraph
 * separators, which some clients and JavaScript treat as line breaks. */
static int is_break(int32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0x2028 ||
           cp == 0x2029;
}

/* Characters dropped (sfeed drops control characters the same way): the
 * other C0 controls, DEL and C1 (terminal escapes, BEL); bidi embeddings,
 * overrides, isolates and marks, which can make a link or a name read
 * backwards (the "RLO" spoofing trick); a BOM or a noncharacter. */
static int is_dropped(int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200e || cp == 0x200f || cp == 0x061c || cp == 0xfeff ||
           cp == 0xfffe || cp == 0xffff;
}

/* A cleaned copy of s: valid UTF-8 (bad bytes become U+FFFD), no control
 * character, single spaces, trimmed. NULL for NULL; may be "". */
static char *clean(const char *s)
{
    if (!s)
        return NULL;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t n = strlen(s);
    struct buf b;
    buf_init(&b, OUT_MAX);
    int space = 0;
    while (n > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, (utf8proc_ssize_t)n, &cp);
        const char *bytes = (const char *)p;
        size_t len = (size_t)k;
        if (k < 1) {
            cp = 0xfffd;
            bytes = "\xef\xbf\xbd";
            len = 3;
            k = 1;
        }
        p += k;
        n -= (size_t)k;
        if (cp == ' ' || is_break(cp)) {
            space = 1;
            continue;
        }
        if (is_dropped(cp))
            continue;
        if (space && b.len > 0)
            buf_addc(&b, ' ');
        space = 0;
        buf_add(&b, bytes, len);
    }
    return take(&b);
}

/* The cleaned s, or a copy of fallback when s is NULL or cleans to "". */
static char *clean_or(const char *s, const char *fallback)
{
    char *c = clean(s);
    if (c && *c)
        return c;
    free(c);
    return xstrdup(fallback);
}

/* Bytes of the code point at s (valid UTF-8, as clean makes it). */
static size_t cp_len(const char *s, size_t n, int32_t *cp)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                          (utf8proc_ssize_t)n, &c);
    if (k < 1) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = c;
    return (size_t)k;
}

/* Columns a monospace client gives a code point: combining marks 0, wide
 * (CJK) 2, everything else 1. For NFC Vietnamese this is the number of
 * code points. */
static size_t cp_cols(int32_t cp)
{
    int w = utf8proc_charwidth(cp);
    return w > 0 ? (size_t)w : 0;
}

static size_t str_cols(const char *s, size_t n)
{
    size_t cols = 0;
    while (n > 0) {
        int32_t cp;
        size_t k = cp_len(s, n, &cp);
        cols += cp_cols(cp);
        s += k;
        n -= k;
    }
    return cols;
}

/* Links a reader may follow: http and https only (never javascript:,
 * data:, file:), and no space, which a real URL cannot hold. */
static int is_web_url(const char *s)
{
    if (!s)
        return 0;
    size_t skip;
    if (ascii_ncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (ascii_ncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return 0;
    return s[skip] != '\0' && !strchr(s, ' ');
}

/* An unsubscribe address may also be a mailto: (RFC 2369). */
static int is_unsubscribe_url(const char *s)
{
    return is_web_url(s) ||
           (s && ascii_ncasecmp(s, "mailto:", 7) == 0 && s[7] && !strchr(s, ' '));
}

/* ---- dates ---- */

/* d->date as year, month, day; -1 unless a real "YYYY-MM-DD". */
static int parse_date(const char date[11], int *y, int *m, int *dd)
{
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (date[i] != '-')
                return -1;
        } else if (!IS_DIGIT(date[i])) {
            return -1;
        }
    }
    if (date[10] != '\0')
        return -1;
    *y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
         (date[3] - '0');
    *m = (date[5] - '0') * 10 + (date[6] - '0');
    *dd = (date[8] - '0') * 10 + (date[9] - '0');
    if (*y < 1 || *m < 1 || *m > 12 || *dd < 1 || *dd > mdays[*m - 1])
        return -1;
    if (*m == 2 && *dd == 29 && !(*y % 4 == 0 && (*y % 100 != 0 || *y % 400 == 0)))
        return -1;
    return 0;
}

/* "Thứ Hai, 23/11/2026" for the digest's day, or the cleaned raw date when
 * it is not one, or "" when there is none. Caller frees. */
static char *day_line(const struct digest *d)
{
    int y, m, dd;
    if (parse_date(d->date, &y, &m, &dd) == 0) {
        int64_t days = time_from_civil(y, m, dd, 0, 0, 0) / 86400;
        /* 1970-01-01 was a Thursday (index 4, Sunday being 0). */
        int wd = (int)(((days % 7) + 7 + 4) % 7);
        return xasprintf("%s, %02d/%02d/%04d", weekday[wd], dd, m, y);
    }
    char raw[sizeof d->date + 1];
    memcpy(raw, d->date, sizeof d->date);
    raw[sizeof d->date] = '\0';
    return clean_or(raw, "");
}

static int tz_of(const struct render_options *o)
{
    if (o->tz_offset < -TZ_MAX || o->tz_offset > TZ_MAX)
        return RENDER_TZ_VIETNAM;
    return o->tz_offset;
}

/* "15/09/2022 10:22" in local time (tz seconds east of UTC) into out;
 * returns -1 (out "") for an unknown or absurd time. */
static int local_time(int64_t t, int tz, char *out, size_t size)
{
    out[0] = '\0';
    if (t == TIME_NONE || t < TIME_FIRST || t > TIME_LAST)
        return -1;
    char iso[32];   /* "YYYY-MM-DDTHH:MM:SSZ" */
    time_format_utc(t + tz, iso, sizeof iso);
    if (strlen(iso) != 20)
        return -1;
    snprintf(out, size, "%.2s/%.2s/%.4s %.5s", iso + 8, iso + 5, iso, iso + 11);
    return 0;
}

/* ---- shared reading of the digest ---- */

static size_t count_stories(const struct digest *d, size_t *ntopics)
{
    size_t n = 0;
    *ntopics = 0;
    for (size_t t = 0; t < d->ntopics; t++) {
        n += d->topics[t].nstories;
        if (d->topics[t].nstories)
            (*ntopics)++;
    }
    return n;
}

/* The name a reader knows a source by: the feed's title, else its id.
 * Cleaned, caller frees; NULL when it has neither. */
static char *source_name(const struct digest_source *s)
{
    char *n = clean(s->feed_title);
    if (n && *n)
        return n;
    free(n);
    n = clean(s->feed);
    if (n && *n)
        return n;
    free(n);
    return NULL;
}

/* Shown instead of a time when the source gave none. */
#define WHEN_UNKNOWN "Không rõ ngày đăng"

/* The cleaned story fields every format shows. */
struct story_view {
    char *title;     /* never NULL */
    char *link;      /* a web URL, or NULL */
    char *summary;   /* non-empty, or NULL */
    char when[32];   /* local time, or "" */
    size_t nsrc;
    char **names;    /* [nsrc]: display names, NULL where none */
    char **links;    /* [nsrc]: web URLs, NULL where none */
};

static void story_view_init(struct story_view *v, const struct digest_story *st,
                            int tz)
{
    v->title = clean_or(st->title, "(không có tiêu đề)");
    v->link = clean(st->link);
    if (!is_web_url(v->link)) {
        free(v->link);
        v->link = NULL;
    }
    v->summary = clean(st->summary);
    if (v->summary && !*v->summary) {
        free(v->summary);
        v->summary = NULL;
    }
    /* A guessed date is only when bantin first saw the story (a list page
     * without dates): saying so beats printing a time the site never gave. */
    if (st->published_guessed)
        snprintf(v->when, sizeof v->when, "%s", WHEN_UNKNOWN);
    else
        local_time(st->published, tz, v->when, sizeof v->when);
    v->nsrc = st->nsources;
    v->names = xcalloc(v->nsrc ? v->nsrc : 1, sizeof *v->names);
    v->links = xcalloc(v->nsrc ? v->nsrc : 1, sizeof *v->links);
    for (size_t i = 0; i < v->nsrc; i++) {
        v->names[i] = source_name(&st->sources[i]);
        v->links[i] = clean(st->sources[i].link);
        if (!is_web_url(v->links[i])) {
            free(v->links[i]);
            v->links[i] = NULL;
        }
    }
}

static void story_view_release(struct story_view *v)
{
    free(v->title);
    free(v->link);
    free(v->summary);
    for (size_t i = 0; i < v->nsrc; i++) {
        free(v->names[i]);
        free(v->links[i]);
    }
    free(v->names);
    free(v->links);
}

static int same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Whether source i repeats the name of an earlier one: several items of
 * one feed, or two feeds under one title, are named once. */
static int name_seen(const struct story_view *v, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (same(v->names[j], v->names[i]))
            return 1;
    return 0;
}

/* Whether source i's link adds nothing: none, the story's own, or one an
 * earlier source already gave. */
static int link_seen(const struct story_view *v, size_t i)
{
    if (!v->links[i] || same(v->links[i], v->link))
        return 1;
    for (size_t j = 0; j < i; j++)
        if (same(v->links[j], v->links[i]))
            return 1;
    return 0;
}

/* ---- plain text ---- */

/* Append one line, cut at TEXT_LINE_BYTES on a code point boundary. */
static void text_line(struct buf *b, const char *s, size_t n)
{
    if (n > TEXT_LINE_BYTES) {
        n = TEXT_LINE_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    buf_add(b, s, n);
    buf_addc(b, '\n');
}

static void text_linef(struct buf *b, const char *a, const char *c)
{
    char *s = xasprintf("%s%s", a, c);
    text_line(b, s, strlen(s));
    free(s);
}

static int is_url_word(const char *w, size_t n)
{
    return (n > 7 && ascii_ncasecmp(w, "http://", 7) == 0) ||
           (n > 8 && ascii_ncasecmp(w, "https://", 8) == 0) ||
           (n > 7 && ascii_ncasecmp(w, "mailto:", 7) == 0);
}

/* Wrap the cleaned s at TEXT_WRAP_COLS on spaces: the first line starts
 * with first, the others with indent. A word too long for a line gets
 * lines of its own: a URL whole (a broken URL is useless), anything else
 * cut between code points. Returns the width of the widest line. */
static size_t text_wrap(struct buf *out, const char *s, const char *first,
                        const char *indent)
{
    struct buf line;
    buf_init(&line, OUT_MAX);
    buf_addstr(&line, first);
    size_t cols = str_cols(first, strlen(first));
    size_t widest = 0;
    size_t indent_cols = str_cols(indent, strlen(indent));
    int empty = 1;   /* no word on the line yet, only first or indent */

#define NEWLINE()                                               \
    do {                                                        \
        text_line(out, line.data, line.len);                    \
        if (cols > widest)                                      \
            widest = cols;                                      \
        buf_reset(&line);                                       \
        buf_addstr(&line, indent);                              \
        cols = indent_cols;                                     \
        empty = 1;                                              \
    } while (0)

    const char *p = s;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wn = (size_t)(p - w);
        size_t wc = str_cols(w, wn);
        if (!empty && cols + 1 + wc <= TEXT_WRAP_COLS &&
            line.len + 1 + wn <= TEXT_LINE_BYTES) {
            buf_addc(&line, ' ');
            buf_add(&line, w, wn);
            cols += 1 + wc;
            continue;
        }
        if (!empty)
            NEWLINE();
        if ((cols + wc <= TEXT_WRAP_COLS && line.len + wn <= TEXT_LINE_BYTES) ||
            is_url_word(w, wn)) {
            buf_add(&line, w, wn);
            cols += wc;
            empty = 0;
            continue;
        }
        while (wn > 0) {
            int32_t cp;
            size_t k = cp_len(w, wn, &cp);
            size_t c = cp_cols(cp);
            if (!empty && (cols + c > TEXT_WRAP_COLS ||
                           line.len + k > TEXT_LINE_BYTES))
                NEWLINE();
            buf_add(&line, w, k);
            cols += c;
            empty = 0;
            w += k;
            wn -= k;
        }
    }
    if (!empty) {
        text_line(out, line.data, line.len);
        if (cols > widest)
            widest = cols;
    }
#undef NEWLINE
    buf_release(&line);
    return widest;
}

static void text_rule(struct buf *b, char c, size_t cols)
{
    if (cols > TEXT_WRAP_COLS)
        cols = TEXT_WRAP_COLS;
    for (size_t i = 0; i < cols; i++)
        buf_addc(b, c);
    buf_addc(b, '\n');
}

/* "- Name: URL", on two lines when it would pass TEXT_MAX_COLS. */
static void text_source_link(struct buf *b, const char *indent, const char *name,
                             const char *link)
{
    if (!name) {
        char *dash = xasprintf("%s- ", indent);
        text_linef(b, dash, link);
        free(dash);
        return;
    }
    char *one = xasprintf("%s- %s: %s", indent, name, link);
    if (str_cols(one, strlen(one)) <= TEXT_MAX_COLS) {
        text_line(b, one, strlen(one));
    } else {
        char *head = xasprintf("- %s:", name);
        char *rest = xasprintf("%s  ", indent);
        text_wrap(b, head, indent, rest);
        text_linef(b, rest, link);
        free(head);
        free(rest);
    }
    free(one);
}

/* Story num of topic topic, numbered "2.3." so that a reader can point
 * to it and no number reads like a topic's. */
static void text_story(struct buf *b, const struct digest_story *st,
                       size_t topic, size_t num, int tz)
{
    struct story_view v;
    story_view_init(&v, st, tz);
    char first[32];
    snprintf(first, sizeof first, "%zu.%zu. ", topic, num);
    char indent[32];
    size_t ni = strlen(first);
    memset(indent, ' ', ni);
    indent[ni] = '\0';

    buf_addc(b, '\n');
    text_wrap(b, v.title, first, indent);
    if (v.when[0])
        text_linef(b, indent, v.when);
    if (v.summary)
        text_wrap(b, v.summary, indent, indent);
    if (v.link)
        text_linef(b, indent, v.link);

    struct buf names;
    buf_init(&names, OUT_MAX);
    for (size_t i = 0; i < v.nsrc; i++) {
        if (!v.names[i] || name_seen(&v, i))
            continue;
        buf_addstr(&names, names.len ? ", " : "Nguồn: ");
        buf_addstr(&names, v.names[i]);
    }
    if (names.len)
        text_wrap(b, names.data, indent, indent);
    buf_release(&names);
    for (size_t i = 0; i < v.nsrc; i++)
        if (!link_seen(&v, i))
            text_source_link(b, indent, v.names[i], v.links[i]);
    story_view_release(&v);
}

char *render_text(const struct digest *d, const struct render_options *o)
{
    struct render_options def;
    if (!o) {
        render_options_init(&def);
        o = &def;
    }
    int tz = tz_of(o);
    struct buf b;
    buf_init(&b, OUT_MAX);
    char *title = clean_or(d->title, DEFAULT_TITLE);
    char *day = day_line(d);
    char *head = *day ? xasprintf("%s – %s", title, day) : xstrdup(title);
    text_rule(&b, '=', text_wrap(&b, head, "", ""));
    buf_addc(&b, '\n');

    char *name = clean(o->recipient_name);
    char *greet = xasprintf("Kính gửi %s,", name && *name ? name : "Quý bạn đọc");
    text_wrap(&b, greet, "", "");
    buf_addc(&b, '\n');

    size_t ntopics;
    size_t nstories = count_stories(d, &ntopics);
    if (nstories == 0) {
        text_wrap(&b, "Hôm nay không có tin mới.", "", "");
    } else {
        char *count = xasprintf("%zu tin, %zu chủ đề:", nstories, ntopics);
        text_wrap(&b, count, "", "");
        free(count);
        size_t k = 0;
        for (size_t t = 0; t < d->ntopics; t++) {
            const struct digest_topic *tp = &d->topics[t];
            if (!tp->nstories)
                continue;
            char *tt = clean_or(tp->title, tp->id ? tp->id : "?");
            char *s = xasprintf("%s (%zu tin)", tt, tp->nstories);
            char first[32];
            snprintf(first, sizeof first, "  %zu. ", ++k);
            char *indent = xasprintf("%*s", (int)strlen(first), "");
            text_wrap(&b, s, first, indent);
            free(indent);
            free(s);
            free(tt);
        }
        k = 0;
        for (size_t t = 0; t < d->ntopics; t++) {
            const struct digest_topic *tp = &d->topics[t];
            if (!tp->nstories)
                continue;
            char *tt = clean_or(tp->title, tp->id ? tp->id : "?");
            char *s = xasprintf("%zu. %s (%zu tin)", ++k, tt, tp->nstories);
            buf_addc(&b, '\n');
            buf_addc(&b, '\n');
            text_rule(&b, '-', text_wrap(&b, s, "", ""));
            free(s);
            free(tt);
            for (size_t i = 0; i < tp->nstories; i++)
                text_story(&b, &tp->stories[i], k, i + 1, tz);
        }
    }

    buf_addc(&b, '\n');
    text_wrap(&b, "Trân trọng,", "", "");
    text_wrap(&b, title, "", "");
    char when[32];
    if (local_time(o->generated, tz, when, sizeof when) == 0) {
        char *g = xasprintf("(Tổng hợp lúc %s ngày %.10s.)", when + 11, when);
        buf_addc(&b, '\n');
        text_wrap(&b, g, "", "");
        free(g);
    }
    char *unsub = clean(o->unsubscribe_url);
    if (is_unsubscribe_url(unsub)) {
        char *f = xasprintf("Bạn nhận được thư này vì đã đăng ký nhận %s. "
                            "Để ngừng nhận: %s", title, unsub);
        buf_addc(&b, '\n');
        text_rule(&b, '-', TEXT_WRAP_COLS);
        text_wrap(&b, f, "", "");
        free(f);
    }
    free(unsub);
    free(greet);
    free(name);
    free(head);
    free(day);
    free(title);
    return take(&b);
}

/* ---- HTML ---- */

/* Email clients drop or rewrite <style> and external sheets, so every rule
 * is inline; one centred 640-pixel column of tables is what Gmail, Outlook
 * (which ignores max-width, hence the mso-only fixed table) and phones
 * all lay out alike. No image, font or other remote resource. */
#define CSS_LINK "color:#1a4f8b;"
#define CSS_MUTED "font-size:13px;color:#666666;"
#define CSS_RED "color:#9b1b1b;"

struct html {
    struct buf b;
    size_t col;   /* bytes of text (not markup) since the last newline */
};

/* Append markup of our own (never feed text). Markup does not count
 * towards the line length: a text breaks at HTML_LINE_BYTES of its own,
 * not right after a long opening tag. */
static void h_raw(struct html *h, const char *s)
{
    buf_addstr(&h->b, s);
    if (strchr(s, '\n'))
        h->col = 0;
}

/* Append n bytes of text with & < > " ' escaped: safe in element content
 * and in a double- or single-quoted attribute value. */
static void h_escape(struct html *h, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e;
        switch (s[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: continue;
        }
        buf_add(&h->b, s + run, i - run);
        buf_addstr(&h->b, e);
        h->col += i - run + strlen(e);
        run = i + 1;
    }
    buf_add(&h->b, s + run, n - run);
    h->col += n - run;
}

/* Append cleaned text, escaped, with a newline instead of a space where a
 * source line would pass HTML_LINE_BYTES (the same thing to a browser). */
static void h_text(struct html *h, const char *s)
{
    const char *p = s;
    int first = 1;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wn = (size_t)(p - w);
        if (!first) {
            if (h->col + 1 + wn > HTML_LINE_BYTES) {
                buf_addc(&h->b, '\n');
                h->col = 0;
            } else {
                buf_addc(&h->b, ' ');
                h->col++;
            }
        }
        first = 0;
        h_escape(h, w, wn);
    }
}

/* Text, linked to url when it is a web URL, else plain text. */
static void h_link(struct html *h, const char *url, const char *text,
                   const char *style)
{
    if (url) {
        h_raw(h, "<a href=\"");
        h_escape(h, url, strlen(url));
        h_raw(h, "\" style=\"");
        h_raw(h, style);
        h_raw(h, "\">");
    }
    h_text(h, text);
    if (url)
        h_raw(h, "</a>");
}

static void h_story(struct html *h, const struct digest_story *st, int tz)
{
    struct story_view v;
    story_view_init(&v, st, tz);
    h_raw(h, "<div style=\"margin:0 0 20px 0;\">\n"
             "<h3 style=\"margin:0 0 2px 0;font-size:17px;line-height:1.35;\">");
    h_link(h, v.link, v.title, CSS_LINK "text-decoration:none;");
    h_raw(h, "</h3>\n");
    if (v.when[0]) {
        h_raw(h, "<p style=\"margin:0 0 4px 0;" CSS_MUTED "\">");
        h_text(h, v.when);
        h_raw(h, "</p>\n");
    }
    if (v.summary) {
        h_raw(h, "<p style=\"margin:0 0 4px 0;\">");
        h_text(h, v.summary);
        h_raw(h, "</p>\n");
    }
    int any = 0;
    for (size_t i = 0; i < v.nsrc; i++) {
        if (!v.names[i])
            continue;
        /* A repeated name is shown again only for a link of its own. */
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = same(v.names[j], v.names[i]) &&
                  (v.links[i] == v.links[j] || same(v.links[j], v.links[i]));
        if (dup)
            continue;
        h_raw(h, any ? ",\n" : "<p style=\"margin:0;" CSS_MUTED "\">Nguồn: ");
        any = 1;
        /* The story's own link is on its title already: the name alone
         * (the HTML part must stay small, Gmail cuts it at 102 KB). */
        h_link(h, same(v.links[i], v.link) ? NULL : v.links[i], v.names[i],
               "color:#666666;");
    }
    if (any)
        h_raw(h, "</p>\n");
    h_raw(h, "</div>\n");
    story_view_release(&v);
}

/* A story on one line: its title linked, then its sources' names. For the
 * stories past the first `full` of a topic when the whole would be too
 * big for a mail client (HTML_BUDGET). */
static void h_story_brief(struct html *h, const struct digest_story *st, int tz)
{
    struct story_view v;
    story_view_init(&v, st, tz);
    h_raw(h, "<p style=\"margin:0 0 8px 0;\">");
    h_link(h, v.link, v.title, CSS_LINK "text-decoration:none;");
    int any = 0;
    for (size_t i = 0; i < v.nsrc; i++) {
        if (!v.names[i])
            continue;
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = same(v.names[j], v.names[i]);
        if (dup)
            continue;
        h_raw(h, any ? ", " : " <span style=\"" CSS_MUTED "\">– ");
        any = 1;
        h_text(h, v.names[i]);
    }
    if (any)
        h_raw(h, "</span>");
    h_raw(h, "</p>\n");
    story_view_release(&v);
}

static char *html_with(const struct digest *d, const struct render_options *o,
                       size_t full);

/* Gmail cuts an HTML part past about 102 KB ("[Message clipped]"), the
 * end of the digest and its unsubscribe link with it. A digest that would
 * pass this is made again with fewer stories per topic in full, the rest
 * on one line each; the plain-text part always has everything. Reports
 * differ on whether Gmail counts the part as sent (base64: 4/3 of this)
 * or decoded; 72 KB keeps even the encoded part under 100 KB. */
#define HTML_BUDGET (72 * 1000)

char *render_html(const struct digest *d, const struct render_options *o)
{
    static const size_t full[] = { (size_t)-1, 10, 5, 3, 1, 0 };
    char *out = NULL;
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) {
        free(out);
        out = html_with(d, o, full[i]);
        if (!out || strlen(out) <= HTML_BUDGET)
            break;
    }
    return out;
}

static char *html_with(const struct digest *d, const struct render_options *o,
                       size_t full)
{
    struct render_options def;
    if (!o) {
        render_options_init(&def);
        o = &def;
    }
    int tz = tz_of(o);
    struct html hb = { .col = 0 };
    struct html *h = &hb;
    buf_init(&h->b, OUT_MAX);
    char *title = clean_or(d->title, DEFAULT_TITLE);
    char *day = day_line(d);

    h_raw(h, "<!doctype html>\n<html lang=\"vi\">\n<head>\n"
             "<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<title>");
    h_text(h, title);
    if (*day) {
        h_raw(h, " – ");
        h_text(h, day);
    }
    h_raw(h, "</title>\n</head>\n"
             "<body style=\"margin:0;padding:0;background-color:#f2f2f2;\">\n"
             "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
             "cellspacing=\"0\" border=\"0\" bgcolor=\"#f2f2f2\">\n"
             "<tr>\n<td align=\"center\" style=\"padding:16px 8px;\">\n"
             "<!--[if mso]><table role=\"presentation\" width=\"640\" cellpadding=\"0\" "
             "cellspacing=\"0\" border=\"0\"><tr><td><![endif]-->\n"
             "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
             "cellspacing=\"0\" border=\"0\" bgcolor=\"#ffffff\" "
             "style=\"max-width:640px;background-color:#ffffff;\">\n"
             "<tr>\n<td style=\"padding:24px;font-family:Arial,Helvetica,sans-serif;"
             "font-size:16px;line-height:1.5;color:#222222;text-align:left;\">\n"
             "<h1 style=\"margin:0;font-size:24px;line-height:1.3;" CSS_RED "\">");
    h_text(h, title);
    h_raw(h, "</h1>\n");
    if (*day) {
        h_raw(h, "<p style=\"margin:0 0 16px 0;color:#666666;\">");
        h_text(h, day);
        h_raw(h, "</p>\n");
    }

    char *name = clean(o->recipient_name);
    h_raw(h, "<p style=\"margin:0 0 12px 0;\">Kính gửi ");
    h_text(h, name && *name ? name : "Quý bạn đọc");
    h_raw(h, ",</p>\n");

    size_t ntopics;
    size_t nstories = count_stories(d, &ntopics);
    if (nstories == 0) {
        h_raw(h, "<p style=\"margin:0 0 12px 0;\">Hôm nay không có tin mới.</p>\n");
    } else {
        char *count = xasprintf("<p style=\"margin:0 0 4px 0;\">%zu tin, %zu chủ đề:</p>\n"
                                "<ul style=\"margin:0 0 8px 0;padding-left:24px;\">\n",
                                nstories, ntopics);
        h_raw(h, count);
        free(count);
        size_t k = 0;
        for (size_t t = 0; t < d->ntopics; t++) {
            const struct digest_topic *tp = &d->topics[t];
            if (!tp->nstories)
                continue;
            char *tt = clean_or(tp->title, tp->id ? tp->id : "?");
            char *s = xasprintf("<li><a href=\"#chu-de-%zu\" style=\"" CSS_LINK "\">",
                                ++k);
            h_raw(h, s);
            h_text(h, tt);
            free(s);
            s = xasprintf("</a> (%zu tin)</li>\n", tp->nstories);
            h_raw(h, s);
            free(s);
            free(tt);
        }
        h_raw(h, "</ul>\n");
        k = 0;
        for (size_t t = 0; t < d->ntopics; t++) {
            const struct digest_topic *tp = &d->topics[t];
            if (!tp->nstories)
                continue;
            char *tt = clean_or(tp->title, tp->id ? tp->id : "?");
            char *s = xasprintf("<h2 id=\"chu-de-%zu\" style=\"margin:28px 0 12px 0;"
                                "padding-bottom:4px;border-bottom:2px solid #9b1b1b;"
                                "font-size:20px;line-height:1.3;" CSS_RED "\">",
                                ++k);
            h_raw(h, s);
            free(s);
            h_text(h, tt);
            s = xasprintf(" <span style=\"font-weight:normal;font-size:15px;"
                          "color:#666666;\">(%zu tin)</span></h2>\n", tp->nstories);
            h_raw(h, s);
            free(s);
            free(tt);
            for (size_t i = 0; i < tp->nstories; i++) {
                if (i < full)
                    h_story(h, &tp->stories[i], tz);
                else
                    h_story_brief(h, &tp->stories[i], tz);
            }
        }
    }

    h_raw(h, "<p style=\"margin:24px 0 0 0;\">Trân trọng,<br>\n");
    h_text(h, title);
    h_raw(h, "</p>\n");
    char when[32];
    if (local_time(o->generated, tz, when, sizeof when) == 0) {
        char *g = xasprintf("<p style=\"margin:8px 0 0 0;" CSS_MUTED "\">"
                            "Tổng hợp lúc %s ngày %.10s.</p>\n", when + 11, when);
        h_raw(h, g);
        free(g);
    }
    char *unsub = clean(o->unsubscribe_url);
    if (is_unsubscribe_url(unsub)) {
        h_raw(h, "<p style=\"margin:24px 0 0 0;padding-top:12px;"
                 "border-top:1px solid #dddddd;font-size:12px;color:#666666;\">\n"
                 "Bạn nhận được thư này vì đã đăng ký nhận ");
        h_text(h, title);
        h_raw(h, ".\nĐể ngừng nhận, bấm <a href=\"");
        h_escape(h, unsub, strlen(unsub));
        h_raw(h, "\" style=\"color:#666666;\">Hủy đăng ký</a>.</p>\n");
    }
    h_raw(h, "</td>\n</tr>\n</table>\n"
             "<!--[if mso]></td></tr></table><![endif]-->\n"
             "</td>\n</tr>\n</table>\n</body>\n</html>\n");
    free(unsub);
    free(name);
    free(day);
    free(title);
    return take(&h->b);
}

/* ---- JSON ---- */

/* A cleaned JSON string, or null for NULL. jansson does the escaping. */
static json_t *j_str(const char *s)
{
    if (!s)
        return json_null();
    char *c = clean(s);
    json_t *j = json_string(c);
    free(c);
    return j ? j : json_null();
}

static json_t *j_time(int64_t t)
{
    if (t == TIME_NONE || t < TIME_FIRST || t > TIME_LAST)
        return json_null();
    char buf[32];
    time_format_utc(t, buf, sizeof buf);
    return json_string(buf);
}

static int add_chunk(const char *s, size_t n, void *data)
{
    return buf_add(data, s, n);
}

static json_t *j_story(const struct digest_story *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "title", j_str(st->title));
    json_object_set_new(o, "link", j_str(st->link));
    json_object_set_new(o, "published",
                        st->published_guessed ? json_null() : j_time(st->published));
    json_object_set_new(o, "summary", j_str(st->summary));
    json_t *srcs = json_array();
    for (size_t i = 0; i < st->nsources; i++) {
        const struct digest_source *s = &st->sources[i];
        json_t *so = json_object();
        json_object_set_new(so, "feed", j_str(s->feed));
        json_object_set_new(so, "title", j_str(s->title));
        json_object_set_new(so, "link", j_str(s->link));
        json_array_append_new(srcs, so);
    }
    json_object_set_new(o, "sources", srcs);
    return o;
}

char *render_json(const struct digest *d)
{
    char date[sizeof d->date + 1];
    memcpy(date, d->date, sizeof d->date);
    date[sizeof d->date] = '\0';

    json_t *root = json_object();
    json_object_set_new(root, "date", date[0] ? j_str(date) : json_null());
    json_object_set_new(root, "title", j_str(d->title));
    json_t *topics = json_array();
    for (size_t t = 0; t < d->ntopics; t++) {
        const struct digest_topic *tp = &d->topics[t];
        json_t *to = json_object();
        json_object_set_new(to, "id", j_str(tp->id));
        json_object_set_new(to, "title", j_str(tp->title));
        json_t *stories = json_array();
        for (size_t i = 0; i < tp->nstories; i++)
            json_array_append_new(stories, j_story(&tp->stories[i]));
        json_object_set_new(to, "stories", stories);
        json_array_append_new(topics, to);
    }
    json_object_set_new(root, "topics", topics);

    struct buf b;
    buf_init(&b, OUT_MAX);
    int rc = json_dump_callback(root, add_chunk, &b, JSON_COMPACT);
    json_decref(root);
    if (rc != 0) {
        buf_release(&b);
        return NULL;
    }
    buf_addc(&b, '\n');
    return take(&b);
}
