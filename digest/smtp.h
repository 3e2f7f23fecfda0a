/* smtp.h - deliver the digests over SMTP (libetpan), one session per run.
 *
 * libetpan under GnuTLS never checks the server's certificate, so the
 * session verifies the peer chain itself (system trust store, or the PEM
 * file named by $BANTIN_SMTP_CA_FILE) before any credentials are sent, and
 * refuses to go on in plain text when STARTTLS is required. */
#ifndef BANTIN_SMTP_H
#define BANTIN_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "digest/deliver.h"
#include "store/store.h"

struct smtp_session;

/* Connect to c->host:c->port, greet (EHLO, else HELO), STARTTLS or TLS as
 * c->tls says, verify the certificate chain for c->host, then AUTH PLAIN
 * when c->user is set (password: first line of c->password_file).
 * Returns 0 with *out (close with smtp_close), or -1 with err set and
 * nothing open. */
int smtp_open(const struct config_smtp *c, struct smtp_session **out,
              char *err, size_t errlen);

/* Send msg (len bytes) from from to one recipient rcpt. Returns 0 when the
 * server took it (250 to the end of DATA); 1 when the server refused it
 * (err has its reply; the session is still usable); -1 when the session
 * broke (err set; only smtp_close is left to do). */
int smtp_send(struct smtp_session *ss, const char *from, const char *rcpt,
              const char *msg, size_t len, char *err, size_t errlen);

/* QUIT (when the session still works) and free ss. ss may be NULL. */
void smtp_close(struct smtp_session *ss);

/* Send every delivery not yet sent, of any day, over one SMTP session to
 * cfg->smtp: each marked sent in its own transaction right after the
 * server took it, or failed (attempts + 1, the server's line) so the next
 * run or `bantin send` retries it; a refused recipient does not stop the
 * others. When the session cannot be opened or breaks, every delivery left
 * is marked failed with that error. Returns 0 (see rep->failed and
 * rep->written), or -1 with err set when the store failed. */
int smtp_deliver(const struct config *cfg, struct store *s, int64_t now,
                 struct digest_run_report *rep, char *err, size_t errlen);

#endif
