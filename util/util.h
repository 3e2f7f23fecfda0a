/* util.h - memory, messages and small helpers shared by every stage.
 *
 * Messages: every line starts "bantin: ". Library code returns codes and
 * an error string; only main.c decides the exit status (STYLE.md 9-10). */
#ifndef BANTIN_UTIL_H
#define BANTIN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation that dies on OOM: bantin is a CLI, like git and sfeed. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Verbosity, set by main from -q / -v. */
extern int msg_quiet;    /* -q: only errors */
extern int msg_verbose;  /* -v: also info lines */

/* "bantin: <message>" on stderr. */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "bantin: warning: <message>" on stderr, unless -q. */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "bantin: <message>" on stderr, only with -v. */
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print like msg_error and exit with status. For startup, config, OOM. */
void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Locale-independent ASCII classes (sfeed): the locale must not change
 * how bytes of a feed are classified. */
#define IS_SPACE(c) ((c) == ' ' || ((unsigned)(c) - '\t') < 5)
#define IS_DIGIT(c) (((unsigned)(c) - '0') < 10)
#define IS_ALPHA(c) ((((unsigned)(c) | 32) - 'a') < 26)
#define TO_LOWER(c) (((unsigned)(c) - 'A') < 26 ? (c) | 32 : (c))

/* ASCII case-insensitive compare, independent of the locale. */
int ascii_casecmp(const char *a, const char *b);
int ascii_ncasecmp(const char *a, const char *b, size_t n);

/* Read a whole file (or stdin when path is "-") into a malloc'd,
 * NUL-terminated buffer of at most max bytes. Returns 0, or -1 with errno
 * set (EFBIG when the file is larger than max). *out is the caller's. */
int read_file(const char *path, size_t max, char **out, size_t *outlen);

/* Times: seconds since the epoch, UTC. TIME_NONE means "unknown". */
#define TIME_NONE INT64_MIN
/* Write t as RFC 3339 UTC ("2022-09-15T06:50:00Z") into buf (>= 21 bytes). */
void time_format_utc(int64_t t, char *buf, size_t size);
/* Days-from-civil (proleptic Gregorian), without the C library's time zone. */
int64_t time_from_civil(int year, int month, int day, int hour, int min, int sec);

#endif
