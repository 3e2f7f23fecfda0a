/* deliver.c - the digest as a message, and the deliveries of `bantin run`. */
#include "digest/deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/build.h"
#include "digest/mail.h"
#include "digest/outbox.h"
#include "digest/render.h"
#include "store/digest_store.h"
#include "util/util.h"

enum digest_eml_status digest_eml(const struct config *cfg,
                                  const struct digest *d,
                                  const struct config_subscriber *sub,
                                  const char *message_id, int64_t now,
                                  char **out, size_t *outlen, char *err,
                                  size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!cfg->digest.from_addr) {
        snprintf(err, errlen, "%s: [digest] from is required to build a "
                 "message", cfg->path);
        return DIGEST_EML_CONFIG;
    }
    char *unsub = digest_unsubscribe_url(cfg->digest.unsubscribe_url,
                                         sub->email);
    struct render_options ro;
    render_options_init(&ro);
    ro.recipient_name = sub->name;
    ro.unsubscribe_url = unsub;
    ro.tz_offset = cfg->tz_offset;
    char *text = render_text(d, &ro);
    char *html = render_html(d, &ro);
    char *day = digest_day_name(d->date);
    char *subject = xasprintf("%s – %s", d->title, day ? day : d->date);
    char *msgid = message_id ? xstrdup(message_id)
                             : mail_message_id(d->date, sub->email,
                                               cfg->digest.from_addr);
    struct mail_message m = {
        .from_name = cfg->digest.from_name,
        .from_addr = cfg->digest.from_addr,
        .to_name = sub->name,
        .to_addr = sub->email,
        .subject = subject,
        .date = now,
        .tz_offset = cfg->tz_offset,
        .message_id = msgid,
        .list_unsubscribe_url = unsub,
        .text = text,
        .html = html,
    };
    enum digest_eml_status status = DIGEST_EML_OK;
    if (!msgid) {
        snprintf(err, errlen, "cannot make a Message-ID from '%s'",
                 cfg->digest.from_addr);
        status = DIGEST_EML_CONFIG;
    } else if (mail_build(&m, out, outlen, err, errlen) != 0) {
        status = DIGEST_EML_ERROR;
    }
    free(msgid);
    free(subject);
    free(day);
    free(html);
    free(text);
    free(unsub);
    return status;
}

static void add_line(struct digest_run_report *rep, char *line)
{
    rep->lines = xrealloc(rep->lines, (rep->nlines + 1) * sizeof *rep->lines);
    rep->lines[rep->nlines++] = line;
}

int digest_run_freeze(const struct config *cfg, struct store *s, int64_t now,
                      struct digest_run_report *rep, char *err, size_t errlen)
{
    digest_today(now, cfg->tz_offset, rep->day);
    int have = store_digest_exists(s, rep->day);
    if (have < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return -1;
    }
    struct digest d;
    if (!have) {
        struct digest_plan plan;
        if (digest_build_from(cfg, s, rep->day, NULL, DIGEST_ITEMS_PENDING,
                              &plan, &d, err, errlen) != DIGEST_BUILD_OK) {
            digest_plan_free(&plan);
            return -1;
        }
        if (err[0])
            rep->warning = xstrdup(err);
        digest_free(&d);
        struct store_new_delivery *dl =
            xcalloc(cfg->nsubscribers ? cfg->nsubscribers : 1, sizeof *dl);
        char **ids = xcalloc(cfg->nsubscribers ? cfg->nsubscribers : 1,
                             sizeof *ids);
        for (size_t i = 0; i < cfg->nsubscribers; i++) {
            ids[i] = cfg->digest.from_addr
                         ? mail_message_id(rep->day, cfg->subscribers[i].email,
                                           cfg->digest.from_addr)
                         : NULL;
            dl[i].subscriber = cfg->subscribers[i].email;
            dl[i].message_id = ids[i];
        }
        int rc = store_digest_freeze_attached(s, rep->day, cfg->digest.title,
                                              now, plan.stories,
                                              plan.nstories, plan.attached,
                                              plan.nattached, dl,
                                              cfg->nsubscribers);
        for (size_t i = 0; i < cfg->nsubscribers; i++)
            free(ids[i]);
        free(ids);
        free(dl);
        size_t attached = plan.nattached;
        digest_plan_free(&plan);
        if (rc < 0) {
            snprintf(err, errlen, "%s", store_error(s));
            return -1;
        }
        rep->frozen = rc == 0;
        rep->attached = rc == 0 ? attached : 0;
    }
    if (digest_build_from(cfg, s, rep->day, NULL, DIGEST_ITEMS_FROZEN, NULL,
                          &d, err, errlen) != DIGEST_BUILD_OK)
        return -1;
    err[0] = '\0';
    rep->ntopics = d.ntopics;
    for (size_t t = 0; t < d.ntopics; t++)
        rep->nstories += d.topics[t].nstories;
    digest_free(&d);
    return 0;
}

const struct config_subscriber *
digest_delivery_subscriber(const struct config *cfg, struct store *s,
                           int64_t now, const struct store_delivery *dv,
                           struct digest_run_report *rep)
{
    const struct config_subscriber *sub =
        config_find_subscriber(cfg, dv->subscriber);
    if (sub)
        return sub;
    /* Skipping it on every run would repeat this line each morning and
     * keep its digest from ever being pruned: it is settled once, as
     * refused (never retried), with the reason. */
    char *why = xasprintf("not sent: no longer a subscriber in %s", cfg->path);
    if (store_delivery_refused(s, dv->day, dv->subscriber, now, why) != 0)
        add_line(rep, xasprintf("delivery %s to %s: %s", dv->day,
                                dv->subscriber, store_error(s)));
    else
        add_line(rep, xasprintf("delivery %s to %s dropped: no longer a "
                                "subscriber in %s", dv->day, dv->subscriber,
                                cfg->path));
    free(why);
    return NULL;
}

int digest_delivery_message(const struct config *cfg, struct store *s,
                            int64_t now, const struct store_delivery *dv,
                            const struct config_subscriber *sub, char **msg,
                            size_t *len, char *why, size_t whylen, char *err,
                            size_t errlen)
{
    struct digest d;
    why[0] = '\0';
    enum digest_build_status bs =
        digest_build_from(cfg, s, dv->day, sub->email, DIGEST_ITEMS_FROZEN,
                          NULL, &d, why, whylen);
    if (bs == DIGEST_BUILD_STORE) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (bs != DIGEST_BUILD_OK) {
        if (!why[0])
            snprintf(why, whylen, "the message could not be built");
        return 1;
    }
    why[0] = '\0';
    enum digest_eml_status es = digest_eml(cfg, &d, sub, dv->message_id, now,
                                           msg, len, why, whylen);
    digest_free(&d);
    if (es != DIGEST_EML_OK) {
        if (!why[0])
            snprintf(why, whylen, "the message could not be built");
        return 1;
    }
    return 0;
}

int digest_delivery_failed(struct store *s, const struct store_delivery *dv,
                           int64_t now, const char *why,
                           struct digest_run_report *rep, char *err,
                           size_t errlen)
{
    if (store_delivery_failed(s, dv->day, dv->subscriber, now, why) < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return -1;
    }
    rep->failed++;
    add_line(rep, xasprintf("delivery %s to %s failed: %s", dv->day,
                            dv->subscriber, why));
    return 0;
}

int digest_delivery_refused(struct store *s, const struct store_delivery *dv,
                            int64_t now, const char *host, const char *reply,
                            const char *why, struct digest_run_report *rep,
                            char *err, size_t errlen)
{
    if (store_delivery_refused(s, dv->day, dv->subscriber, now, why) < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return -1;
    }
    rep->refused++;
    add_line(rep, xasprintf("subscriber %s: refused by %s: %s; not retried",
                            dv->subscriber, host, reply));
    return 0;
}

/* Deliver one to the outbox: 0 written or found, 1 failed (marked), -1
 * store error. */
static int deliver_one(const struct config *cfg, struct store *s, int64_t now,
                       const struct store_delivery *dv,
                       const struct config_subscriber *sub,
                       struct digest_run_report *rep, char *err,
                       size_t errlen)
{
    char why[768];
    char *msg = NULL;
    size_t len = 0;
    int b = digest_delivery_message(cfg, s, now, dv, sub, &msg, &len, why,
                                    sizeof why, err, errlen);
    if (b < 0)
        return -1;
    if (b == 0) {
        char *name = xasprintf("%s_%s", dv->day, dv->subscriber);
        why[0] = '\0';
        int w = outbox_write(cfg->outbox_dir, name, msg, len, NULL, why,
                             sizeof why);
        free(name);
        free(msg);
        if (w >= 0) {
            if (store_delivery_sent(s, dv->day, dv->subscriber, now) < 0) {
                snprintf(err, errlen, "%s", store_error(s));
                return -1;
            }
            if (w == 0)
                rep->written++;
            else
                rep->already++;
            return 0;
        }
        if (!why[0])
            snprintf(why, sizeof why, "the message could not be built");
    }
    return digest_delivery_failed(s, dv, now, why, rep, err, errlen) < 0 ? -1
                                                                          : 1;
}

int digest_run_deliver(const struct config *cfg, struct store *s, int64_t now,
                       struct digest_run_report *rep, char *err,
                       size_t errlen)
{
    struct store_delivery *todo;
    size_t n;
    if (store_deliveries_todo(s, &todo, &n) < 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        const struct config_subscriber *sub =
            digest_delivery_subscriber(cfg, s, now, &todo[i], rep);
        if (sub)
            rc = deliver_one(cfg, s, now, &todo[i], sub, rep, err, errlen);
    }
    store_deliveries_free(todo, n);
    return rc < 0 ? -1 : 0;
}

void digest_run_report_free(struct digest_run_report *rep)
{
    for (size_t i = 0; i < rep->nlines; i++)
        free(rep->lines[i]);
    free(rep->lines);
    free(rep->warning);
    memset(rep, 0, sizeof *rep);
}
