/* smtp.h - deliver the digests over SMTP (libetpan), one session per run.
 *
 * libetpan under GnuTLS never checks the server's certificate, so the
 * session verifies the peer chain itself (system trust store, or the PEM
 * file of [smtp] ca_file, or of $BANTIN_SMTP_CA_FILE which wins over it)
 * before any credentials are sent, and refuses to go on in plain text when
 * STARTTLS is required.
 *
 * A delivery ends sent, failed (retried by the next run) or refused (a 5xx
 * to its RCPT TO or to the end of its DATA: never retried). What breaks
 * the session (server down, TLS, AUTH) fails every delivery left, never
 * refuses them: the admin fixes the config and the next run sends. */
#ifndef BANTIN_SMTP_H
#define BANTIN_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "digest/deliver.h"
#include "store/store.h"

struct smtp_session;

/* Connect to c->host:c->port, greet (EHLO, else HELO), STARTTLS or TLS as
 * c->tls says, verify the certificate chain for c->host (trusting the PEM
 * file $BANTIN_SMTP_CA_FILE when set, else c->ca_file when set, else the
 * system store), then AUTH PLAIN when c->user is set (password: first line of c->password_file).
 * Returns 0 with *out (close with smtp_close), or -1 with err set and
 * nothing open. */
int smtp_open(const struct config_smtp *c, struct smtp_session **out,
              char *err, size_t errlen);

/* The longest server reply kept (stored in last_error, printed): RFC 5321
 * 4.5.3.1.5 bounds a reply line at 512 octets; a longer or multi-line
 * reply is cut, its end marked with "…". */
#define SMTP_REPLY_MAX 512

enum smtp_reply_class {
    SMTP_REPLY_POSITIVE,    /* 2xx, 3xx */
    SMTP_REPLY_TEMPORARY,   /* 4xx; 530; no reply (0) or not a reply code */
    SMTP_REPLY_PERMANENT,   /* any other 5xx: the same command fails again */
};

/* What reply code says of the command it answers (RFC 5321 4.2.1). 530
 * "authentication required" (RFC 4954 6) may answer any command, but is
 * about the session, not the recipient: the admin fixes the config. */
enum smtp_reply_class smtp_reply_class(int code);

/* 1 when reply (as cleaned: "550 5.7.1 Relaying denied") carries an
 * RFC 3463 enhanced status of class X.7 (security or policy). At RCPT TO
 * such a refusal is about the session (relaying, authentication), so it
 * is retried rather than refusing the address for good. */
int smtp_reply_is_policy(const char *reply);

/* The reply text in (network bytes, NUL-terminated, any length) as one
 * printable UTF-8 line in out (outlen bytes, NUL included): invalid UTF-8
 * becomes U+FFFD, C0 and C1 controls and DEL are removed, line ends and
 * other white space become single spaces (a multi-line reply is joined),
 * and the line is cut on a character boundary to fit, "…" marking a cut.
 * Reads at most 4 * outlen bytes of in. */
void smtp_reply_clean(const char *in, char *out, size_t outlen);

enum smtp_send_status {
    SMTP_SEND_OK,           /* 250 to the end of DATA: the server took it */
    SMTP_SEND_FAILED,       /* 4xx, no reply, dropped, timed out, or a 5xx
                               to MAIL FROM (the sender, the same for every
                               delivery, is the admin's to fix): retry */
    SMTP_SEND_REFUSED,      /* a 5xx to RCPT TO or the end of DATA: this
                               recipient or message, for good */
};

/* Send msg (len bytes) from from to one recipient rcpt. Unless OK, err
 * has "SMTP <command>: <reply>" on one line and smtp_last_reply the
 * server's reply. Afterwards smtp_broken says whether the session can
 * take the next message. */
enum smtp_send_status smtp_send(struct smtp_session *ss, const char *from,
                                const char *rcpt, const char *msg, size_t len,
                                char *err, size_t errlen);

/* The server's reply to the last command of smtp_send, cleaned
 * (smtp_reply_clean) with its code: "550 5.1.1 no such user"; "" when it
 * sent none. Valid until the next smtp_send or smtp_close. */
const char *smtp_last_reply(const struct smtp_session *ss);

/* NULL while the session works; else why it broke (one line): only
 * smtp_close is left to do. */
const char *smtp_broken(const struct smtp_session *ss);

/* QUIT (when the session still works) and free ss. ss may be NULL. */
void smtp_close(struct smtp_session *ss);

/* Send every delivery still to do ('pending' or 'failed'), of any day,
 * over one SMTP session to cfg->smtp: each marked in its own transaction
 * right after the server answered, sent, refused (rep->refused, a line
 * naming the server and its reply) or failed (attempts + 1, the server's
 * line) so the next run or `bantin send` retries it; a refused recipient
 * does not stop the others. When the server closes a session that took
 * messages or answered (a per-connection limit, a dropped link), a new
 * one is opened and the delivery it broke on is sent again there, at most
 * LIMIT_SMTP_SESSIONS times a run. When a session cannot be opened, or
 * breaks before the server took anything in it, every delivery left is
 * marked failed with that error. Returns 0 (see
 * rep->failed, rep->refused and rep->written), or -1 with err set when
 * the store failed. */
int smtp_deliver(const struct config *cfg, struct store *s, int64_t now,
                 struct digest_run_report *rep, char *err, size_t errlen);

#endif
