/* digest_query.h - read the items of a digest window from the store.
 *
 * Read-only: one SELECT of items and one of their sources, inside one read
 * transaction so both see the same snapshot. Nothing is written, so
 * `bantin digest` can preview a day without recording anything. */
#ifndef BANTIN_DIGEST_QUERY_H
#define BANTIN_DIGEST_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* One feed's copy of an item (a row of item_sources). Strings malloc'd,
 * NULL when unknown. */
struct store_digest_source {
    char *feed;             /* feed id */
    char *feed_title;       /* the feed's configured title as last synced,
                               else its document's own title, else NULL */
    char *title;            /* the item's title as this feed gave it */
    char *link;             /* the item's link as this feed gave it */
    int64_t first_seen;     /* when this feed first carried it */
};

struct store_digest_item {
    int64_t id;             /* items.id */
    char *title;            /* as first seen; NULL when none */
    char *link;
    char *summary;
    int64_t published;      /* TIME_NONE when unknown */
    int published_guessed;  /* 1: published is the time bantin first saw
                               the item, the source gave no date */
    int64_t first_seen;     /* when bantin first stored the item */
    struct store_digest_source *sources;  /* by first_seen, then feed id;
                                             may be empty (nsources 0) */
    size_t nsources;
    /* Set by STORE_DIGEST_FROZEN only (else 0, NULL, 0, 0, ""): */
    int64_t story_id;       /* the frozen story it belongs to */
    char *topic;            /* the topic its story is listed under; NULL:
                               the fallback */
    int64_t position;       /* its story's place in the digest */
    int lead;               /* 1 for the story's lead item */
    char day[11];           /* the day of the digest that lists its story */
};

/* The items first stored in [from, to) (UTC seconds), ordered by
 * first_seen then id, at most max of them (the earliest ones; max 0 means
 * no cap). Returns 0 with *out (malloc'd array of *n, NULL when *n is 0;
 * free with store_digest_items_free) and *more set to 1 when items were
 * left out by the cap (more may be NULL); or -1 on a database error (see
 * store_error), *out NULL and *n 0. */
int store_digest_items(struct store *s, int64_t from, int64_t to, size_t max,
                       struct store_digest_item **out, size_t *n, int *more);

/* Which items store_digest_items_select reads. */
enum store_digest_kind {
    STORE_DIGEST_WINDOW,    /* first stored in [from, to): the preview */
    STORE_DIGEST_PENDING,   /* in no digest yet, first stored before to and
                               not published before from (too old items
                               stay out and never take the cap's room):
                               what `bantin run` freezes */
    STORE_DIGEST_FROZEN,    /* those of the digest frozen for day, with
                               their story, topic and position */
};

struct store_digest_select {
    enum store_digest_kind kind;
    int64_t from, to;       /* UTC seconds */
    const char *day;        /* "YYYY-MM-DD" for STORE_DIGEST_FROZEN */
};

/* store_digest_items for any kind of select: same order, cap, result and
 * errors. */
int store_digest_items_select(struct store *s,
                              const struct store_digest_select *sel,
                              size_t max, struct store_digest_item **out,
                              size_t *n, int *more);

void store_digest_items_free(struct store_digest_item *items, size_t n);

#endif
