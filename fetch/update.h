/* update.h - `bantin fetch [FEED-ID...]`: fetch the due feeds, parse them and
 * store their items, one transaction per feed as each transfer completes. */
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
    double seconds;
    struct fetch_failure *failures;  /* in the config's order */
    size_t nfailures;
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
 * with its XPath rules, article pages not fetched) and saved at once. Shows a
 * progress bar on stderr when it is a terminal. Returns a status above;
 * on FETCH_UPDATE_ERROR or _BAD_ID err holds one line. The caller frees
 * *rep with fetch_update_report_free in every case. */
enum fetch_update_status fetch_update(const struct config *cfg,
                                      char *const *ids, size_t nids,
                                      struct fetch_update_report *rep,
                                      char *err, size_t errlen);

/* Print one line per failed feed through msg_error, with its next attempt
 * in local time (tz_offset seconds east of UTC) relative to now:
 * "bantin: feed nghean: HTTP 503, retry after 10:30". Then, when stderr
 * is a terminal and -q was not given, a one-line summary. */
void fetch_update_report_print(const struct fetch_update_report *rep,
                               int tz_offset, int64_t now);

void fetch_update_report_free(struct fetch_update_report *rep);

#endif
