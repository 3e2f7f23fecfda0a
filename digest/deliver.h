/* deliver.h - the digest as a message, and the deliveries of `bantin run`.
 *
 * digest_eml is the one path from a struct digest to the .eml a
 * subscriber gets (`bantin digest --format eml` and `bantin run` both use
 * it). digest_run_freeze and digest_run_deliver are the two halves of the
 * morning job after the fetch: freeze today's digest once, then write
 * every delivery still to do into the outbox (DESIGN.md "Invariants a run
 * keeps"). */
#ifndef BANTIN_DELIVER_H
#define BANTIN_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "digest/digest.h"
#include "store/store.h"

enum digest_eml_status {
    DIGEST_EML_OK = 0,
    DIGEST_EML_CONFIG,      /* no [digest] from, or no Message-ID from it */
    DIGEST_EML_ERROR,       /* mail_build refused the message */
};

/* The digest d as one MIME message for sub, dated now, with message_id
 * (NULL: mail_message_id of d's day and sub). Returns DIGEST_EML_OK with
 * *out (malloc'd, caller frees) and *outlen, err "" or a warning; else the
 * status with err set and *out untouched. */
enum digest_eml_status digest_eml(const struct config *cfg,
                                  const struct digest *d,
                                  const struct config_subscriber *sub,
                                  const char *message_id, int64_t now,
                                  char **out, size_t *outlen, char *err,
                                  size_t errlen);

struct digest_run_report {
    char day[11];           /* today, "YYYY-MM-DD" in cfg->tz_offset */
    int frozen;             /* 1: this run froze it; 0: it was already */
    size_t nstories;        /* stories of today's digest */
    size_t attached;        /* re-posts this run's freeze attached to
                               stories of earlier digests */
    size_t ntopics;         /* topics that have some */
    size_t written;         /* deliveries written to the outbox this run */
    size_t already;         /* found already in the outbox: marked sent */
    size_t failed;          /* deliveries that failed this run (retried) */
    size_t refused;         /* refused for good by the server this run */
    char **lines;           /* one line per failed, refused or skipped one */
    size_t nlines;
    char *warning;          /* a build warning (the item cap), or NULL */
};

/* Freeze today's digest (now, cfg->tz_offset) unless the day has one:
 * the items in no digest yet (digest_build_from DIGEST_ITEMS_PENDING) with
 * one 'pending' delivery per configured subscriber, and the re-posts of
 * stories already sent attached to those stories, in one transaction
 * (store_digest_freeze_attached). Then count its stories and topics into
 * rep.
 * rep must be zeroed by the caller. Returns 0, or -1 with err set (the
 * store failed; nothing was frozen). */
int digest_run_freeze(const struct config *cfg, struct store *s, int64_t now,
                      struct digest_run_report *rep, char *err, size_t errlen);

/* Write every delivery still to do (pending or failed), of any day, to
 * cfg->outbox_dir as "<day>_<subscriber>.eml" (outbox_write) from the
 * frozen digest of its day filtered for the subscriber, then mark it
 * sent; a write that fails marks it failed (attempts + 1, last_error) and
 * the others go on. A delivery whose subscriber left the config is
 * skipped (a line in rep).
 * Returns 0 (see rep->failed), or -1 with err set when the store failed. */
int digest_run_deliver(const struct config *cfg, struct store *s, int64_t now,
                       struct digest_run_report *rep, char *err,
                       size_t errlen);

void digest_run_report_free(struct digest_run_report *rep);

/* The steps every transport (outbox, SMTP) takes per delivery. */
struct store_delivery;

/* The subscriber of dv; or, when the config no longer names it, NULL
 * after marking dv refused at now ("not sent: no longer a subscriber in
 * CONFIG", so it is never tried again) and adding a "dropped" line to rep
 * (printed once, not counted as refused by the server). */
const struct config_subscriber *
digest_delivery_subscriber(const struct config *cfg, struct store *s,
                           int64_t now, const struct store_delivery *dv,
                           struct digest_run_report *rep);

/* The message of dv: its day's frozen digest filtered for sub, as an .eml.
 * Returns 0 with *msg (malloc'd, caller frees) and *len; 1 when it could
 * not be built (why set: the delivery fails); -1 when the store failed
 * (err set). */
int digest_delivery_message(const struct config *cfg, struct store *s,
                            int64_t now, const struct store_delivery *dv,
                            const struct config_subscriber *sub, char **msg,
                            size_t *len, char *why, size_t whylen, char *err,
                            size_t errlen);

/* Mark dv failed with why (attempts + 1) and add a line to rep. Returns 0,
 * or -1 with err set when the store failed. */
int digest_delivery_failed(struct store *s, const struct store_delivery *dv,
                           int64_t now, const char *why,
                           struct digest_run_report *rep, char *err,
                           size_t errlen);

/* Mark dv refused with why (attempts + 1: never tried again) and add the
 * line "subscriber ADDR: refused by HOST: REPLY; not retried" to rep.
 * Returns 0, or -1 with err set when the store failed. */
int digest_delivery_refused(struct store *s, const struct store_delivery *dv,
                            int64_t now, const char *host, const char *reply,
                            const char *why, struct digest_run_report *rep,
                            char *err, size_t errlen);

#endif
