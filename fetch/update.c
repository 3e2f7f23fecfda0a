/* update.c - `bantin fetch`: config -> store -> fetch -> parse -> store,
 * then the article pages of the new items of feeds with an article rule. */
#include "fetch/update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "parse/article.h"
#include "parse/feed.h"
#include "parse/html.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/util.h"

/* One feed of this run; the request's user pointer. */
struct job {
    const struct config_feed *cf;
    size_t order;               /* index in the config */
    long items_max;             /* [bantin] items_max: items kept per document */
    struct store_feed row;
    char *host;                 /* of its configured URL: the one host its
                                   requests may find at a non-public
                                   address (fetch.h), for its article
                                   pages too */
    /* its article pages */
    size_t art_queued, art_ok, art_failed, art_fallback;
    char *art_error;            /* the first failure: "URL: HTTP 404" */
};

/* One article page to fetch: the page of a new item. */
struct art {
    struct job *job;
    int64_t item;               /* its items row */
    char *url;
    int guessed;                /* the list gave no date */
};

struct ctx {
    struct store *store;
    struct fetch_update_report *rep;
    size_t done;
    struct art *arts;
    size_t narts;
};

static void add_failure(struct fetch_update_report *rep, size_t order,
                        const char *id, const char *error,
                        int64_t next_attempt, int gone)
{
    rep->failures = xrealloc(rep->failures,
                             (rep->nfailures + 1) * sizeof *rep->failures);
    struct fetch_failure *f = &rep->failures[rep->nfailures++];
    f->id = xstrdup(id);
    f->error = xstrdup(error);
    f->next_attempt = next_attempt;
    f->gone = gone;
    f->order = order;
}

static int failure_cmp(const void *a, const void *b)
{
    const struct fetch_failure *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Parse a 2xx body: a feed, or for type = html a list page read with the
 * feed's XPath rules. Returns the parsed feed in *out (0) or -1 with err. */
static int parse_body(const struct job *j, struct fetch_result *res,
                      struct feed *out, char *err, size_t errlen)
{
    if (j->cf->type == CONFIG_FEED_HTML) {
        const struct config_rules *cr = &j->cf->rules;
        struct html_rules hr = {cr->item, cr->title, cr->link, cr->date,
                                cr->summary, cr->author, cr->id,
                                (size_t)j->items_max};
        int rc = html_extract_list(res->body.data, res->body.len,
                                   res->final_url, res->charset, &hr,
                                   (int64_t)time(NULL), out, NULL, err,
                                   errlen);
        return rc == 0 ? 0 : -1;
    }
    struct feed_options fo = {res->final_url, res->charset, (size_t)j->items_max};
    if (feed_parse(res->body.data, res->body.len, &fo, out, err, errlen) !=
        FEED_OK)
        return -1;
    if (out->degraded)
        msg_info("feed %s: broken XML, read in recovery mode", j->cf->id);
    return 0;
}

/* The article pages to fetch for the items this save created: those with
 * a link, in the page's order, at most article_limit. */
static void queue_articles(struct ctx *c, struct job *j, const struct feed *f,
                           const int64_t *created)
{
    if (!j->cf->rules.article || !created)
        return;
    for (size_t i = 0; i < f->nitems; i++) {
        if (j->art_queued >= (size_t)j->cf->article_limit)
            break;
        if (created[i] <= 0 || !f->items[i].link)
            continue;
        c->arts = xrealloc(c->arts, (c->narts + 1) * sizeof *c->arts);
        c->arts[c->narts++] = (struct art){j, created[i],
                                           xstrdup(f->items[i].link),
                                           f->items[i].published_guessed};
        j->art_queued++;
    }
}

static void on_done(const struct fetch_request *req, struct fetch_result *res,
                    void *vctx)
{
    struct ctx *c = vctx;
    struct job *j = req->user;
    const char *id = j->cf->id;
    struct fetch_update_report *rep = c->rep;
    struct store_fetch_result sr = {0};
    struct feed parsed, *pp = NULL;
    char perr[256];

    /* The store wants 0 for a transport failure (DNS, connect, TLS,
     * timeout, size cap), even when a status line had arrived. */
    sr.status = res->curl_code ? 0 : res->http_status;
    sr.retry_after = -1;
    switch (res->outcome) {
    case FETCH_OK:
        sr.etag = res->etag;
        sr.last_modified = res->last_modified;
        sr.permanent_url = res->permanent_url;
        if (parse_body(j, res, &parsed, perr, sizeof perr) == 0)
            pp = &parsed;
        else
            sr.error = perr;
        /* The parsed items own copies: the body can go now. */
        buf_release(&res->body);
        buf_init(&res->body, 1);
        break;
    case FETCH_NOT_MODIFIED:
        sr.not_modified = 1;
        sr.etag = res->etag;
        sr.last_modified = res->last_modified;
        sr.permanent_url = res->permanent_url;
        break;
    case FETCH_FAILED:
        sr.error = res->error;
        /* Only these two mean "come back later" (RFC 9110 10.2.3); a
         * Retry-After on anything else must not shorten the back-off. */
        if (res->http_status == 429 || res->http_status == 503)
            sr.retry_after = res->retry_after_s;
        break;
    }

    struct store_save_stats st = {0};
    int64_t now = (int64_t)time(NULL);
    int64_t *created = pp && pp->nitems ? xcalloc(pp->nitems, sizeof *created)
                                        : NULL;
    store_set_backfill(c->store, j->cf->backfill);
    if (store_feed_save_created(c->store, id, &sr, pp, now, &st, created) != 0) {
        char *msg = xasprintf("could not save: %s", store_error(c->store));
        add_failure(rep, j->order, id, msg, TIME_NONE, 0);
        free(msg);
    } else if (pp) {
        rep->ok++;
        rep->new_items += (size_t)st.new_items;
        rep->linked += (size_t)st.linked;
        msg_info("feed %s: %d new, %d already seen, %d from other feeds%s", id,
                 st.new_items, st.seen_again, st.linked,
                 st.switched_to_link ? " (ids unusable: now keyed by link)" : "");
        queue_articles(c, j, pp, created);
    } else if (sr.not_modified) {
        rep->not_modified++;
        msg_info("feed %s: not modified", id);
    } else {
        /* Read back what the store decided: back-off or Retry-After, gone. */
        struct store_feed after;
        int64_t next = TIME_NONE;
        int gone = 0;
        if (store_feed_get(c->store, id, &after) == 0) {
            next = after.next_attempt;
            gone = after.gone;
            store_feed_release(&after);
        }
        add_failure(rep, j->order, id, sr.error ? sr.error : "failed", next,
                    gone);
    }
    if (pp)
        feed_free(pp);
    free(created);
    c->done++;
    fetch_progress_update(c->done, rep->selected, rep->new_items,
                          rep->nfailures);
}

int fetch_article_read(struct fetch_result *res, const char *rule, int64_t now,
                       char **summary, int64_t *published, char *warn,
                       size_t warnlen, char *err, size_t errlen)
{
    struct article a;
    const char *xpath = rule && strcmp(rule, CONFIG_ARTICLE_AUTO) != 0 ? rule : NULL;

    *summary = NULL;
    *published = TIME_NONE;
    if (warn && warnlen)
        warn[0] = '\0';
    if (res->outcome != FETCH_OK) {
        snprintf(err, errlen, "%s", res->outcome == FETCH_NOT_MODIFIED
                                        ? "HTTP 304 to an unconditional request"
                                        : res->error);
        return -1;
    }
    if (article_parse(res->body.data, res->body.len, res->final_url,
                      res->charset, xpath, &a, warn, warnlen) != 0) {
        snprintf(err, errlen, "%s", warn && *warn ? warn : "not an article page");
        if (warn && warnlen)
            warn[0] = '\0';
        return -1;
    }
    if (!a.text[0]) {
        snprintf(err, errlen, "no article text found");
        article_free(&a);
        return -1;
    }
    *summary = article_summary(a.text, LIMIT_SUMMARY_BYTES);
    if (a.published != TIME_NONE)
        *published = a.published > now ? now : a.published;
    article_free(&a);
    return 0;
}

static void on_article(const struct fetch_request *req, struct fetch_result *res,
                       void *vctx)
{
    struct ctx *c = vctx;
    struct art *a = req->user;
    struct job *j = a->job;
    char warn[256], err[256], *summary;
    int64_t published;
    int rc = fetch_article_read(res, j->cf->rules.article, (int64_t)time(NULL),
                                &summary, &published, warn, sizeof warn, err,
                                sizeof err);
    if (rc == 0 && store_item_set_article(c->store, a->item, summary,
                                          a->guessed ? published : TIME_NONE) != 0) {
        snprintf(err, sizeof err, "could not save: %s", store_error(c->store));
        rc = -1;
    }
    free(summary);
    if (rc != 0) {
        j->art_failed++;
        if (!j->art_error)
            j->art_error = xasprintf("%s: %s", req->url, err);
        return;
    }
    j->art_ok++;
    j->art_fallback += warn[0] != '\0';
    c->rep->articles++;
}

static void add_warning(struct fetch_update_report *rep, char *line)
{
    rep->warnings = xrealloc(rep->warnings,
                             (rep->nwarnings + 1) * sizeof *rep->warnings);
    rep->warnings[rep->nwarnings++] = line;
}

/* Fetch the queued article pages (no transaction is open: each one is
 * saved on its own as it completes), then sum up per feed, in the
 * config's order. Returns fetch_run's status. */
static int fetch_articles(struct ctx *c, struct job *jobs, size_t njobs,
                          const struct fetch_options *o, char *err,
                          size_t errlen)
{
    int rc = 0;
    if (c->narts > 0) {
        struct fetch_request *reqs = xcalloc(c->narts, sizeof *reqs);
        for (size_t i = 0; i < c->narts; i++) {
            reqs[i].url = c->arts[i].url;
            reqs[i].user = &c->arts[i];
            /* a link on the feed's own host is trusted like the feed */
            reqs[i].trusted_host = c->arts[i].job->host;
        }
        struct fetch_options ao;
        fetch_options_for_articles(&ao, o);
        rc = fetch_run(reqs, c->narts, &ao, on_article, c, err, errlen);
        free(reqs);
    }
    for (size_t i = 0; i < njobs; i++) {
        struct job *j = &jobs[i];
        if (j->art_queued == 0)
            continue;
        msg_info("feed %s: %zu of %zu article pages read", j->cf->id, j->art_ok,
                 j->art_queued);
        if (j->art_failed)
            add_warning(c->rep, xasprintf(
                "feed %s: %zu of %zu article pages failed, their items keep the "
                "list's summary (first: %s)", j->cf->id, j->art_failed,
                j->art_queued, j->art_error));
        if (j->art_fallback)
            add_warning(c->rep, xasprintf(
                "feed %s: the article rule matched no text on %zu of %zu pages; "
                "the text was found automatically", j->cf->id, j->art_fallback,
                j->art_queued));
        free(j->art_error);
        j->art_error = NULL;
    }
    for (size_t i = 0; i < c->narts; i++)
        free(c->arts[i].url);
    free(c->arts);
    c->arts = NULL;
    c->narts = 0;
    return rc;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* "10:30" when t is on now's local day, else "2026-11-24 10:30". */
static void format_local(int64_t t, int64_t now, int tz, char *out, size_t size)
{
    int64_t lt = t + tz, ln = now + tz;
    int64_t day = floor_div(lt, 86400), secs = lt - day * 86400;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (day == floor_div(ln, 86400))
        snprintf(out, size, "%02d:%02d", (int)(secs / 3600),
                 (int)(secs % 3600 / 60));
    else
        snprintf(out, size, "%04d-%02d-%02d %02d:%02d", y, m, d,
                 (int)(secs / 3600), (int)(secs % 3600 / 60));
}

void fetch_update_report_print(const struct fetch_update_report *rep,
                               int tz_offset, int64_t now)
{
    for (size_t i = 0; i < rep->nwarnings; i++)
        msg_warn("%s", rep->warnings[i]);
    for (size_t i = 0; i < rep->nfailures; i++) {
        const struct fetch_failure *f = &rep->failures[i];
        char when[32];
        if (f->gone) {
            msg_error("feed %s: %s, gone: no longer fetched (fix its url, or "
                      "'bantin fetch %s' to retry)", f->id, f->error, f->id);
        } else if (f->next_attempt == TIME_NONE || f->next_attempt <= now) {
            msg_error("feed %s: %s, retry on the next run", f->id, f->error);
        } else {
            format_local(f->next_attempt, now, tz_offset, when, sizeof when);
            msg_error("feed %s: %s, retry after %s", f->id, f->error, when);
        }
    }
    if (!msg_quiet && isatty(STDERR_FILENO) && rep->selected > 0) {
        char arts[64] = "";
        if (rep->articles)
            snprintf(arts, sizeof arts, " (%zu article page%s read)",
                     rep->articles, rep->articles == 1 ? "" : "s");
        fprintf(stderr, "bantin: %zu feed%s in %.1f s: %zu new item%s%s, "
                        "%zu unchanged, %zu failed\n",
                rep->selected, rep->selected == 1 ? "" : "s", rep->seconds,
                rep->new_items, rep->new_items == 1 ? "" : "s", arts,
                rep->not_modified, rep->nfailures);
    }
}

void fetch_update_report_free(struct fetch_update_report *rep)
{
    for (size_t i = 0; i < rep->nfailures; i++) {
        free(rep->failures[i].id);
        free(rep->failures[i].error);
    }
    free(rep->failures);
    for (size_t i = 0; i < rep->nwarnings; i++)
        free(rep->warnings[i]);
    free(rep->warnings);
    memset(rep, 0, sizeof *rep);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int row_by_id(const void *key, const void *elem)
{
    return strcmp(key, ((const struct store_feed *)elem)->id);
}

/* Pick the feeds of this run into jobs (the config's order). Returns the
 * count, -1 with err for an id the config does not have, or -2 with err
 * when the store fails. */
static long select_feeds(const struct config *cfg, struct store *s,
                         char *const *ids, size_t nids, struct job *jobs,
                         struct fetch_update_report *rep, char *err,
                         size_t errlen)
{
    for (size_t k = 0; k < nids; k++) {
        if (!config_find_feed(cfg, ids[k])) {
            snprintf(err, errlen, "no feed '%s' in the config", ids[k]);
            return -1;
        }
    }
    int64_t now = (int64_t)time(NULL);
    /* Every row in one statement: a store_feed_get per feed prepared the
     * same query a thousand times, 50 ms before the first request of a
     * 1 000-feed run (bench/bench_fetch.py). The list is in strcmp order
     * (SQLite's BINARY collation); every feed is looked up before any row
     * is moved out, which would leave a hole bsearch could meet. */
    struct store_feed *rows = NULL;
    size_t nrows = 0;
    if (store_feed_list(s, now, &rows, &nrows) != 0) {
        snprintf(err, errlen, "%s", store_error(s));
        return -2;
    }
    struct store_feed **match = xcalloc(cfg->nfeeds ? cfg->nfeeds : 1,
                                        sizeof *match);
    for (size_t i = 0; i < cfg->nfeeds && nrows; i++)
        match[i] = bsearch(cfg->feeds[i].id, rows, nrows, sizeof *rows,
                           row_by_id);
    long n = 0;
    for (size_t i = 0; i < cfg->nfeeds; i++) {
        const struct config_feed *cf = &cfg->feeds[i];
        int named = 0;
        for (size_t k = 0; k < nids; k++)
            named |= strcmp(ids[k], cf->id) == 0;
        if (nids > 0 && !named)
            continue;
        if (!named && !cf->enabled)
            continue;
        struct store_feed *row = match[i];
        if (!row || !row->id) {
            /* store_feeds_sync has just written every feed of the config */
            snprintf(err, errlen, "feed '%s' is missing from the database",
                     cf->id);
            for (long k = 0; k < n; k++)
                store_feed_release(&jobs[k].row);
            n = -2;
            break;
        }
        if (!named && !store_feed_due(row, now)) {
            rep->not_due++;
            continue;
        }
        jobs[n].cf = cf;
        jobs[n].items_max = cfg->limits.items_max;
        jobs[n].order = i;
        jobs[n].row = *row;
        memset(row, 0, sizeof *row);
        n++;
    }
    free(match);
    store_feed_list_free(rows, nrows);
    return n;
}

enum fetch_update_status fetch_update(const struct config *cfg,
                                      char *const *ids, size_t nids,
                                      struct fetch_update_report *rep,
                                      char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    struct store *s = NULL;
    if (store_open(cfg->database, &s, err, errlen) != 0)
        return FETCH_UPDATE_ERROR;
    /* One transaction for the whole config: a commit per feed was most of
     * the time before the first request (bench/bench_fetch.py). */
    struct store_feed_def *defs = xcalloc(cfg->nfeeds ? cfg->nfeeds : 1,
                                          sizeof *defs);
    for (size_t i = 0; i < cfg->nfeeds; i++)
        defs[i] = (struct store_feed_def){cfg->feeds[i].id, cfg->feeds[i].url,
                                          cfg->feeds[i].title};
    int synced = store_feeds_sync(s, defs, cfg->nfeeds);
    free(defs);
    if (synced != 0) {
        snprintf(err, errlen, "%s", store_error(s));
        store_close(s);
        return FETCH_UPDATE_ERROR;
    }

    struct job *jobs = xcalloc(cfg->nfeeds ? cfg->nfeeds : 1, sizeof *jobs);
    long n = select_feeds(cfg, s, ids, nids, jobs, rep, err, errlen);
    if (n < 0) {
        free(jobs);
        store_close(s);
        return n == -1 ? FETCH_UPDATE_BAD_ID : FETCH_UPDATE_ERROR;
    }
    rep->selected = (size_t)n;

    struct fetch_request *reqs = xcalloc(n ? (size_t)n : 1, sizeof *reqs);
    for (long i = 0; i < n; i++) {
        /* The config's URL, not the stored one a permanent redirect may
         * have set: trust goes to the host the admin wrote. */
        jobs[i].host = fetch_url_host(jobs[i].cf->url);
        reqs[i].trusted_host = jobs[i].host;
        reqs[i].url = store_feed_url(&jobs[i].row);
        reqs[i].etag = jobs[i].row.etag;
        reqs[i].last_modified = jobs[i].row.last_modified;
        reqs[i].user = &jobs[i];
    }
    struct fetch_options o;
    fetch_options_from_config(&o, cfg);

    struct ctx c = {s, rep, 0, NULL, 0};
    enum fetch_update_status status = FETCH_UPDATE_OK;
    double t0 = now_s();
    if (n > 0) {
        fetch_progress_start((size_t)n);
        if (fetch_run(reqs, (size_t)n, &o, on_done, &c, err, errlen) != 0)
            status = FETCH_UPDATE_ERROR;
        fetch_progress_finish();
    }
    /* Second pass, after every feed is saved: article pages must not hold
     * up the feeds, and only now is it known which items are new. */
    if (fetch_articles(&c, jobs, n > 0 ? (size_t)n : 0, &o, err, errlen) != 0)
        status = FETCH_UPDATE_ERROR;
    rep->seconds = now_s() - t0;
    /* Report in the config's order, whatever order they finished in. */
    if (rep->nfailures > 1)
        qsort(rep->failures, rep->nfailures, sizeof *rep->failures,
              failure_cmp);

    for (long i = 0; i < n; i++) {
        store_feed_release(&jobs[i].row);
        free(jobs[i].host);
    }
    free(reqs);
    free(jobs);
    store_close(s);
    return status;
}
