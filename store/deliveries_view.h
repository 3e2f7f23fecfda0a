/* deliveries_view.h - `bantin deliveries [--json] [--days N]`: the
 * deliveries of the last days and how each went, read from the store
 * without sending anything.
 *
 * The delivery counterpart of `bantin feeds` (store/feeds_view.h): under
 * cron an admin otherwise learns of a failing or refused subscriber only
 * from one line on standard error. One row per deliveries row whose day
 * is in the window, newest day first, then by address (byte order). A
 * configured subscriber with no delivery in the window has no row; a
 * delivery whose subscriber the config no longer names has one, marked:
 * every run skips it (digest/deliver.c), so it stays as it is. */
#ifndef BANTIN_DELIVERIES_VIEW_H
#define BANTIN_DELIVERIES_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

/* --days: the default, and the most an admin may ask for (ten years;
 * [bantin] keep prunes settled deliveries long before that). */
#define STORE_DELIVERIES_DAYS_DEFAULT   7
#define STORE_DELIVERIES_DAYS_MAX       3650

/* One deliveries row. Strings malloc'd; times TIME_NONE when unset. */
struct store_delivery_view {
    char *day;              /* "YYYY-MM-DD", the digest's day */
    char *subscriber;       /* address as stored */
    char *state;            /* "pending", "sent", "failed" or "refused" */
    int64_t attempts;
    int64_t last_attempt;
    int64_t sent_at;
    char *last_error;       /* one line, or NULL */
    char *message_id;       /* without <>, or NULL */
    int in_config;          /* config_find_subscriber knows the address */
};

struct store_deliveries_view {
    struct store_delivery_view *v;  /* n rows, newest day first */
    size_t n;
    int days;               /* the window asked for */
    char since[11];         /* its first day, "YYYY-MM-DD" at tz_offset */
    int no_database;        /* the database file does not exist yet: no
                               rows, and nothing was created */
};

/* Read the deliveries of the days days (1 to STORE_DELIVERIES_DAYS_MAX)
 * ending with today, the calendar day of now at cfg->tz_offset, from
 * cfg->database. A database that does not exist is not created: *out then
 * has no_database set. Returns 0 with *out filled (release with
 * store_deliveries_view_free), or -1 with one line in err (the database
 * cannot be opened or read). */
int store_deliveries_view_load(const struct config *cfg, int64_t now,
                               int days, struct store_deliveries_view *out,
                               char *err, size_t errlen);

void store_deliveries_view_free(struct store_deliveries_view *view);

/* The human table: a header, one line per delivery with the columns DAY,
 * SUBSCRIBER, STATE, ATTEMPTS, WHEN (sent_at when sent, else the last
 * attempt; local time, tz_offset seconds east of UTC, as
 * "2026-11-23 08:15", "-" for never), ERROR (the last error cut to one
 * line of 80 columns, "-" for none and always for a sent delivery) and
 * NOTES ("(not in config)"); then one line of counts:
 * "14 deliveries: 12 sent, 1 failed (retried by the next run), 1 refused
 * (not retried)". Returns 0, or -1 on a write error. */
int store_deliveries_view_write_table(const struct store_deliveries_view *view,
                                      int tz_offset, FILE *out);

/* One JSON array, one object per row in table order: {"day",
 * "subscriber", "state", "attempts", "last_attempt", "sent_at",
 * "last_error", "message_id", "in_config"}, times RFC 3339 UTC or null,
 * strings as stored or null. One document followed by a newline. Returns
 * 0, or -1 on a write error. */
int store_deliveries_view_write_json(const struct store_deliveries_view *view,
                                     FILE *out);

#endif
