/* render.h - a day's digest as the text/plain part, the text/html part, or JSON.
 *
 * Pure functions: a struct digest in, a malloc'd NUL-terminated string out.
 * Every string of the digest is treated as untrusted: invalid UTF-8 becomes
 * U+FFFD, tabs, newlines and line separators become spaces, other control
 * characters (C0, DEL, C1) and bidi overrides vanish, runs of spaces
 * collapse.
 * Lines end in "\n" (never CR): the mail stage turns them into CRLF and
 * must send both parts quoted-printable or base64 (VIETNAMESE.md 6). */
#ifndef BANTIN_RENDER_H
#define BANTIN_RENDER_H

#include <stdint.h>

#include "digest/digest.h"

/* Vietnam time, UTC+07:00 without DST (VIETNAMESE.md 2). */
#define RENDER_TZ_VIETNAM 25200

struct render_options {
    const char *recipient_name;   /* "Kính gửi <name>,"; NULL: Quý bạn đọc */
    const char *unsubscribe_url;  /* http(s) or mailto; NULL: no footer */
    int tz_offset;                /* seconds east of UTC, for story times */
    int64_t generated;            /* UTC seconds; TIME_NONE: not shown */
};

/* Fill o with the defaults: no name, no footer, Vietnam time, no
 * "generated" line. */
void render_options_init(struct render_options *o);

/* The text/plain part: Vietnamese, summaries wrapped at 72 columns, lines
 * of at most 78 columns except a URL that does not fit, and never more
 * than 990 bytes (RFC 5322 allows 998). o may be NULL (the defaults).
 * Returns a malloc'd string the caller frees; never NULL (dies on OOM). */
char *render_text(const struct digest *d, const struct render_options *o);

/* The text/html part: a complete UTF-8 document, one 640-pixel column of
 * tables with inline CSS only, no external resource. Every piece of feed
 * text is escaped; only http and https links become <a href>. Kept under
 * 72 000 bytes when it can be (Gmail clips past 102 KB): a bigger digest
 * shows only the first 10, 5, 3, 1 or 0 stories of each topic in full and
 * the rest as one line each (title link and sources). o may be NULL.
 * Returns a malloc'd string the caller frees; never NULL. */
char *render_html(const struct digest *d, const struct render_options *o);

/* The JSON of `bantin digest --format json` (DESIGN.md), compact, on one
 * line ending in "\n"; times RFC 3339 UTC or null. A source's "title" is
 * the item's title as that feed wrote it. Returns a malloc'd string the
 * caller frees, or NULL if jansson fails (it cannot on cleaned text). */
char *render_json(const struct digest *d);

#endif
