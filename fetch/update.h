/* update.h - `bantin fetch [FEED-ID...]`: fetch the due feeds, parse them and
 * store their items, one transaction per feed as each transfer completes;
 * then, for feeds with an `article` rule, the pages of their new items. */
#ifndef BANTIN_UPDATE_H
#define BANTIN_UPDATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

/* One feed that failed in this run. */
struct fetch_failure {
    char *id;
    char *error;            /* one line: "HTTP 503", "connection refused",
                               "not a feed (root element <html>)" */
    int64_t next_attempt;   /* from the store after saving; TIME_NONE: next run */
    int gone;               /* 410: no longer fetched */
    size_t order;           /* the feed's place in the config */
};

struct fetch_update_report {
    size_t selected;        /* feeds fetched this run */
    size_t not_due;         /* configured and enabled, but backing off or gone */
    size_t ok;              /* 2xx, parsed and stored */
    size_t not_modified;    /* 304 */
    size_t new_items;       /* items rows created */
    size_t linked;          /* items another feed had already stored */
    size_t articles;        /* article pages read and saved */
    double seconds;
    struct fetch_failure *failures;  /* in the config's order */
    size_t nfailures;
    char **warnings;        /* one line per feed whose article pages failed
                               or needed the generic extraction; these never
                               count as failures */
    size_t nwarnings;
};

enum fetch_update_status {
    FETCH_UPDATE_OK = 0,        /* see report->nfailures */
    FETCH_UPDATE_ERROR = -1,    /* the store could not be opened or synced */
    FETCH_UPDATE_BAD_ID = -2,   /* an id given is not a [feed] of the config */
};

/* Sync the configured feeds into the store at cfg->database, then fetch:
 * the ids given (nids > 0; fetched even when backing off or gone), or
 * else every enabled feed that is due. Each completed transfer is parsed
 * (HTTP charset, final URL as the base; a type = html feed's list page
 * with its XPath rules) and saved at once. Shows a progress bar on stderr
 * when it is a terminal. Then, once every feed is saved, for each feed with
 * an `article` rule: the pages of the items this run created (with a link,
 * in page order, at most article_limit per feed) are fetched with the same
 * limits, and each item's summary becomes the start of its article text
 * (its date too, when the list gave none and the page has one); a page that
 * fails leaves the item as the list gave it and adds a warning line.
 * Returns a status above;
 * on FETCH_UPDATE_ERROR or _BAD_ID err holds one line. The caller frees
 * *rep with fetch_update_report_free in every case. */
enum fetch_update_status fetch_update(const struct config *cfg,
                                      char *const *ids, size_t nids,
                                      struct fetch_update_report *rep,
                                      char *err, size_t errlen);

/* Read an article page that fetch_run brought back. rule is the feed's
 * `article` value: an XPath, or CONFIG_ARTICLE_AUTO or NULL for the generic
 * extraction. Returns 0 with *summary (article_summary of the clean text,
 * at most LIMIT_SUMMARY_BYTES; malloc'd, caller frees) and *published (the
 * page's own date clamped to now, or TIME_NONE), warn holding "" or why
 * the generic extraction stood in for the rule; or -1 with *summary NULL
 * and err set: the fetch failed ("HTTP 404"), the page is not HTML, the
 * rule failed at run time, or no text was found. */
struct fetch_result;
int fetch_article_read(struct fetch_result *res, const char *rule, int64_t now,
                       char **summary, int64_t *published, char *warn,
                       size_t warnlen, char *err, size_t errlen);

/* Print the warning lines through msg_warn, then one line per failed feed
 * through msg_error, with its next attempt in local time (tz_offset
 * seconds east of UTC) relative to now:
 * "bantin: feed nghean: HTTP 503, retry after 10:30". Then, when stderr
 * is a terminal and -q was not given, a one-line summary. */
void fetch_update_report_print(const struct fetch_update_report *rep,
                               int tz_offset, int64_t now);

void fetch_update_report_free(struct fetch_update_report *rep);

#endif
