/* config.h - bantin.conf: read, validate and hold the admin's settings.
 *
 * The file is INI with named sections, like git config (DESIGN.md
 * "Config"; the format is documented in bantin.conf(5)). config_load reads
 * it, checks everything it can check without the network (URLs, XPath rules,
 * addresses, durations, the SMTP password file's mode) and either fills a
 * struct config or reports EVERY problem as FILE:LINE: message.
 *
 * Everything in a loaded struct config is valid and final: defaults are
 * filled in, relative paths are absolute (resolved against the folder of the
 * config file), durations are seconds, sizes are bytes, text is UTF-8 NFC.
 * Later stages read it and never re-validate. */
#ifndef BANTIN_CONFIG_H
#define BANTIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Network limits of DESIGN.md "Limits" that [bantin] may override. */
struct config_limits {
    size_t body_max;        /* largest decoded body, bytes (LIMIT_BODY_BYTES) */
    long connect_timeout;   /* seconds (LIMIT_CONNECT_TIMEOUT_S) */
    long timeout;           /* seconds for a whole transfer (LIMIT_TOTAL_TIMEOUT_S) */
    long max_redirects;     /* LIMIT_REDIRECTS */
    long items_max;         /* items kept per document (LIMIT_ITEMS_PER_DOC) */
};

struct config_digest {
    char *title;            /* "Bản tin Dân vận" unless set */
    char *from;             /* as written; NULL only when there are no subscribers */
    char *from_name;        /* display name of from, or NULL */
    char *from_addr;        /* addr-spec of from, or NULL */
    char *reply_to;         /* addr-spec, or NULL */
    char *unsubscribe_url;  /* https URL; "{email}" is replaced, or NULL */
    int64_t backfill;       /* seconds: a new feed contributes items this recent */
    int64_t max_age;        /* seconds: older items never enter a digest */
};

enum config_tls {
    CONFIG_TLS_STARTTLS,    /* smtp:// then STARTTLS (required, not opportunistic) */
    CONFIG_TLS_TLS,         /* smtps://: TLS from the first byte */
    CONFIG_TLS_NONE,        /* plain text: only to localhost, 127.0.0.1, ::1 */
};

struct config_smtp {
    int enabled;            /* 0: no [smtp] section, write .eml files to outbox_dir */
    char *url;              /* as written: smtp://host[:port] or smtps://... */
    char *host;             /* without brackets for an IPv6 literal */
    int port;               /* 587 for smtp://, 465 for smtps:// unless given */
    enum config_tls tls;    /* default: starttls for smtp://, tls for smtps:// */
    char *user;             /* NULL: no AUTH */
    char *password_file;    /* absolute path, mode checked to be 0600-ish; or NULL */
    char *ca_file;          /* absolute path of a PEM bundle that replaces the
                               system trust store for the server's certificate; or NULL */
    long timeout;           /* seconds per SMTP command */
};

enum config_feed_type {
    CONFIG_FEED_RSS,        /* RSS 0.9x/2.0, RDF or Atom: the parser tells them apart */
    CONFIG_FEED_HTML,       /* a list page scraped with the XPath rules below */
};

/* XPath rules (strings that compiled with libxml2; NULL when unset). item is
 * evaluated on the page; the other item_* rules are relative to each item
 * node. article is evaluated on an article's own page; it may also be
 * CONFIG_ARTICLE_AUTO: fetch article pages and find their text by the
 * generic extraction (parse/article.h). */
#define CONFIG_ARTICLE_AUTO "auto"
struct config_rules {
    char *item, *title, *link, *date, *summary, *author, *id;
    char *article;
};

struct config_feed {
    char *id;               /* [a-z0-9][a-z0-9._-]*, unique among feeds */
    char *url;              /* http:// or https:// with a host */
    char *title;            /* NULL: use the title the feed declares */
    enum config_feed_type type;
    struct config_rules rules; /* html needs item, title, link */
    long article_limit;     /* article pages fetched per run (default 20) */
    int enabled;            /* 0: kept in the config and the store, not fetched */
    int64_t backfill;       /* seconds; the [digest] backfill unless overridden */
    int line;               /* line of its [feed] header */
};

struct config_topic {
    char *id;               /* [a-z0-9][a-z0-9._-]*, unique among topics */
    char *title;
    char **keywords;        /* nkeywords >= 1 trimmed, NFC, non-empty phrases */
    size_t nkeywords;
    char **exclude;         /* phrases that veto the topic; may be empty */
    size_t nexclude;
    int line;               /* line of its [topic] header; 0 for a built-in one */
};

struct config_subscriber {
    char *email;            /* addr-spec as written, unique (case-insensitively) */
    char *name;             /* NULL when not given */
    char **topics;          /* ids of existing topics; ntopics == 0 means all */
    size_t ntopics;
    int line;               /* line of its [subscriber] header */
};

struct config {
    char *path;             /* the file as named to config_load */
    char *dir;              /* absolute folder of the file */
    /* [bantin] */
    char *database;         /* absolute path; default "bantin.db" beside the file */
    int tz_offset;          /* seconds east of UTC; default +07:00 = 25200 */
    struct config_limits limits;
    struct config_digest digest;
    struct config_smtp smtp;
    char *outbox_dir;       /* absolute; default "outbox" beside the file */
    int64_t keep;           /* seconds: history older than this is pruned (default 180 days) */
    char *proxy;            /* http(s)://host:port of the HTTP proxy every
                               fetch goes through, or NULL: direct (the
                               environment's http_proxy is ignored) */

    struct config_feed *feeds;     /* in file order */
    size_t nfeeds;
    struct config_topic *topics;   /* in file order, or the built-in list */
    size_t ntopics;
    int default_topics;     /* 1: the file has no [topic], the built-in 12 apply */
    struct config_subscriber *subscribers;  /* in file order */
    size_t nsubscribers;
};

/* One problem found in the file. line is 0 for the file as a whole. */
struct config_problem {
    int line;
    char *msg;              /* git style: lowercase, no final period */
};

/* Every problem config_load found, sorted by line (ties in the order found).
 * Initialized by config_load; release with config_diag_release. */
struct config_diag {
    char *file;             /* the path as given, used in FILE:LINE */
    struct config_problem *v;
    size_t n, cap;
};

enum config_status {
    CONFIG_OK = 0,
    CONFIG_MISSING,         /* the file cannot be opened or read (EX_NOINPUT) */
    CONFIG_INVALID,         /* it was read and has problems (EX_CONFIG) */
};

/* The config file to use (DESIGN.md): opt_c (the -c option) when not NULL,
 * else $BANTIN_CONFIG when set and non-empty, else ./bantin.conf when it
 * exists, else /etc/bantin/bantin.conf. Returns opt_c, the environment's
 * string or a static string: never NULL, never to be freed. */
const char *config_default_path(const char *opt_c);

/* Read and validate the config file at path into *out.
 * Returns CONFIG_OK with *out filled and diag->n == 0; or CONFIG_MISSING
 * (one problem at line 0 naming the system error) or CONFIG_INVALID (every
 * problem found), both with *out zeroed. Either way the caller releases
 * *out with config_release and *diag with config_diag_release.
 * Uses libxml2's XPath compiler; libxml2's own error output is silenced
 * while it runs and the previous handlers are restored. */
enum config_status config_load(const char *path, struct config *out,
                               struct config_diag *diag);

/* Free everything in cfg and zero it; safe on a zeroed struct. */
void config_release(struct config *cfg);

/* Print each problem as "FILE:LINE: message" (or "FILE: message" for line
 * 0), one per line, to f. */
void config_diag_print(const struct config_diag *diag, FILE *f);

/* Free the problems and zero diag; safe on a zeroed struct. */
void config_diag_release(struct config_diag *diag);

/* The one-line summary of `bantin check`, without a newline:
 * "12 feeds, 12 topics (default topics), 40 subscribers", with
 * "(N disabled)" after the feeds when some are. Caller frees. */
char *config_summary(const struct config *cfg);

/* Look a feed or topic up by id, a subscriber by address (ASCII case
 * ignored, as check compares them). Returns a pointer into cfg, or NULL. */
const struct config_feed *config_find_feed(const struct config *cfg,
                                           const char *id);
const struct config_topic *config_find_topic(const struct config *cfg,
                                             const char *id);
const struct config_subscriber *
config_find_subscriber(const struct config *cfg, const char *email);

/* Value parsers of the config format, also for command-line options.
 * Each returns 0 and stores the result, or -1 with a short reason in err
 * (e.g. "unknown unit 'x'"), *out untouched. */

/* Duration: one or more <number><unit> with unit s, m, h, d or w, e.g.
 * "30s", "36h", "2d", "1d12h"; no sign, at most CONFIG_DURATION_MAX. */
int config_parse_duration(const char *s, int64_t *out, char *err, size_t errsize);
/* Size: a number of bytes, optionally followed by K, M or G (powers of
 * 1024, any case, an optional trailing B), e.g. "10M", "512K", "65536". */
int config_parse_size(const char *s, uint64_t *out, char *err, size_t errsize);
/* Boolean: true/false, yes/no, on/off, 1/0 (any case). */
int config_parse_bool(const char *s, int *out, char *err, size_t errsize);
/* UTC offset: exactly "+HH:MM" or "-HH:MM", at most 14:00; seconds east. */
int config_parse_tz(const char *s, int *out, char *err, size_t errsize);

/* Longest duration accepted: ten years covers every sensible backfill or
 * timeout and keeps sums of durations and times far from int64 overflow. */
#define CONFIG_DURATION_MAX ((int64_t)3650 * 86400)

/* 1 when s is an addr-spec bantin can mail: local@domain, ASCII, no spaces
 * or angle brackets, a dot-atom local part of at most 64 bytes, a domain of
 * letters, digits and hyphens in dot-separated labels, 254 bytes in all. */
int config_is_address(const char *s);

#endif
