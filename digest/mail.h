/* mail.h - the digest as a MIME message (libetpan), and its header words.
 *
 * mail_build makes one RFC 5322 message per digest x subscriber:
 * multipart/alternative with the text/plain part (quoted-printable) first
 * and the text/html part (base64) last, both UTF-8, CRLF line ends. Every
 * header text goes through mail_encode_header (libetpan has no RFC 2047
 * encoder, LIBS.md 1.2); the Date, Message-ID and boundary are made here,
 * not by libetpan (half-hour zones, unseeded random(): LIBS.md 1.3), so
 * there is no global state and nothing to initialize. */
#ifndef BANTIN_MAIL_H
#define BANTIN_MAIL_H

#include <stddef.h>
#include <stdint.h>

struct mail_message {
    const char *from_name;   /* display name, UTF-8 NFC, or NULL */
    const char *from_addr;   /* ASCII addr-spec: local@domain */
    const char *to_name;     /* display name, UTF-8 NFC, or NULL */
    const char *to_addr;     /* ASCII addr-spec */
    const char *subject;     /* UTF-8 NFC, or NULL for none */
    int64_t date;            /* UTC seconds */
    int tz_offset;           /* seconds east of UTC shown in Date: 25200 = +0700 */
    const char *message_id;  /* without <>, from mail_message_id */
    const char *list_unsubscribe_url;  /* https URL, or NULL */
    const char *text;        /* plain-text body, UTF-8; LF or CRLF line ends */
    const char *html;        /* HTML body, UTF-8, or NULL for text/plain only */
};

/* Build the message. Returns 0 and sets *out (malloc'd, NUL-terminated,
 * caller frees) and *outlen; err is then "" or a warning that something
 * optional was left out (a list_unsubscribe_url that is not a plain ASCII
 * https URL: no List-Unsubscribe headers). Returns -1 with err set when an
 * address, the Message-ID, the date or the zone is invalid or the text is
 * missing; *out is then untouched. Dies on OOM like xmalloc. */
int mail_build(const struct mail_message *m, char **out, size_t *outlen,
               char *err, size_t errlen);

/* The Message-ID (without <>) of the digest of day for one subscriber:
 * "bantin.<day>.<16 hex>@<domain of from_addr>", the hex a 64-bit hash of
 * the subscriber address (ASCII case folded). The same arguments always
 * give the same id, on every run and every version, so a digest sent twice
 * folds into one in the reader's client (DESIGN.md invariants): never
 * change the hash. Returns a malloc'd string (caller frees), or NULL when
 * day is empty or holds characters other than [A-Za-z0-9-], or from_addr
 * has no valid domain. */
char *mail_message_id(const char *day, const char *subscriber,
                      const char *from_addr);

/* RFC 2047 (rfc2047.c). Returns header text safe for Subject or a display
 * name, malloc'd (caller frees): control characters (CR, LF, TAB, C1) turn
 * into spaces, runs of spaces into one, the ends are trimmed, invalid
 * UTF-8 becomes U+FFFD. Printable ASCII without specials, "=?" or a word
 * over 70 characters is returned as is; anything else becomes
 * "=?UTF-8?B?...?=" words of at most 36 bytes of text each (60 characters),
 * split only between characters (never inside a UTF-8 sequence, never
 * before a combining mark), joined by single spaces where the header
 * writer may fold. NULL gives "". Never fails. */
char *mail_encode_header(const char *utf8);

#endif
