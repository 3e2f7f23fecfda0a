/* feeds_view.h - `bantin feeds [--json]`: the health of each configured
 * feed, read from the store without fetching anything.
 *
 * One row per [feed] of the config, in the config's order; feeds the store
 * still remembers but the config no longer names are not shown. A feed the
 * store does not know yet (never fetched, or the database does not exist)
 * is "new". A feed whose configured URL differs from the stored one is
 * also "new": the next fetch starts its state afresh (store_feed_sync),
 * only its item counts carry over. */
#ifndef BANTIN_FEEDS_VIEW_H
#define BANTIN_FEEDS_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "store/store.h"

struct store_feed_view {
    const struct config_feed *cf;  /* borrowed from the config */
    struct store_feed row;  /* the store's row; for an unknown feed every
                               time is TIME_NONE, counts 0, strings NULL */
    int known;              /* row holds the feed's current fetch state */
    int url_changed;        /* stored under another URL, not fetched since */
    const char *state;      /* "ok", "failing", "gone", "degraded", "new" */
};

struct store_feeds_view {
    struct store_feed_view *v;   /* cfg->nfeeds rows, config order */
    size_t n;
    int no_database;             /* the database file does not exist yet */
};

/* Read the rows for cfg's feeds from cfg->database with item counts as of
 * now. A database that does not exist is not created: every feed is then
 * "new". Returns 0 with *out filled (release with store_feeds_view_free;
 * it borrows from cfg, which must outlive it), or -1 with one line in err
 * (the database cannot be opened or read). */
int store_feeds_view_load(const struct config *cfg, int64_t now,
                          struct store_feeds_view *out, char *err,
                          size_t errlen);

void store_feeds_view_free(struct store_feeds_view *view);

/* The human table: a header, then one line per feed with the columns ID,
 * STATE, LAST OK, NEXT ATTEMPT (times in local time, tz_offset seconds
 * east of UTC, as "2026-11-23 08:15", "-" for none), ITEMS, 7D (items
 * first seen in the last 7 days), TITLE (cut to 30 columns) and NOTES:
 * the last error (one line, cut), then "disabled", "ids: link (guids
 * unstable)", "moved to URL" and the like, separated by "; ".
 * Returns 0, or -1 on a write error. */
int store_feeds_view_write_table(const struct store_feeds_view *view,
                                 int tz_offset, FILE *out);

/* The JSON list of DESIGN.md: [{"id", "url", "title", "state", "last_ok",
 * "last_error", "items", "items_7d", "next_attempt", "id_mode",
 * "disabled"}], times RFC 3339 UTC or null, url the configured one, title
 * the configured one or null, id_mode "guid" or "link". One document
 * followed by a newline. Returns 0, or -1 on a write error. */
int store_feeds_view_write_json(const struct store_feeds_view *view,
                                FILE *out);

#endif
