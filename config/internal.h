/* internal.h - what the files of config/ share and nobody else uses.
 *
 * ini.c turns the text into sections of key = value lines, each with its
 * line number; check.c holds the value checkers; config.c applies the
 * schema; topics_default.c holds the built-in topics. */
#ifndef BANTIN_CONFIG_INTERNAL_H
#define BANTIN_CONFIG_INTERNAL_H

#include <stddef.h>

#include "config/config.h"

struct ini_entry {
    char *key;              /* as written: [A-Za-z0-9_.-]+ */
    char *value;            /* unquoted, comment and outer blanks removed */
    int line;
};

struct ini_section {
    char *type;             /* as written, e.g. "feed"; NULL when broken */
    char *name;             /* the quoted part, or NULL when there is none */
    int line;
    int broken;             /* malformed header: its keys are dropped silently */
    struct ini_entry *v;
    size_t n, cap;
};

struct ini_file {
    struct ini_section *v;
    size_t n, cap;
};

/* Split text (len bytes, need not be NUL-terminated) into sections. Every
 * syntax problem goes to diag with its line; the line is then skipped.
 * *out is the caller's: release with config_ini_release. */
void config_ini_parse(const char *text, size_t len, struct ini_file *out,
                      struct config_diag *diag);
void config_ini_release(struct ini_file *f);

/* Add a problem at line (0: the whole file). */
void config_diag_add(struct config_diag *d, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when s[0..n) is valid UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF); else 0 with the offset of the first bad byte. */
int config_utf8_valid(const char *s, size_t n, size_t *bad);

/* Optimal-string-alignment distance (a transposition costs 1), ASCII case
 * folded; stops counting past 3, which is all "did you mean" needs. */
int config_edit_distance(const char *a, const char *b);

/* The candidate nearest to word when it is a near miss (distance <= 2 and
 * less than the word's length), else NULL. cands ends with NULL. */
const char *config_near_miss(const char *word, const char *const *cands);

/* 1 when s is a feed or topic id: [a-z0-9][a-z0-9._-]*, at most 64 bytes. */
int config_is_id(const char *s);

/* Check an http(s) URL: scheme http or https (any case), a host, no
 * blanks or control characters. Returns 0, or -1 with a reason in err. */
int config_check_http_url(const char *s, int https_only, char *err,
                          size_t errsize);

/* Compile an XPath expression with libxml2, silencing its error output.
 * Returns 0, or -1 with libxml2's reason (and the position) in err. */
int config_check_xpath(const char *expr, char *err, size_t errsize);

/* Split "Name <addr>" or "addr" (RFC 5322 mailbox, display name optionally
 * quoted). Returns 0 with *name (NULL when absent) and *addr malloc'd, or
 * -1 when the address part is not config_is_address. */
int config_parse_mailbox(const char *s, char **name, char **addr);

/* Parse an SMTP URL: smtp:// or smtps://, host (or [IPv6]), optional
 * :port, an optional final "/". Returns 0 with *host malloc'd, *port (0
 * when not given) and *tls_implicit; or -1 with a reason in err. */
int config_parse_smtp_url(const char *s, char **host, int *port,
                          int *tls_implicit, char *err, size_t errsize);

/* The built-in topics (VIETNAMESE.md section 4), used when the file has no
 * [topic]. keywords is one ';'-separated string, as in the file. */
struct config_default_topic {
    const char *id;
    const char *title;
    const char *keywords;
};
extern const struct config_default_topic config_default_topics[];
extern const size_t config_default_topics_count;

#endif
