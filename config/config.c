/* config.c - bantin.conf's schema: sections, keys, defaults, cross-checks.
 *
 * ini.c splits the file into sections; this file knows what each section
 * and key means. Every problem is collected (never the first only), so an
 * admin fixes the whole file in one pass, as with a compiler. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utf8proc.h>

#include "config/internal.h"
#include "util/limits.h"
#include "util/url.h"
#include "util/util.h"

/* Problems printed by config_diag_print before it only counts the rest: a
 * binary file given to -c would otherwise flood the terminal. */
#define DIAG_PRINT_MAX 100

#define DEFAULT_TITLE     "Bản tin Dân vận"
#define DEFAULT_DATABASE  "bantin.db"
#define DEFAULT_OUTBOX    "outbox"
#define DEFAULT_TZ        (7 * 3600)
#define DEFAULT_BACKFILL  (2 * 86400)
#define DEFAULT_MAX_AGE   (2 * 86400)
#define DEFAULT_KEEP      (180 * 86400)
#define DEFAULT_SMTP_TIMEOUT 60
#define DEFAULT_ARTICLE_LIMIT 20

enum kind {
    K_TEXT,         /* any text, stored NFC */
    K_PATH,         /* a file or folder, resolved against the config's folder */
    K_PASSFILE,     /* a K_PATH that must exist with mode & 077 == 0 */
    K_FILE,         /* a K_PATH that must be an existing regular file */
    K_DURATION,     /* int64_t seconds */
    K_SECONDS,      /* long seconds (timeouts) */
    K_SIZE,         /* size_t bytes */
    K_LONG,         /* long in [min, max] */
    K_BOOL,         /* int 0/1 */
    K_TZ,           /* int seconds east of UTC */
    K_MAILBOX,      /* "Name <addr>" or addr, stored as written */
    K_HTTP_URL,     /* http or https */
    K_HTTPS_URL,    /* https only */
    K_SMTP_URL,     /* smtp:// or smtps://, also fills host and port */
    K_TLS,          /* enum config_tls */
    K_FEED_TYPE,    /* enum config_feed_type */
    K_XPATH,        /* compiles with libxml2 */
    K_PHRASES,      /* ';'-separated list into char ** + size_t */
    K_IDLIST,       /* ','-separated list into char ** + size_t */
};

struct key_spec {
    const char *name;
    enum kind kind;
    size_t off;         /* of the field in the section's struct */
    size_t off_n;       /* K_PHRASES, K_IDLIST: of the count */
    long long min, max; /* range of numbers, durations (s) and sizes (bytes) */
    int empty_ok;       /* an empty value is meaningful (not a slip) */
};

#define F(type, field) offsetof(type, field)
#define NOLIST 0, 0, 0
#define D_MAX ((long long)CONFIG_DURATION_MAX)

static const struct key_spec bantin_keys[] = {
    {"database", K_PATH, F(struct config, database), NOLIST, 0},
    {"timezone", K_TZ, F(struct config, tz_offset), NOLIST, 0},
    {"body_max", K_SIZE, F(struct config, limits.body_max), 0, 1024, 1LL << 30, 0},
    {"connect_timeout", K_SECONDS, F(struct config, limits.connect_timeout), 0, 1, 3600, 0},
    {"timeout", K_SECONDS, F(struct config, limits.timeout), 0, 1, 3600, 0},
    {"max_redirects", K_LONG, F(struct config, limits.max_redirects), 0, 0, 20, 0},
    {"items_max", K_LONG, F(struct config, limits.items_max), 0, 1, 100000, 0},
    {"keep", K_DURATION, F(struct config, keep), 0, 7 * 86400, D_MAX, 0},
    {"proxy", K_HTTP_URL, F(struct config, proxy), NOLIST, 0},
    {NULL, 0, 0, NOLIST, 0},
};

static const struct key_spec digest_keys[] = {
    {"title", K_TEXT, F(struct config_digest, title), NOLIST, 0},
    {"from", K_MAILBOX, F(struct config_digest, from), NOLIST, 0},
    {"reply_to", K_MAILBOX, F(struct config_digest, reply_to), NOLIST, 0},
    {"backfill", K_DURATION, F(struct config_digest, backfill), 0, 0, D_MAX, 0},
    {"max_age", K_DURATION, F(struct config_digest, max_age), 0, 3600, D_MAX, 0},
    {"unsubscribe_url", K_HTTPS_URL, F(struct config_digest, unsubscribe_url), NOLIST, 0},
    {NULL, 0, 0, NOLIST, 0},
};

static const struct key_spec smtp_keys[] = {
    {"url", K_SMTP_URL, F(struct config_smtp, url), NOLIST, 0},
    {"tls", K_TLS, F(struct config_smtp, tls), NOLIST, 0},
    {"user", K_TEXT, F(struct config_smtp, user), NOLIST, 0},
    {"password_file", K_PASSFILE, F(struct config_smtp, password_file), NOLIST, 0},
    {"ca_file", K_FILE, F(struct config_smtp, ca_file), NOLIST, 0},
    {"timeout", K_SECONDS, F(struct config_smtp, timeout), 0, 1, 3600, 0},
    {NULL, 0, 0, NOLIST, 0},
};

static const struct key_spec outbox_keys[] = {
    {"dir", K_PATH, F(struct config, outbox_dir), NOLIST, 0},
    {NULL, 0, 0, NOLIST, 0},
};

static const struct key_spec feed_keys[] = {
    {"url", K_HTTP_URL, F(struct config_feed, url), NOLIST, 0},
    {"title", K_TEXT, F(struct config_feed, title), NOLIST, 0},
    {"type", K_FEED_TYPE, F(struct config_feed, type), NOLIST, 0},
    {"item", K_XPATH, F(struct config_feed, rules.item), NOLIST, 0},
    {"item_title", K_XPATH, F(struct config_feed, rules.title), NOLIST, 0},
    {"item_link", K_XPATH, F(struct config_feed, rules.link), NOLIST, 0},
    {"item_date", K_XPATH, F(struct config_feed, rules.date), NOLIST, 0},
    {"item_summary", K_XPATH, F(struct config_feed, rules.summary), NOLIST, 0},
    {"item_author", K_XPATH, F(struct config_feed, rules.author), NOLIST, 0},
    {"item_id", K_XPATH, F(struct config_feed, rules.id), NOLIST, 0},
    {"article", K_XPATH, F(struct config_feed, rules.article), NOLIST, 0},
    {"article_limit", K_LONG, F(struct config_feed, article_limit), 0, 0, 1000, 0},
    {"enabled", K_BOOL, F(struct config_feed, enabled), NOLIST, 0},
    {"backfill", K_DURATION, F(struct config_feed, backfill), 0, 0, D_MAX, 0},
    {NULL, 0, 0, NOLIST, 0},
};

static const struct key_spec topic_keys[] = {
    {"title", K_TEXT, F(struct config_topic, title), NOLIST, 0},
    {"keywords", K_PHRASES, F(struct config_topic, keywords),
     F(struct config_topic, nkeywords), 0, 0, 0},
    {"exclude", K_PHRASES, F(struct config_topic, exclude),
     F(struct config_topic, nexclude), 0, 0, 1},
    {NULL, 0, 0, NOLIST, 0},
};

static const struct key_spec subscriber_keys[] = {
    {"name", K_TEXT, F(struct config_subscriber, name), NOLIST, 0},
    {"topics", K_IDLIST, F(struct config_subscriber, topics),
     F(struct config_subscriber, ntopics), 0, 0, 1},
    {NULL, 0, 0, NOLIST, 0},
};

enum section_id { S_BANTIN, S_DIGEST, S_SMTP, S_OUTBOX, S_FEED, S_TOPIC,
                  S_SUBSCRIBER, S_COUNT };

struct section_spec {
    const char *type;
    int named;              /* written [type "id"] */
    const struct key_spec *keys;
};

static const struct section_spec sections[S_COUNT] = {
    [S_BANTIN] = {"bantin", 0, bantin_keys},
    [S_DIGEST] = {"digest", 0, digest_keys},
    [S_SMTP] = {"smtp", 0, smtp_keys},
    [S_OUTBOX] = {"outbox", 0, outbox_keys},
    [S_FEED] = {"feed", 1, feed_keys},
    [S_TOPIC] = {"topic", 1, topic_keys},
    [S_SUBSCRIBER] = {"subscriber", 1, subscriber_keys},
};

static const char *const section_names[] = {
    "bantin", "digest", "smtp", "outbox", "feed", "topic", "subscriber", NULL,
};

/* State of one config_load. */
struct ctx {
    struct config *cfg;
    struct config_diag *diag;
    char who[300];          /* "feed 'x'" or "section [smtp]", for messages */
    char pre[310];          /* "feed 'x': " for named sections, else "" */
    char qual[16];          /* "smtp." for unnamed sections, else "" */
    int seen[S_COUNT];      /* header line of each unnamed section */
    int smtp_implicit;      /* the url was smtps:// */
    int from_given;         /* [digest] has a 'from' line, good or bad */
    int *topics_line;       /* per subscriber: line of its topics key */
    size_t topics_line_cap;
};

/* ---- diagnostics ---- */

void config_diag_add(struct config_diag *d, int line, const char *fmt, ...)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    va_start(ap, fmt);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    va_end(ap);
    d->v[d->n].line = line;
    d->v[d->n].msg = msg;
    d->n++;
}

struct ranked {
    struct config_problem p;
    size_t seq;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->p.line != y->p.line)
        return x->p.line < y->p.line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by line, keeping the order found within a line (qsort is not
 * stable, so the index breaks ties). */
static void diag_sort(struct config_diag *d)
{
    if (d->n < 2)
        return;
    struct ranked *r = xmalloc(d->n * sizeof *r);
    for (size_t i = 0; i < d->n; i++) {
        r[i].p = d->v[i];
        r[i].seq = i;
    }
    qsort(r, d->n, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < d->n; i++)
        d->v[i] = r[i].p;
    free(r);
}

void config_diag_print(const struct config_diag *diag, FILE *f)
{
    const char *file = diag->file ? diag->file : "(config)";
    for (size_t i = 0; i < diag->n && i < DIAG_PRINT_MAX; i++) {
        if (diag->v[i].line > 0)
            fprintf(f, "%s:%d: %s\n", file, diag->v[i].line, diag->v[i].msg);
        else
            fprintf(f, "%s: %s\n", file, diag->v[i].msg);
    }
    if (diag->n > DIAG_PRINT_MAX)
        fprintf(f, "%s: %zu more problems not shown\n", file,
                diag->n - DIAG_PRINT_MAX);
}

void config_diag_release(struct config_diag *diag)
{
    for (size_t i = 0; i < diag->n; i++)
        free(diag->v[i].msg);
    free(diag->v);
    free(diag->file);
    memset(diag, 0, sizeof *diag);
}

/* ---- helpers ---- */

static char *nfc(const char *s)
{
    /* The reader rejected invalid UTF-8, so utf8proc cannot fail here but
     * for memory; keep the text as written then. */
    char *r = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
    return r ? r : xstrdup(s);
}

static char *resolve(const struct config *cfg, const char *p)
{
    if (p[0] == '/')
        return xstrdup(p);
    return xasprintf("%s/%s", cfg->dir, p);
}

/* "90s" -> "90s", 3600 -> "1h": bounds in messages read like the input. */
static void fmt_duration(long long s, char *buf, size_t size)
{
    if (s != 0 && s % 86400 == 0)
        snprintf(buf, size, "%lldd", s / 86400);
    else if (s != 0 && s % 3600 == 0)
        snprintf(buf, size, "%lldh", s / 3600);
    else if (s != 0 && s % 60 == 0)
        snprintf(buf, size, "%lldm", s / 60);
    else
        snprintf(buf, size, "%llds", s);
}

static void fmt_size(long long b, char *buf, size_t size)
{
    if (b != 0 && b % (1LL << 30) == 0)
        snprintf(buf, size, "%lldG", b >> 30);
    else if (b != 0 && b % (1LL << 20) == 0)
        snprintf(buf, size, "%lldM", b >> 20);
    else if (b != 0 && b % 1024 == 0)
        snprintf(buf, size, "%lldK", b >> 10);
    else
        snprintf(buf, size, "%lld", b);
}

static void out_of_range(struct ctx *c, const struct key_spec *ks,
                         const struct ini_entry *e,
                         void (*fmt)(long long, char *, size_t))
{
    char lo[32], hi[32];
    if (fmt) {
        fmt(ks->min, lo, sizeof lo);
        fmt(ks->max, hi, sizeof hi);
    } else {
        snprintf(lo, sizeof lo, "%lld", ks->min);
        snprintf(hi, sizeof hi, "%lld", ks->max);
    }
    config_diag_add(c->diag, e->line, "%s'%s%s' must be between %s and %s, not '%s'",
                    c->pre, c->qual, ks->name, lo, hi, e->value);
}

/* Split s on sep into trimmed, non-empty, NFC items. */
static char **split_list(const char *s, char sep, size_t *n)
{
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, sep);
        const char *end = e ? e : p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && IS_SPACE((unsigned char)*a))
            a++;
        while (b > a && IS_SPACE((unsigned char)b[-1]))
            b--;
        if (b > a) {
            if (cnt == cap) {
                cap = cap ? 2 * cap : 8;
                v = xrealloc(v, cap * sizeof *v);
            }
            char *raw = xstrndup(a, (size_t)(b - a));
            v[cnt++] = nfc(raw);
            free(raw);
        }
        if (!e)
            break;
        p = e + 1;
    }
    *n = cnt;
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void check_password_file(struct ctx *c, const struct ini_entry *e,
                                const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            config_diag_add(c->diag, e->line, "%s%spassword_file '%s' does not exist",
                            c->pre, c->qual, path);
        else
            config_diag_add(c->diag, e->line,
                            "%s%spassword_file '%s' cannot be checked: %s",
                            c->pre, c->qual, path, strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        config_diag_add(c->diag, e->line, "%s%spassword_file '%s' is not a regular file",
                        c->pre, c->qual, path);
        return;
    }
    /* A password others can read is a password others have. */
    if (st.st_mode & 077)
        config_diag_add(c->diag, e->line,
                        "%s%spassword_file '%s' %s group or others (mode %04o); "
                        "run chmod 600 on it",
                        c->pre, c->qual, path,
                        st.st_mode & 044 ? "can be read by" : "is open to",
                        (unsigned)(st.st_mode & 07777));
}

/* A CA bundle that is missing would make every delivery fail at 3 a.m.;
 * say so when the admin runs check instead. */
static void check_regular_file(struct ctx *c, const struct ini_entry *e,
                               const struct key_spec *ks, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        config_diag_add(c->diag, e->line, "%s%s%s '%s' %s", c->pre, c->qual,
                        ks->name, path,
                        errno == ENOENT || errno == ENOTDIR ? "does not exist"
                                                            : strerror(errno));
    else if (!S_ISREG(st.st_mode))
        config_diag_add(c->diag, e->line, "%s%s%s '%s' is not a regular file",
                        c->pre, c->qual, ks->name, path);
}

/* Store e's value into the field ks names in base. Reports and leaves the
 * field alone when the value is bad. */
static void set_value(struct ctx *c, const struct key_spec *ks,
                      const struct ini_entry *e, void *base)
{
    char *field = (char *)base + ks->off;
    const char *v = e->value;
    char err[256];
    switch (ks->kind) {
    case K_TEXT:
        free(*(char **)field);
        *(char **)field = nfc(v);
        return;
    case K_PATH:
    case K_PASSFILE:
    case K_FILE: {
        char *p = resolve(c->cfg, v);
        if (ks->kind == K_PASSFILE)
            check_password_file(c, e, p);
        else if (ks->kind == K_FILE)
            check_regular_file(c, e, ks, p);
        free(*(char **)field);
        *(char **)field = p;
        return;
    }
    case K_DURATION:
    case K_SECONDS: {
        int64_t d;
        if (config_parse_duration(v, &d, err, sizeof err) != 0) {
            config_diag_add(c->diag, e->line, "%sbad duration '%s' for '%s%s': %s",
                            c->pre, v, c->qual, ks->name, err);
        } else if (d < ks->min || d > ks->max) {
            out_of_range(c, ks, e, fmt_duration);
        } else if (ks->kind == K_DURATION) {
            *(int64_t *)field = d;
        } else {
            *(long *)field = (long)d;
        }
        return;
    }
    case K_SIZE: {
        uint64_t n;
        if (config_parse_size(v, &n, err, sizeof err) != 0)
            config_diag_add(c->diag, e->line, "%sbad size '%s' for '%s%s': %s",
                            c->pre, v, c->qual, ks->name, err);
        else if (n < (uint64_t)ks->min || n > (uint64_t)ks->max)
            out_of_range(c, ks, e, fmt_size);
        else
            *(size_t *)field = (size_t)n;
        return;
    }
    case K_LONG: {
        char *end;
        errno = 0;
        long n = IS_DIGIT((unsigned char)v[0]) ? strtol(v, &end, 10) : 0;
        if (!IS_DIGIT((unsigned char)v[0]) || *end || errno)
            config_diag_add(c->diag, e->line, "%sbad number '%s' for '%s%s'",
                            c->pre, v, c->qual, ks->name);
        else if (n < ks->min || n > ks->max)
            out_of_range(c, ks, e, NULL);
        else
            *(long *)field = n;
        return;
    }
    case K_BOOL:
        if (config_parse_bool(v, (int *)field, err, sizeof err) != 0)
            config_diag_add(c->diag, e->line, "%sbad boolean '%s' for '%s%s': %s",
                            c->pre, v, c->qual, ks->name, err);
        return;
    case K_TZ:
        if (config_parse_tz(v, (int *)field, err, sizeof err) != 0)
            config_diag_add(c->diag, e->line, "%sbad timezone '%s' for '%s%s': %s",
                            c->pre, v, c->qual, ks->name, err);
        return;
    case K_MAILBOX: {
        char *name, *addr;
        if (config_parse_mailbox(v, &name, &addr) != 0) {
            config_diag_add(c->diag, e->line,
                            "%s'%s%s' is not an address: '%s' "
                            "(expected name@domain or Name <name@domain>)",
                            c->pre, c->qual, ks->name, v);
            return;
        }
        free(name);
        free(addr);
        free(*(char **)field);
        *(char **)field = nfc(v);
        return;
    }
    case K_HTTP_URL:
    case K_HTTPS_URL: {
        /* The unsubscribe template's {email} is filled in later; check the
         * URL it becomes, not the braces. */
        char *u = xstrdup(v), *ph;
        while (ks->kind == K_HTTPS_URL && (ph = strstr(u, "{email}"))) {
            *ph = 'x';
            memmove(ph + 1, ph + 7, strlen(ph + 7) + 1);
        }
        int bad = config_check_http_url(u, ks->kind == K_HTTPS_URL, err,
                                        sizeof err);
        free(u);
        if (bad) {
            config_diag_add(c->diag, e->line, "%s%s%s '%s' %s", c->pre, c->qual,
                            ks->name, v, err);
            return;
        }
        free(*(char **)field);
        *(char **)field = xstrdup(v);
        return;
    }
    case K_SMTP_URL: {
        struct config_smtp *smtp = base;
        char *host;
        int port, implicit;
        if (config_parse_smtp_url(v, &host, &port, &implicit, err, sizeof err) != 0) {
            config_diag_add(c->diag, e->line, "%s%s%s '%s' %s", c->pre, c->qual,
                            ks->name, v, err);
            return;
        }
        free(smtp->url);
        free(smtp->host);
        smtp->url = xstrdup(v);
        smtp->host = host;
        smtp->port = port;
        c->smtp_implicit = implicit;
        return;
    }
    case K_TLS: {
        enum config_tls *t = (enum config_tls *)field;
        if (ascii_casecmp(v, "starttls") == 0)
            *t = CONFIG_TLS_STARTTLS;
        else if (ascii_casecmp(v, "tls") == 0)
            *t = CONFIG_TLS_TLS;
        else if (ascii_casecmp(v, "none") == 0)
            *t = CONFIG_TLS_NONE;
        else
            config_diag_add(c->diag, e->line,
                            "%sbad value '%s' for '%s%s': use starttls, tls or none",
                            c->pre, v, c->qual, ks->name);
        return;
    }
    case K_FEED_TYPE: {
        enum config_feed_type *t = (enum config_feed_type *)field;
        if (ascii_casecmp(v, "rss") == 0)
            *t = CONFIG_FEED_RSS;
        else if (ascii_casecmp(v, "html") == 0)
            *t = CONFIG_FEED_HTML;
        else
            config_diag_add(c->diag, e->line,
                            "%sunknown type '%s': use rss (for RSS, RDF and Atom) "
                            "or html", c->pre, v);
        return;
    }
    case K_XPATH:
        /* "auto" would compile (child elements named auto) and match
         * nothing: for article it asks for the generic extraction. */
        if (strcmp(ks->name, "article") == 0 &&
            ascii_casecmp(v, CONFIG_ARTICLE_AUTO) == 0) {
            free(*(char **)field);
            *(char **)field = xstrdup(CONFIG_ARTICLE_AUTO);
            return;
        }
        if (config_check_xpath(v, err, sizeof err) != 0) {
            config_diag_add(c->diag, e->line, "%sbad XPath for '%s%s': %s in '%s'",
                            c->pre, c->qual, ks->name, err, v);
            return;
        }
        free(*(char **)field);
        *(char **)field = xstrdup(v);
        return;
    case K_PHRASES:
    case K_IDLIST: {
        size_t n;
        char **list = split_list(v, ks->kind == K_PHRASES ? ';' : ',', &n);
        if (n == 0 && !ks->empty_ok) {
            config_diag_add(c->diag, e->line, "%s'%s%s' lists nothing",
                            c->pre, c->qual, ks->name);
            return;
        }
        free_list(*(char ***)field, *(size_t *)((char *)base + ks->off_n));
        *(char ***)field = list;
        *(size_t *)((char *)base + ks->off_n) = n;
        return;
    }
    }
}

static const struct key_spec *find_key(const struct key_spec *keys,
                                       const char *name)
{
    for (; keys->name; keys++)
        if (ascii_casecmp(keys->name, name) == 0)
            return keys;
    return NULL;
}

static const struct ini_entry *find_entry(const struct ini_section *s,
                                          const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (ascii_casecmp(s->v[i].key, key) == 0)
            return &s->v[i];
    return NULL;
}

static void apply_keys(struct ctx *c, const struct section_spec *spec,
                       const struct ini_section *s, void *base)
{
    const char *names[32];
    size_t nn = 0;
    for (const struct key_spec *k = spec->keys; k->name && nn < 31; k++)
        names[nn++] = k->name;
    names[nn] = NULL;

    for (size_t i = 0; i < s->n; i++) {
        const struct ini_entry *e = &s->v[i];
        const struct key_spec *ks = find_key(spec->keys, e->key);
        if (!ks) {
            const char *near = config_near_miss(e->key, names);
            if (near)
                config_diag_add(c->diag, e->line,
                                "%sunknown key '%s%s' (did you mean '%s%s'?)",
                                c->pre, c->qual, e->key, c->qual, near);
            else
                config_diag_add(c->diag, e->line, "%sunknown key '%s%s'",
                                c->pre, c->qual, e->key);
            continue;
        }
        const struct ini_entry *first = find_entry(s, e->key);
        if (first != e) {
            config_diag_add(c->diag, e->line,
                            "%sduplicate key '%s%s' (first set at line %d)",
                            c->pre, c->qual, ks->name, first->line);
            continue;
        }
        if (!e->value[0] && !ks->empty_ok) {
            config_diag_add(c->diag, e->line, "%sempty value for '%s%s'",
                            c->pre, c->qual, ks->name);
            continue;
        }
        set_value(c, ks, e, base);
    }
}

static void *grow(void *v, size_t n, size_t size, size_t *cap)
{
    if (n < *cap)
        return v;
    *cap = *cap ? 2 * *cap : 8;
    return xrealloc(v, *cap * size);
}

/* ---- per-section checks ---- */

static void finish_feed(struct ctx *c, const struct ini_section *s,
                        struct config_feed *f)
{
    static const char *const item_keys[] = {
        "item", "item_title", "item_link", "item_date", "item_summary",
        "item_author", "item_id",
    };
    if (!find_entry(s, "url"))
        config_diag_add(c->diag, s->line, "%s has no 'url'", c->who);
    if (f->type == CONFIG_FEED_HTML) {
        static const char *const required[] = {"item", "item_title", "item_link"};
        for (size_t i = 0; i < 3; i++)
            if (!find_entry(s, required[i]))
                config_diag_add(c->diag, s->line, "%s: type html needs '%s'",
                                c->who, required[i]);
    } else {
        for (size_t i = 0; i < sizeof item_keys / sizeof item_keys[0]; i++) {
            const struct ini_entry *e = find_entry(s, item_keys[i]);
            if (e)
                config_diag_add(c->diag, e->line,
                                "%s: '%s' is only used with type = html",
                                c->who, item_keys[i]);
        }
    }
}

/* Two feeds of one document (the same URL once canonical: case, default
 * port, tracking parameters) fetch it twice and list every story under
 * two names; usually one was pasted twice. Not for html sources: one list
 * page may carry two blocks read by different rules. */
static void check_same_urls(struct ctx *c)
{
    const struct config *cfg = c->cfg;
    char **canon = xcalloc(cfg->nfeeds ? cfg->nfeeds : 1, sizeof *canon);
    for (size_t i = 0; i < cfg->nfeeds; i++)
        if (cfg->feeds[i].url && cfg->feeds[i].type == CONFIG_FEED_RSS)
            canon[i] = url_canonical(cfg->feeds[i].url);
    for (size_t j = 0; j < cfg->nfeeds; j++) {
        for (size_t i = 0; canon[j] && i < j; i++) {
            if (canon[i] && strcmp(canon[i], canon[j]) == 0) {
                config_diag_add(c->diag, cfg->feeds[j].line,
                                "feed '%s' has the same url as feed '%s' "
                                "(line %d): it would be fetched twice",
                                cfg->feeds[j].id, cfg->feeds[i].id,
                                cfg->feeds[i].line);
                break;
            }
        }
    }
    for (size_t i = 0; i < cfg->nfeeds; i++)
        free(canon[i]);
    free(canon);
}

static void finish_topic(struct ctx *c, const struct ini_section *s)
{
    if (!find_entry(s, "title"))
        config_diag_add(c->diag, s->line, "%s has no 'title'", c->who);
    if (!find_entry(s, "keywords"))
        config_diag_add(c->diag, s->line, "%s has no 'keywords'", c->who);
}

static int is_loopback(const char *host)
{
    return ascii_casecmp(host, "localhost") == 0 ||
           strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0;
}

static void finish_smtp(struct ctx *c, const struct ini_section *s)
{
    struct config_smtp *smtp = &c->cfg->smtp;
    const struct ini_entry *url = find_entry(s, "url");
    const struct ini_entry *tls = find_entry(s, "tls");
    const struct ini_entry *user = find_entry(s, "user");
    const struct ini_entry *pass = find_entry(s, "password_file");
    smtp->enabled = 1;
    if (!url) {
        config_diag_add(c->diag, s->line, "%s has no 'url'", c->who);
        return;
    }
    if (!smtp->host)
        return; /* a bad url, reported */
    if (!tls)
        smtp->tls = c->smtp_implicit ? CONFIG_TLS_TLS : CONFIG_TLS_STARTTLS;
    else if (c->smtp_implicit && smtp->tls != CONFIG_TLS_TLS)
        config_diag_add(c->diag, tls->line,
                        "smtp.tls '%s' contradicts the smtps:// url (use smtp:// "
                        "for starttls or none)", tls->value);
    else if (!c->smtp_implicit && smtp->tls == CONFIG_TLS_TLS)
        config_diag_add(c->diag, tls->line,
                        "smtp.tls 'tls' needs an smtps:// url");
    if (smtp->tls == CONFIG_TLS_NONE && !is_loopback(smtp->host))
        config_diag_add(c->diag, tls ? tls->line : url->line,
                        "smtp.tls 'none' is only allowed to localhost, 127.0.0.1 "
                        "or ::1, not to '%s'", smtp->host);
    if (smtp->port == 0)
        smtp->port = c->smtp_implicit ? 465 : 587;
    if (user && !pass)
        config_diag_add(c->diag, user->line, "smtp.user needs 'password_file'");
    if (pass && !user)
        config_diag_add(c->diag, pass->line, "smtp.password_file needs 'user'");
}

/* ---- sections ---- */

static int id_error(struct ctx *c, const char *what, const struct ini_section *s)
{
    if (config_is_id(s->name))
        return 0;
    config_diag_add(c->diag, s->line,
                    "bad %s id '%s' (use a-z, 0-9, '.', '_' and '-', starting "
                    "with a letter or digit, at most 64 bytes)", what, s->name);
    return 1;
}

static void section_feed(struct ctx *c, const struct ini_section *s,
                         const struct section_spec *spec, size_t *cap)
{
    struct config *cfg = c->cfg;
    id_error(c, "feed", s);
    for (size_t i = 0; i < cfg->nfeeds; i++) {
        if (strcmp(cfg->feeds[i].id, s->name) == 0) {
            config_diag_add(c->diag, s->line,
                            "duplicate feed '%s' (first defined at line %d)",
                            s->name, cfg->feeds[i].line);
            return;
        }
    }
    cfg->feeds = grow(cfg->feeds, cfg->nfeeds, sizeof *cfg->feeds, cap);
    struct config_feed *f = &cfg->feeds[cfg->nfeeds++];
    memset(f, 0, sizeof *f);
    f->id = xstrdup(s->name);
    f->line = s->line;
    f->type = CONFIG_FEED_RSS;
    f->article_limit = DEFAULT_ARTICLE_LIMIT;
    f->enabled = 1;
    f->backfill = -1; /* [digest] may come later */
    apply_keys(c, spec, s, f);
    finish_feed(c, s, f);
}

static void section_topic(struct ctx *c, const struct ini_section *s,
                          const struct section_spec *spec, size_t *cap)
{
    struct config *cfg = c->cfg;
    id_error(c, "topic", s);
    for (size_t i = 0; i < cfg->ntopics; i++) {
        if (strcmp(cfg->topics[i].id, s->name) == 0) {
            config_diag_add(c->diag, s->line,
                            "duplicate topic '%s' (first defined at line %d)",
                            s->name, cfg->topics[i].line);
            return;
        }
    }
    cfg->topics = grow(cfg->topics, cfg->ntopics, sizeof *cfg->topics, cap);
    struct config_topic *t = &cfg->topics[cfg->ntopics++];
    memset(t, 0, sizeof *t);
    t->id = xstrdup(s->name);
    t->line = s->line;
    apply_keys(c, spec, s, t);
    finish_topic(c, s);
}

static void section_subscriber(struct ctx *c, const struct ini_section *s,
                               const struct section_spec *spec, size_t *cap)
{
    struct config *cfg = c->cfg;
    if (!config_is_address(s->name))
        config_diag_add(c->diag, s->line,
                        "subscriber '%s' is not an email address "
                        "(expected name@domain)", s->name);
    for (size_t i = 0; i < cfg->nsubscribers; i++) {
        /* Mail systems treat the domain, and in practice the local part,
         * without regard to case: two spellings are one person. */
        if (ascii_casecmp(cfg->subscribers[i].email, s->name) == 0) {
            config_diag_add(c->diag, s->line,
                            "duplicate subscriber '%s' (first defined at line %d)",
                            s->name, cfg->subscribers[i].line);
            return;
        }
    }
    size_t oldcap = *cap;
    cfg->subscribers = grow(cfg->subscribers, cfg->nsubscribers,
                            sizeof *cfg->subscribers, cap);
    if (*cap != oldcap || !c->topics_line)
        c->topics_line = xrealloc(c->topics_line, *cap * sizeof *c->topics_line);
    size_t idx = cfg->nsubscribers++;
    struct config_subscriber *sub = &cfg->subscribers[idx];
    memset(sub, 0, sizeof *sub);
    sub->email = xstrdup(s->name);
    sub->line = s->line;
    const struct ini_entry *t = find_entry(s, "topics");
    c->topics_line[idx] = t ? t->line : s->line;
    apply_keys(c, spec, s, sub);
}

/* Messages name the section as the schema spells it, whatever the case
 * the file used. */
static void set_context(struct ctx *c, const struct section_spec *spec,
                        const char *name)
{
    if (spec->named) {
        snprintf(c->who, sizeof c->who, "%s '%s'", spec->type, name);
        snprintf(c->pre, sizeof c->pre, "%s: ", c->who);
        c->qual[0] = '\0';
    } else {
        snprintf(c->who, sizeof c->who, "section [%s]", spec->type);
        c->pre[0] = '\0';
        snprintf(c->qual, sizeof c->qual, "%s.", spec->type);
    }
}

static void apply_sections(struct ctx *c, const struct ini_file *ini)
{
    size_t feed_cap = 0, topic_cap = 0, sub_cap = 0;
    for (size_t i = 0; i < ini->n; i++) {
        const struct ini_section *s = &ini->v[i];
        if (s->broken)
            continue;
        int id = -1;
        for (int k = 0; k < S_COUNT; k++)
            if (ascii_casecmp(sections[k].type, s->type) == 0)
                id = k;
        if (id < 0) {
            const char *near = config_near_miss(s->type, section_names);
            if (near)
                config_diag_add(c->diag, s->line,
                                "unknown section '%s' (did you mean '%s'?)",
                                s->type, near);
            else
                config_diag_add(c->diag, s->line, "unknown section '%s'", s->type);
            continue;
        }
        const struct section_spec *spec = &sections[id];
        if (spec->named && !s->name) {
            config_diag_add(c->diag, s->line,
                            "section '%s' needs a name: [%s \"%s\"]", spec->type,
                            spec->type, id == S_SUBSCRIBER ? "email" : "id");
            continue;
        }
        if (!spec->named && s->name) {
            config_diag_add(c->diag, s->line,
                            "section '%s' takes no name: write [%s]",
                            spec->type, spec->type);
            continue;
        }
        if (!spec->named) {
            if (c->seen[id]) {
                config_diag_add(c->diag, s->line,
                                "duplicate section '%s' (first defined at line %d)",
                                spec->type, c->seen[id]);
                continue;
            }
            c->seen[id] = s->line;
        }
        set_context(c, spec, s->name);
        switch (id) {
        case S_BANTIN:
        case S_OUTBOX:
            apply_keys(c, spec, s, c->cfg);
            break;
        case S_DIGEST:
            c->from_given = find_entry(s, "from") != NULL;
            apply_keys(c, spec, s, &c->cfg->digest);
            break;
        case S_SMTP:
            apply_keys(c, spec, s, &c->cfg->smtp);
            finish_smtp(c, s);
            break;
        case S_FEED:
            section_feed(c, s, spec, &feed_cap);
            break;
        case S_TOPIC:
            section_topic(c, s, spec, &topic_cap);
            break;
        case S_SUBSCRIBER:
            section_subscriber(c, s, spec, &sub_cap);
            break;
        }
    }
}

/* ---- after all sections ---- */

static void use_default_topics(struct config *cfg)
{
    size_t n = config_default_topics_count;
    cfg->topics = xcalloc(n, sizeof *cfg->topics);
    for (size_t i = 0; i < n; i++) {
        struct config_topic *t = &cfg->topics[i];
        t->id = xstrdup(config_default_topics[i].id);
        t->title = nfc(config_default_topics[i].title);
        t->keywords = split_list(config_default_topics[i].keywords, ';',
                                 &t->nkeywords);
    }
    cfg->ntopics = n;
    cfg->default_topics = 1;
}

static void check_subscriber_topics(struct ctx *c)
{
    struct config *cfg = c->cfg;
    const char **ids = xmalloc((cfg->ntopics + 1) * sizeof *ids);
    for (size_t i = 0; i < cfg->ntopics; i++)
        ids[i] = cfg->topics[i].id;
    ids[cfg->ntopics] = NULL;
    for (size_t i = 0; i < cfg->nsubscribers; i++) {
        const struct config_subscriber *s = &cfg->subscribers[i];
        for (size_t k = 0; k < s->ntopics; k++) {
            if (config_find_topic(cfg, s->topics[k]))
                continue;
            const char *near = config_near_miss(s->topics[k], ids);
            char hint[160] = "";
            if (cfg->default_topics && near)
                snprintf(hint, sizeof hint, " (not one of the default topics; "
                         "did you mean '%s'?)", near);
            else if (cfg->default_topics)
                snprintf(hint, sizeof hint, " (not one of the default topics)");
            else if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            config_diag_add(c->diag, c->topics_line[i],
                            "subscriber '%s': unknown topic '%s'%s", s->email,
                            s->topics[k], hint);
        }
    }
    free(ids);
}

static void finish(struct ctx *c)
{
    struct config *cfg = c->cfg;
    if (!cfg->database)
        cfg->database = resolve(cfg, DEFAULT_DATABASE);
    if (!cfg->outbox_dir)
        cfg->outbox_dir = resolve(cfg, DEFAULT_OUTBOX);
    if (!cfg->digest.title)
        cfg->digest.title = xstrdup(DEFAULT_TITLE);
    if (cfg->digest.from &&
        config_parse_mailbox(cfg->digest.from, &cfg->digest.from_name,
                             &cfg->digest.from_addr) != 0) {
        free(cfg->digest.from);
        cfg->digest.from = NULL;
    }
    /* A 'from' that was given but bad is reported already. */
    if (cfg->nsubscribers > 0 && !cfg->digest.from && !c->from_given)
        config_diag_add(c->diag, cfg->subscribers[0].line,
                        "subscribers need a sender: set 'from' in [digest]");
    for (size_t i = 0; i < cfg->nfeeds; i++)
        if (cfg->feeds[i].backfill < 0)
            cfg->feeds[i].backfill = cfg->digest.backfill;
    check_same_urls(c);
    if (cfg->ntopics == 0)
        use_default_topics(cfg);
    check_subscriber_topics(c);
}

/* ---- the API ---- */

const char *config_default_path(const char *opt_c)
{
    if (opt_c)
        return opt_c;
    const char *env = getenv("BANTIN_CONFIG");
    if (env && *env)
        return env;
    if (access("bantin.conf", F_OK) == 0)
        return "bantin.conf";
    return "/etc/bantin/bantin.conf";
}

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash)
        dir = xstrdup(".");
    else if (slash == path)
        dir = xstrdup("/");
    else
        dir = xstrndup(path, (size_t)(slash - path));
    /* Absolute, so a later chdir (or cron's cwd) cannot move the database. */
    char *abs = realpath(dir, NULL);
    if (abs) {
        free(dir);
        return abs;
    }
    return dir;
}

static void set_defaults(struct config *cfg)
{
    cfg->tz_offset = DEFAULT_TZ;
    cfg->limits.body_max = LIMIT_BODY_BYTES;
    cfg->limits.connect_timeout = LIMIT_CONNECT_TIMEOUT_S;
    cfg->limits.timeout = LIMIT_TOTAL_TIMEOUT_S;
    cfg->limits.max_redirects = LIMIT_REDIRECTS;
    cfg->limits.items_max = LIMIT_ITEMS_PER_DOC;
    cfg->digest.backfill = DEFAULT_BACKFILL;
    cfg->digest.max_age = DEFAULT_MAX_AGE;
    cfg->keep = DEFAULT_KEEP;
    cfg->smtp.timeout = DEFAULT_SMTP_TIMEOUT;
}

enum config_status config_load(const char *path, struct config *out,
                               struct config_diag *diag)
{
    memset(out, 0, sizeof *out);
    memset(diag, 0, sizeof *diag);
    diag->file = xstrdup(path);

    struct stat st;
    if (stat(path, &st) != 0) {
        config_diag_add(diag, 0, "cannot read config: %s", strerror(errno));
        return CONFIG_MISSING;
    }
    if (S_ISDIR(st.st_mode)) {
        config_diag_add(diag, 0, "cannot read config: %s", strerror(EISDIR));
        return CONFIG_MISSING;
    }
    char *text;
    size_t len;
    if (read_file(path, LIMIT_CONFIG_BYTES, &text, &len) != 0) {
        if (errno == EFBIG) {
            config_diag_add(diag, 0, "larger than %u bytes: not a config file?",
                            LIMIT_CONFIG_BYTES);
            return CONFIG_INVALID;
        }
        config_diag_add(diag, 0, "cannot read config: %s", strerror(errno));
        return CONFIG_MISSING;
    }

    struct config *cfg = out;
    cfg->path = xstrdup(path);
    cfg->dir = folder_of(path);
    set_defaults(cfg);

    struct ini_file ini;
    config_ini_parse(text, len, &ini, diag);
    free(text);

    struct ctx c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.diag = diag;
    apply_sections(&c, &ini);
    config_ini_release(&ini);
    finish(&c);
    free(c.topics_line);

    if (diag->n) {
        diag_sort(diag);
        config_release(cfg);
        return CONFIG_INVALID;
    }
    return CONFIG_OK;
}

static void release_rules(struct config_rules *r)
{
    free(r->item);
    free(r->title);
    free(r->link);
    free(r->date);
    free(r->summary);
    free(r->author);
    free(r->id);
    free(r->article);
}

void config_release(struct config *cfg)
{
    free(cfg->path);
    free(cfg->dir);
    free(cfg->database);
    free(cfg->digest.title);
    free(cfg->digest.from);
    free(cfg->digest.from_name);
    free(cfg->digest.from_addr);
    free(cfg->digest.reply_to);
    free(cfg->digest.unsubscribe_url);
    free(cfg->smtp.url);
    free(cfg->smtp.host);
    free(cfg->smtp.user);
    free(cfg->smtp.password_file);
    free(cfg->smtp.ca_file);
    free(cfg->proxy);
    free(cfg->outbox_dir);
    for (size_t i = 0; i < cfg->nfeeds; i++) {
        struct config_feed *f = &cfg->feeds[i];
        free(f->id);
        free(f->url);
        free(f->title);
        release_rules(&f->rules);
    }
    free(cfg->feeds);
    for (size_t i = 0; i < cfg->ntopics; i++) {
        struct config_topic *t = &cfg->topics[i];
        free(t->id);
        free(t->title);
        free_list(t->keywords, t->nkeywords);
        free_list(t->exclude, t->nexclude);
    }
    free(cfg->topics);
    for (size_t i = 0; i < cfg->nsubscribers; i++) {
        struct config_subscriber *s = &cfg->subscribers[i];
        free(s->email);
        free(s->name);
        free_list(s->topics, s->ntopics);
    }
    free(cfg->subscribers);
    memset(cfg, 0, sizeof *cfg);
}

char *config_summary(const struct config *cfg)
{
    size_t disabled = 0;
    for (size_t i = 0; i < cfg->nfeeds; i++)
        disabled += !cfg->feeds[i].enabled;
    char dis[64] = "";
    if (disabled)
        snprintf(dis, sizeof dis, " (%zu disabled)", disabled);
    return xasprintf("%zu feed%s%s, %zu topic%s%s, %zu subscriber%s",
                     cfg->nfeeds, cfg->nfeeds == 1 ? "" : "s", dis,
                     cfg->ntopics, cfg->ntopics == 1 ? "" : "s",
                     cfg->default_topics ? " (default topics)" : "",
                     cfg->nsubscribers, cfg->nsubscribers == 1 ? "" : "s");
}

const struct config_feed *config_find_feed(const struct config *cfg,
                                           const char *id)
{
    for (size_t i = 0; i < cfg->nfeeds; i++)
        if (strcmp(cfg->feeds[i].id, id) == 0)
            return &cfg->feeds[i];
    return NULL;
}

const struct config_topic *config_find_topic(const struct config *cfg,
                                             const char *id)
{
    for (size_t i = 0; i < cfg->ntopics; i++)
        if (strcmp(cfg->topics[i].id, id) == 0)
            return &cfg->topics[i];
    return NULL;
}

const struct config_subscriber *
config_find_subscriber(const struct config *cfg, const char *email)
{
    for (size_t i = 0; i < cfg->nsubscribers; i++)
        if (ascii_casecmp(cfg->subscribers[i].email, email) == 0)
            return &cfg->subscribers[i];
    return NULL;
}
