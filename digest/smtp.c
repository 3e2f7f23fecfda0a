/* smtp.c - deliver the digests over SMTP (libetpan), one session per run. */
#include "digest/smtp.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "digest/build.h"
#include "parse/text.h"
#include "store/digest_store.h"
#include "util/limits.h"
#include "util/util.h"


struct smtp_session {
    mailsmtp *s;
    char reply[SMTP_REPLY_MAX + 1]; /* smtp_last_reply */
    char broken[768];       /* why the stream failed ("": it works); no QUIT */
};

enum smtp_reply_class smtp_reply_class(int code)
{
    if (code >= 200 && code < 400)
        return SMTP_REPLY_POSITIVE;
    if (code >= 500 && code < 600 && code != 530)
        return SMTP_REPLY_PERMANENT;
    return SMTP_REPLY_TEMPORARY;
}

int smtp_reply_is_policy(const char *reply)
{
    /* "550 5.7.1 ...": the code, one blank, then class.subject.detail */
    if (!reply)
        return 0;
    size_t i = 0;
    while (reply[i] >= '0' && reply[i] <= '9')
        i++;
    if (i != 3 || reply[i] != ' ')
        return 0;
    const char *e = reply + i + 1;
    return (e[0] == '4' || e[0] == '5') && e[1] == '.' && e[2] == '7' &&
           e[3] == '.';
}

/* Bytes in the UTF-8 character that starts with lead (valid UTF-8). */
static size_t utf8_len(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

void smtp_reply_clean(const char *in, char *out, size_t outlen)
{
    static const char mark[] = "…";
    if (!outlen)
        return;
    /* Only the start can be kept: a 10 MB reply costs what a short one
     * does. text_nfc makes it valid UTF-8 (U+FFFD) without NUL bytes. */
    size_t cap = 4 * outlen;
    size_t n = strnlen(in, cap);
    int cut = n == cap && in[n] != '\0';
    char *u = text_nfc(in, text_utf8_cut(in, n, cap));
    size_t j = 0;
    int gap = 0;
    const unsigned char *p = (const unsigned char *)u;
    while (*p) {
        size_t len = utf8_len(*p);
        /* U+2028 and U+2029 end lines too */
        int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
                    (p[0] == 0xe2 && p[1] == 0x80 &&
                     (p[2] == 0xa8 || p[2] == 0xa9));
        int control = *p < 0x20 || *p == 0x7f ||
                      (p[0] == 0xc2 && p[1] < 0xa0);
        if (space || control) {
            gap |= space;
            p += len;
            continue;
        }
        size_t need = len + (gap && j);
        if (j + need >= outlen) {
            cut = 1;
            break;
        }
        if (gap && j)
            out[j++] = ' ';
        gap = 0;
        memcpy(out + j, p, len);
        j += len;
        p += len;
    }
    free(u);
    if (cut && outlen > sizeof mark) {
        /* Room for the mark: back one character at a time. */
        while (j && j + sizeof mark > outlen) {
            j--;
            while (j && ((unsigned char)out[j] & 0xc0) == 0x80)
                j--;
        }
        while (j && out[j - 1] == ' ')
            j--;
        memcpy(out + j, mark, sizeof mark);
        return;
    }
    out[j] = '\0';
}

/* The server's last reply as one clean line with its code, "550 5.1.1 no
 * such user", into reply (replylen bytes); "" when it sent none. */
static void last_reply(mailsmtp *s, char *reply, size_t replylen)
{
    if (!replylen)
        return;
    reply[0] = '\0';
    if (!s->response_code)
        return;
    int head = snprintf(reply, replylen, "%d ", s->response_code);
    if (head < 0 || (size_t)head >= replylen)
        return;
    smtp_reply_clean(s->response ? s->response : "", reply + head,
                     replylen - (size_t)head);
    if (!reply[head])
        reply[head - 1] = '\0';
}

/* err = "SMTP <what>: <the server's last reply>", or libetpan's error when
 * there was none. The reply goes to reply (replylen bytes) when not NULL. */
static void reply_line(mailsmtp *s, const char *what, int r, char *err,
                       size_t errlen, char *reply, size_t replylen)
{
    char line[SMTP_REPLY_MAX + 1];
    last_reply(s, line, sizeof line);
    if (reply)
        snprintf(reply, replylen, "%s", line);
    /* Callers zero response_code before each command: a code here is a
     * reply to it, even when the stream failed afterwards. */
    int local = r == MAILSMTP_ERROR_STREAM ||
                r == MAILSMTP_ERROR_CONNECTION_REFUSED ||
                r == MAILSMTP_ERROR_MEMORY || r == MAILSMTP_ERROR_SSL ||
                r == MAILSMTP_ERROR_HOSTNAME;
    if (!line[0])
        snprintf(err, errlen, "SMTP %s: %s", what, mailsmtp_strerror(r));
    else if (local)
        snprintf(err, errlen, "SMTP %s: %s (then: %s)", what, line,
                 mailsmtp_strerror(r));
    else
        snprintf(err, errlen, "SMTP %s: %s", what, line);
}

static void set_sni(struct mailstream_ssl_context *ctx, void *data)
{
    mailstream_ssl_set_server_name(ctx, (char *)data);
}

/* Verify the peer chain of the TLS stream for host against the PEM file
 * ca, or the system trust store when ca is NULL. 0, or -1 with err. */
static int verify_peer(mailstream *stream, const char *host, const char *ca,
                       char *err, size_t errlen)
{
    carray *chain = mailstream_get_certificate_chain(stream);
    if (!chain || carray_count(chain) == 0) {
        if (chain)
            mailstream_certificate_chain_free(chain);
        snprintf(err, errlen, "SMTP TLS: the server sent no certificate");
        return -1;
    }
    unsigned n = carray_count(chain);
    gnutls_x509_crt_t *crts = xcalloc(n, sizeof *crts);
    gnutls_x509_trust_list_t tl = NULL;
    int rc = -1;
    unsigned imported = 0;
    for (; imported < n; imported++) {
        MMAPString *der = carray_get(chain, imported);
        gnutls_datum_t d = {(unsigned char *)der->str, (unsigned)der->len};
        if (gnutls_x509_crt_init(&crts[imported]) < 0)
            break;
        if (gnutls_x509_crt_import(crts[imported], &d,
                                   GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crts[imported]);
            break;
        }
    }
    if (imported < n) {
        snprintf(err, errlen, "SMTP TLS: the server's certificate cannot "
                 "be read");
        goto out;
    }
    if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
        snprintf(err, errlen, "SMTP TLS: cannot make a trust list");
        goto out;
    }
    int added = ca ? gnutls_x509_trust_list_add_trust_file(
                         tl, ca, NULL, GNUTLS_X509_FMT_PEM, 0, 0)
                   : gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
    if (added <= 0) {
        snprintf(err, errlen, "SMTP TLS: no trusted certificate in %s",
                 ca ? ca : "the system trust store");
        goto out;
    }
    gnutls_typed_vdata_st vd[2] = {
        {GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)host, 0},
        {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER,
         0},
    };
    unsigned status = 0;
    if (gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, 2, 0, &status,
                                           NULL) < 0) {
        snprintf(err, errlen, "SMTP TLS: the certificate of %s cannot be "
                 "verified", host);
        goto out;
    }
    if (status != 0) {
        gnutls_datum_t out = {NULL, 0};
        if (gnutls_certificate_verification_status_print(
                status, GNUTLS_CRT_X509, &out, 0) == 0 && out.data) {
            snprintf(err, errlen, "SMTP TLS: the certificate of %s is not "
                     "trusted: %s", host, (const char *)out.data);
            gnutls_free(out.data);
        } else {
            snprintf(err, errlen, "SMTP TLS: the certificate of %s is not "
                     "trusted", host);
        }
        goto out;
    }
    rc = 0;
out:
    if (tl)
        gnutls_x509_trust_list_deinit(tl, 1);
    for (unsigned i = 0; i < imported; i++)
        gnutls_x509_crt_deinit(crts[i]);
    free(crts);
    mailstream_certificate_chain_free(chain);
    return rc;
}

static int greet(mailsmtp *s, char *err, size_t errlen)
{
    s->response_code = 0;
    int r = mailesmtp_ehlo(s);
    if (r == MAILSMTP_ERROR_NOT_IMPLEMENTED) {
        s->response_code = 0;
        r = mailsmtp_helo(s);
    }
    if (r != MAILSMTP_NO_ERROR) {
        reply_line(s, "EHLO", r, err, errlen, NULL, 0);
        return -1;
    }
    return 0;
}

/* The first line of the password file, without the line end. */
static char *read_password(const char *path, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    if (read_file(path, LIMIT_PASSWORD_FILE_BYTES, &buf, &len) != 0) {
        snprintf(err, errlen, "%s: cannot read the SMTP password", path);
        return NULL;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    size_t n = strlen(buf);
    while (n && IS_SPACE(buf[n - 1]))
        buf[--n] = '\0';
    size_t lead = 0;
    while (IS_SPACE(buf[lead]))
        lead++;
    memmove(buf, buf + lead, n - lead + 1);
    return buf;
}

int smtp_open(const struct config_smtp *c, struct smtp_session **out,
              char *err, size_t errlen)
{
    /* The plain stream (greeting, EHLO) times out on this global only. */
    mailstream_network_delay.tv_sec = c->timeout > 0 ? c->timeout : 60;
    mailstream_network_delay.tv_usec = 0;
    mailsmtp *s = mailsmtp_new(0, NULL);
    if (!s)
        die(70, "out of memory");
    mailsmtp_set_timeout(s, c->timeout > 0 ? (time_t)c->timeout : 60);
    int r;
    if (c->tls == CONFIG_TLS_TLS)
        r = mailsmtp_ssl_connect_with_callback(s, c->host, (uint16_t)c->port,
                                               set_sni, c->host);
    else
        r = mailsmtp_socket_connect(s, c->host, (uint16_t)c->port);
    if (r != MAILSMTP_NO_ERROR) {
        char why[SMTP_REPLY_MAX + 64];     /* the whole reply_line */
        reply_line(s, "connect", r, why, sizeof why, NULL, 0);
        snprintf(err, errlen, "%s (%s port %d)", why, c->host, c->port);
        mailsmtp_free(s);
        return -1;
    }
    if (greet(s, err, errlen) != 0)
        goto fail;
    if (c->tls == CONFIG_TLS_STARTTLS) {
        /* Required, never opportunistic: no downgrade to plain text. */
        if (!(s->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
            snprintf(err, errlen, "SMTP: %s does not offer STARTTLS "
                     "(smtp.tls = starttls requires it)", c->host);
            goto fail;
        }
        s->response_code = 0;
        r = mailsmtp_socket_starttls_with_callback(s, set_sni, c->host);
        if (r != MAILSMTP_NO_ERROR) {
            reply_line(s, "STARTTLS", r, err, errlen, NULL, 0);
            goto fail;
        }
    }
    if (c->tls != CONFIG_TLS_NONE) {
        /* The environment wins over the config (bantin.conf(5)): a test
         * or a one-off run can trust another CA without editing it. */
        const char *ca = getenv("BANTIN_SMTP_CA_FILE");
        if (!ca || !ca[0])
            ca = c->ca_file && c->ca_file[0] ? c->ca_file : NULL;
        if (verify_peer(s->stream, c->host, ca, err, errlen) != 0)
            goto fail;
        if (c->tls == CONFIG_TLS_STARTTLS && greet(s, err, errlen) != 0)
            goto fail;
    }
    if (c->user) {
        char *pass = read_password(c->password_file, err, errlen);
        if (!pass)
            goto fail;
        s->response_code = 0;
        r = mailsmtp_auth_type(s, c->user, pass, MAILSMTP_AUTH_PLAIN);
        explicit_bzero(pass, strlen(pass));
        free(pass);
        if (r != MAILSMTP_NO_ERROR) {
            reply_line(s, "AUTH PLAIN", r, err, errlen, NULL, 0);
            goto fail;
        }
    }
    *out = xcalloc(1, sizeof **out);
    (*out)->s = s;
    return 0;
fail:
    mailsmtp_free(s);
    return -1;
}

static int is_local_error(int r)
{
    return r == MAILSMTP_ERROR_STREAM || r == MAILSMTP_ERROR_MEMORY ||
           r == MAILSMTP_ERROR_SSL || r == MAILSMTP_ERROR_CONNECTION_REFUSED;
}

/* The server did not take the message at command what (libetpan said r).
 * A 5xx refuses it for good only where the reply is about this recipient
 * or message (may_refuse); MAIL FROM names the sender of every delivery.
 * Then RSET, unless the transaction is over (after the final dot), so the
 * next message starts clean; a stream that failed breaks the session. */
static enum smtp_send_status not_taken(struct smtp_session *ss,
                                       const char *what, int r,
                                       int may_refuse, int over, char *err,
                                       size_t errlen)
{
    reply_line(ss->s, what, r, err, errlen, ss->reply, sizeof ss->reply);
    /* A security or policy refusal at RCPT TO (5.7.x: relaying denied,
     * authentication required) is about our session, not the address: it
     * would refuse every subscriber for good over one config slip. */
    int policy = strcmp(what, "RCPT TO") == 0 && smtp_reply_is_policy(ss->reply);
    enum smtp_send_status st =
        may_refuse && !policy &&
                smtp_reply_class(ss->s->response_code) == SMTP_REPLY_PERMANENT
            ? SMTP_SEND_REFUSED
            : SMTP_SEND_FAILED;
    if (is_local_error(r)) {
        snprintf(ss->broken, sizeof ss->broken, "%s", err);
        return st;
    }
    if (!over) {
        ss->s->response_code = 0;
        int rr = mailsmtp_reset(ss->s);
        if (rr != MAILSMTP_NO_ERROR)
            reply_line(ss->s, "RSET", rr, ss->broken, sizeof ss->broken, NULL,
                       0);
    }
    return st;
}

enum smtp_send_status smtp_send(struct smtp_session *ss, const char *from,
                                const char *rcpt, const char *msg, size_t len,
                                char *err, size_t errlen)
{
    ss->reply[0] = '\0';
    ss->s->response_code = 0;
    int r = mailsmtp_mail(ss->s, from);
    if (r != MAILSMTP_NO_ERROR)
        return not_taken(ss, "MAIL FROM", r, 0, 0, err, errlen);
    ss->s->response_code = 0;
    r = mailsmtp_rcpt(ss->s, rcpt);
    if (r != MAILSMTP_NO_ERROR)
        return not_taken(ss, "RCPT TO", r, 1, 0, err, errlen);
    ss->s->response_code = 0;
    r = mailsmtp_data(ss->s);
    if (r != MAILSMTP_NO_ERROR)
        return not_taken(ss, "DATA", r, 0, 0, err, errlen);
    ss->s->response_code = 0;
    r = mailsmtp_data_message(ss->s, msg, len);
    if (r != MAILSMTP_NO_ERROR)
        return not_taken(ss, "end of DATA", r, 1, 1, err, errlen);
    return SMTP_SEND_OK;
}

const char *smtp_last_reply(const struct smtp_session *ss)
{
    return ss->reply;
}

const char *smtp_broken(const struct smtp_session *ss)
{
    return ss->broken[0] ? ss->broken : NULL;
}

void smtp_close(struct smtp_session *ss)
{
    if (!ss)
        return;
    if (!ss->broken[0])
        mailsmtp_quit(ss->s);
    mailsmtp_free(ss->s);
    free(ss);
}

static int deliver_all(const struct config *cfg, struct store *s, int64_t now,
                       struct digest_run_report *rep, char *err, size_t errlen);

int smtp_deliver(const struct config *cfg, struct store *s, int64_t now,
                 struct digest_run_report *rep, char *err, size_t errlen)
{
    /* libetpan writes to the socket with plain write(): a server that
     * closed the connection would kill bantin with SIGPIPE (when a session
     * is freed, its buffered output is flushed). Ignored while mailing,
     * the write fails with EPIPE, a stream error like any other. */
    struct sigaction ignore, old;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    int restore = sigaction(SIGPIPE, &ignore, &old) == 0;
    int rc = deliver_all(cfg, s, now, rep, err, errlen);
    if (restore)
        sigaction(SIGPIPE, &old, NULL);
    return rc;
}

static int deliver_all(const struct config *cfg, struct store *s, int64_t now,
                       struct digest_run_report *rep, char *err, size_t errlen)
{
    struct store_delivery *todo;
    size_t n;
    if (store_deliveries_todo(s, &todo, &n) < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return -1;
    }
    int rc = 0;
    struct smtp_session *ss = NULL;
    char session_err[768] = "";
    size_t taken = 0;      /* messages the open session took */
    int reopened = 0;      /* sessions opened after one broke */
    for (size_t i = 0; i < n && rc >= 0; i++) {
        const struct store_delivery *dv = &todo[i];
        const struct config_subscriber *sub =
            digest_delivery_subscriber(cfg, s, now, dv, rep);
        if (!sub)
            continue;
        char why[768];
        if (!ss && !session_err[0]) {
            if (smtp_open(&cfg->smtp, &ss, session_err, sizeof session_err) != 0)
                ss = NULL;
            taken = 0;
        }
        if (!ss) {
            rc = digest_delivery_failed(s, dv, now, session_err, rep, err,
                                        errlen);
            continue;
        }
        char *msg = NULL;
        size_t len = 0;
        int b = digest_delivery_message(cfg, s, now, dv, sub, &msg, &len, why,
                                        sizeof why, err, errlen);
        if (b < 0) {
            rc = -1;
            break;
        }
        if (b > 0) {
            rc = digest_delivery_failed(s, dv, now, why, rep, err, errlen);
            continue;
        }
        enum smtp_send_status sent =
            smtp_send(ss, cfg->digest.from_addr, sub->email, msg, len, why,
                      sizeof why);
        /* A server that closes a session after taking messages in it most
         * likely limits messages per connection ("421 too many messages")
         * or dropped the link: a new session takes this message again.
         * One that took nothing is not accepting: the rest fail below. */
        while (sent == SMTP_SEND_FAILED && smtp_broken(ss) && taken > 0 &&
               reopened < LIMIT_SMTP_SESSIONS) {
            msg_info("SMTP %s closed the session after %zu message%s (%s); "
                     "opening another", cfg->smtp.host, taken,
                     taken == 1 ? "" : "s", smtp_broken(ss));
            smtp_close(ss);
            reopened++;
            taken = 0;
            if (smtp_open(&cfg->smtp, &ss, session_err, sizeof session_err) != 0) {
                ss = NULL;
                snprintf(why, sizeof why, "%s", session_err);
                break;
            }
            sent = smtp_send(ss, cfg->digest.from_addr, sub->email, msg, len,
                             why, sizeof why);
        }
        free(msg);
        if (sent == SMTP_SEND_OK)
            taken++;
        if (sent == SMTP_SEND_OK) {
            if (store_delivery_sent(s, dv->day, dv->subscriber, now) < 0) {
                snprintf(err, errlen, "%s", store_error(s));
                rc = -1;
            } else {
                rep->written++;
            }
        } else if (sent == SMTP_SEND_REFUSED) {
            rc = digest_delivery_refused(s, dv, now, cfg->smtp.host,
                                         smtp_last_reply(ss), why, rep, err,
                                         errlen);
        } else {
            rc = digest_delivery_failed(s, dv, now, why, rep, err, errlen);
        }
        if (ss && smtp_broken(ss)) {
            /* After an answer (taken or refused) the next delivery opens a
             * new session; otherwise the rest fail with the same error. */
            if ((taken > 0 || sent == SMTP_SEND_REFUSED) &&
                reopened < LIMIT_SMTP_SESSIONS)
                reopened++;
            else
                snprintf(session_err, sizeof session_err, "%s", smtp_broken(ss));
            smtp_close(ss);
            ss = NULL;
        }
    }
    smtp_close(ss);
    store_deliveries_free(todo, n);
    return rc < 0 ? -1 : 0;
}
