/* mail.c - the digest as a MIME message built with libetpan. */
#include "mail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "util/util.h"

/* RFC 5321 4.5.3.1.3: a path holds at most 256 octets, so an address at
 * most 254. */
#define ADDR_MAX 254
/* The URL goes on a line of its own ("List-Unsubscribe:" is folded
 * before it), which RFC 5322 2.1.1 caps at 998 characters with the <>. */
#define UNSUB_URL_MAX 990
/* RFC 5322 3.6.4 sets no bound on a msg-id; the line limit does. */
#define MSGID_MAX 250
/* Zones in use run from -12:00 to +14:00. */
#define TZ_MAX_SECONDS (14 * 3600)

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* libetpan returns NULL or an error code only when malloc fails (every
 * argument here is checked first): die like xmalloc does. */
static void *need(void *p)
{
    if (!p)
        die(EX_OSERR, "out of memory building a message");
    return p;
}

static void need_ok(int r)
{
    if (r != MAILIMF_NO_ERROR)
        die(EX_OSERR, "out of memory building a message (libetpan error %d)", r);
}

/* RFC 5322 3.2.3 atext. */
static int is_atext(int c)
{
    return IS_ALPHA(c) || IS_DIGIT(c) ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot-atom-text: atext runs joined by single dots. */
static int dot_atom(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

/* A hostname: letters, digits, hyphens, dots; no empty label. */
static int domain_ok(const char *s, size_t n)
{
    if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '.' ? s[i + 1] == '.' : !(IS_ALPHA(c) || IS_DIGIT(c) || c == '-'))
            return 0;
    }
    return 1;
}

/* local@domain as a dot-atom and a hostname: all bantin sends to or from.
 * Quoted local parts and UTF-8 addresses (SMTPUTF8) are refused rather
 * than written wrongly. */
static int addr_ok(const char *a)
{
    if (!a)
        return 0;
    size_t n = strlen(a);
    const char *at = strrchr(a, '@');
    if (n > ADDR_MAX || !at)
        return 0;
    return dot_atom(a, (size_t)(at - a)) && domain_ok(at + 1, strlen(at + 1));
}

/* id-left "@" id-right, both dot-atom-text (RFC 5322 3.6.4). */
static int msgid_ok(const char *id)
{
    if (!id)
        return 0;
    const char *at = strchr(id, '@');
    size_t n = strlen(id);
    if (n > MSGID_MAX || !at)
        return 0;
    return dot_atom(id, (size_t)(at - id)) && dot_atom(at + 1, strlen(at + 1));
}

/* https only (RFC 8058 one-click needs it), printable ASCII of RFC 3986
 * without ',' (the List-Unsubscribe list separator, RFC 2369 2) and
 * without the <> around it. */
static int unsub_ok(const char *u)
{
    if (!u || ascii_ncasecmp(u, "https://", 8) != 0 || !u[8])
        return 0;
    size_t n = strlen(u);
    if (n > UNSUB_URL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)u[i];
        if (!(IS_ALPHA(c) || IS_DIGIT(c) ||
              (c && strchr("-._~:/?#[]@!$&'()*+;=%", c))))
            return 0;
    }
    return 1;
}

/* Date: from the UTC time and the offset, by hand: mailimf_get_date()
 * writes +0550 for +05:30 (LIBS.md 1.3). */
static struct mailimf_date_time *date_new(int64_t t, int off, char *err,
                                          size_t errlen)
{
    if (off % 60 != 0 || off < -TZ_MAX_SECONDS || off > TZ_MAX_SECONDS) {
        fail(err, errlen, "invalid time zone offset %d s", off);
        return NULL;
    }
    /* Years 1900-9999 keep the four digits of RFC 5322 3.3. */
    if (t < -2208988800LL || t > 253402214400LL) {
        fail(err, errlen, "date out of range");
        return NULL;
    }
    time_t local = (time_t)(t + off);
    struct tm tm;
    if (!gmtime_r(&local, &tm)) {
        fail(err, errlen, "date out of range");
        return NULL;
    }
    int a = off < 0 ? -off : off;
    int zone = (a / 3600 * 100 + a % 3600 / 60) * (off < 0 ? -1 : 1);
    return need(mailimf_date_time_new(tm.tm_mday, tm.tm_mon + 1,
                                      tm.tm_year + 1900, tm.tm_hour,
                                      tm.tm_min, tm.tm_sec, zone));
}

/* The body with every line end as LF (qp_encode's input) or as CRLF (the canonical form of text, RFC 2046
 * 4.1.1, which base64 carries as is). Returns a malloc'd copy. */
static char *line_ends(const char *s, int crlf)
{
    size_t n = strlen(s);
    char *out = xmalloc(2 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            if (s[i] == '\r' && s[i + 1] == '\n')
                i++;
            if (crlf)
                *o++ = '\r';
            *o++ = '\n';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Quoted-printable (RFC 2045 6.7) of LF-ended text, with CRLF line ends
 * and lines of at most 76 characters. Done here because libetpan 1.9.4's
 * writer keeps a space before a line end and adds its =20 too ("a \n"
 * comes out "a =20", read back as "a  "), and leaves a final space bare.
 * A UTF-8 character's =XX triplets stay on one line, and "From " at a
 * line start is written "=46rom " so that mbox tools leave it alone.
 * Returns a malloc'd string that ends in CRLF unless empty. */
static char *qp_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    /* 3 bytes per input byte, a CR per LF, and a soft break "=\r\n" per
     * line of at least 64 columns, which take at least 22 input bytes. */
    char *out = xmalloc(n * 3 + n + (n / 16 + 2) * 3 + 1), *o = out;
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            *o++ = '\r';
            *o++ = '\n';
            col = 0;
            i++;
            continue;
        }
        size_t k = 1;   /* input bytes of this token */
        if (c >= 0xC0) {
            size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            while (k < want && i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
                k++;
        }
        int last = i + k == n || s[i + k] == '\n';
        int literal = k == 1 && c != '=' &&
                      ((c > 32 && c < 127) || ((c == ' ' || c == '\t') && !last)) &&
                      !(c == 'F' && col == 0 && strncmp(s + i, "From ", 5) == 0);
        size_t w = literal ? 1 : 3 * k;
        /* Room for the soft break's "=" unless the line ends here. */
        if (col + w > (last ? 76 : 75)) {
            memcpy(o, "=\r\n", 3);
            o += 3;
            col = 0;
        }
        for (size_t j = 0; j < k; j++) {
            unsigned char b = (unsigned char)s[i + j];
            if (literal) {
                *o++ = (char)b;
            } else {
                *o++ = '=';
                *o++ = hex[b >> 4];
                *o++ = hex[b & 15];
            }
        }
        col += w;
        i += k;
    }
    /* End on CRLF, as SMTP DATA and mbox want, without adding a line
     * break to the text: a final soft break decodes to nothing. */
    if (col > 0) {
        memcpy(o, "=\r\n", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

/* A text/X part with charset utf-8 whose body is already encoded with
 * mechanism (quoted-printable by qp_encode), or is to be (base64, which
 * libetpan writes correctly). The body is not copied: it must outlive
 * mailmime_write_mem. */
static struct mailmime *text_part(const char *type, int mechanism,
                                  const char *body, int encoded)
{
    struct mailmime_content *ct = need(mailmime_content_new_with_str(type));
    struct mailmime_fields *fl = need(mailmime_fields_new_encoding(mechanism));
    struct mailmime *part = need(mailmime_new_empty(ct, fl));
    /* Copies both strings. */
    struct mailmime_parameter *p =
        need(mailmime_param_new_with_data("charset", "utf-8"));
    if (clist_append(ct->ct_parameters, p) < 0)
        die(EX_OSERR, "out of memory building a message");
    part->mm_data.mm_single = need(mailmime_data_new(
        MAILMIME_DATA_TEXT, mechanism, encoded, body, strlen(body), NULL));
    return part;
}

/* A boundary from 128 random bits, to replace the one libetpan makes from
 * the unseeded random(), the time and the pid (the same first value in
 * every run, LIBS.md 1.3). "=_" can occur neither in quoted-printable
 * ("=" is written "=3D") nor in base64, so no body line can look like it. */
static int make_boundary(char *b, size_t size, char *err, size_t errlen)
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t k = getrandom(r + got, sizeof r - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            fail(err, errlen, "getrandom: %s", strerror(errno));
            return -1;
        }
        got += (size_t)k;
    }
    size_t n = (size_t)snprintf(b, size, "=_bantin_");
    for (size_t i = 0; i < sizeof r && n + 2 < size; i++, n += 2)
        snprintf(b + n, size - n, "%02x", r[i]);
    return 0;
}

static void set_boundary(struct mailmime *alt, const char *b)
{
    for (clistiter *it = clist_begin(alt->mm_content_type->ct_parameters); it;
         it = clist_next(it)) {
        struct mailmime_parameter *p = clist_content(it);
        if (ascii_casecmp(p->pa_name, "boundary") == 0) {
            free(p->pa_value);
            p->pa_value = xstrdup(b);
            return;
        }
    }
    die(EX_SOFTWARE, "libetpan made a multipart without a boundary");
}

static void add_custom(struct mailimf_fields *f, const char *name,
                       const char *value)
{
    struct mailimf_field *fd =
        need(mailimf_field_new_custom(xstrdup(name), xstrdup(value)));
    need_ok(mailimf_fields_add(f, fd));
}

static struct mailimf_fields *header_new(const struct mail_message *m,
                                         struct mailimf_date_time *date,
                                         char *err, size_t errlen)
{
    struct mailimf_mailbox_list *from = need(mailimf_mailbox_list_new_empty());
    struct mailimf_address_list *to = need(mailimf_address_list_new_empty());
    /* An encoded display name is atext to libetpan, so it is written as
     * an unquoted phrase, as RFC 2047 5 requires. */
    char *fn = m->from_name ? mail_encode_header(m->from_name) : NULL;
    char *tn = m->to_name ? mail_encode_header(m->to_name) : NULL;
    if (fn && !*fn) {
        free(fn);
        fn = NULL;
    }
    if (tn && !*tn) {
        free(tn);
        tn = NULL;
    }
    need_ok(mailimf_mailbox_list_add_mb(from, fn, xstrdup(m->from_addr)));
    need_ok(mailimf_address_list_add_mb(to, tn, xstrdup(m->to_addr)));
    char *subject = m->subject ? mail_encode_header(m->subject) : NULL;
    struct mailimf_fields *f = need(mailimf_fields_new_with_data_all(
        date, from, NULL, NULL, to, NULL, NULL, xstrdup(m->message_id),
        NULL, NULL, subject));
    if (m->list_unsubscribe_url && unsub_ok(m->list_unsubscribe_url)) {
        char *v = xasprintf("<%s>", m->list_unsubscribe_url);
        add_custom(f, "List-Unsubscribe", v);
        add_custom(f, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        free(v);
    } else if (m->list_unsubscribe_url) {
        fail(err, errlen, "List-Unsubscribe left out: not a plain https URL");
    }
    return f;
}

static int check(const struct mail_message *m, char *err, size_t errlen)
{
    if (!addr_ok(m->from_addr)) {
        fail(err, errlen, "invalid From address '%s'",
             m->from_addr ? m->from_addr : "(none)");
        return -1;
    }
    if (!addr_ok(m->to_addr)) {
        fail(err, errlen, "invalid To address '%s'",
             m->to_addr ? m->to_addr : "(none)");
        return -1;
    }
    if (!msgid_ok(m->message_id)) {
        fail(err, errlen, "invalid Message-ID '%s'",
             m->message_id ? m->message_id : "(none)");
        return -1;
    }
    if (!m->text) {
        fail(err, errlen, "message without a text part");
        return -1;
    }
    return 0;
}

int mail_build(const struct mail_message *m, char **out, size_t *outlen,
               char *err, size_t errlen)
{
    char boundary[64];
    if (errlen)
        err[0] = '\0';
    if (check(m, err, errlen) < 0 ||
        make_boundary(boundary, sizeof boundary, err, errlen) < 0)
        return -1;
    struct mailimf_date_time *date = date_new(m->date, m->tz_offset, err, errlen);
    if (!date)
        return -1;

    char *lf = line_ends(m->text, 0);
    char *text = qp_encode(lf);
    free(lf);
    char *html = m->html ? line_ends(m->html, 1) : NULL;
    struct mailmime *body =
        text_part("text/plain", MAILMIME_MECHANISM_QUOTED_PRINTABLE, text, 1);
    if (html) {
        struct mailmime *alt = need(mailmime_multiple_new("multipart/alternative"));
        set_boundary(alt, boundary);
        /* Plain first, HTML last: readers show the last part they can
         * (RFC 2046 5.1.4). */
        need_ok(mailmime_smart_add_part(alt, body));
        need_ok(mailmime_smart_add_part(
            alt, text_part("text/html", MAILMIME_MECHANISM_BASE64, html, 0)));
        body = alt;
    }
    struct mailmime *msg = need(mailmime_new_message_data(NULL));
    mailmime_set_imf_fields(msg, header_new(m, date, err, errlen));
    need_ok(mailmime_smart_add_part(msg, body));

    int rc = -1;
    MMAPString *s = need(mmap_string_new(""));
    int col = 0;
    int r = mailmime_write_mem(s, &col, msg);
    if (r != MAILIMF_NO_ERROR) {
        fail(err, errlen, "libetpan could not write the message (error %d)", r);
    } else {
        *out = xstrndup(s->str, s->len);
        *outlen = s->len;
        rc = 0;
    }
    mmap_string_free(s);
    mailmime_free(msg);
    /* Only now: mailmime_free does not free the bodies. */
    free(text);
    free(html);
    return rc;
}

/* FNV-1a 64, then the splitmix64 finalizer so that addresses differing
 * in one letter differ in every hex digit. Part of the Message-ID
 * contract: never change it. */
static uint64_t addr_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)TO_LOWER((unsigned char)*s);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

char *mail_message_id(const char *day, const char *subscriber,
                      const char *from_addr)
{
    if (!day || !*day || strlen(day) > 32 || !subscriber || !from_addr)
        return NULL;
    for (const char *p = day; *p; p++) {
        if (!(IS_ALPHA(*p) || IS_DIGIT(*p) || *p == '-'))
            return NULL;
    }
    const char *at = strrchr(from_addr, '@');
    if (!at || !domain_ok(at + 1, strlen(at + 1)))
        return NULL;
    char *id = xasprintf("bantin.%s.%016llx@%s", day,
                         (unsigned long long)addr_hash(subscriber), at + 1);
    /* Domains are case-insensitive: one spelling, one id. */
    for (char *p = strrchr(id, '@'); *p; p++)
        *p = (char)TO_LOWER((unsigned char)*p);
    return id;
}
