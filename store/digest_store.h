/* digest_store.h - freeze a day's digest and track its deliveries.
 *
 * `bantin run` freezes today's digest once: its stories, the items of each,
 * its list and one delivery per subscriber are written in one transaction,
 * so a crash leaves either all of it or none. The schema's
 * UNIQUE(digest_stories.story_id) and "story_id IS NULL" checks here make
 * an item appear in at most one digest. */
#ifndef BANTIN_DIGEST_STORE_H
#define BANTIN_DIGEST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* One story of the digest being frozen, in digest order. */
struct store_frozen_story {
    int64_t lead_item;      /* items.id whose title and link represent it */
    int64_t *items;         /* every items.id of the story, lead included */
    size_t nitems;
    char *topic;            /* config topic id; NULL: the fallback */
    char *title;            /* the lead item's title, or NULL */
    int64_t first_seen;     /* the lead item's */
};

/* One delivery to create. */
struct store_new_delivery {
    const char *subscriber; /* address as in the config */
    const char *message_id; /* mail_message_id, without <> */
};

/* A re-post of a story an earlier digest listed: the item joins it. */
struct store_attached_item {
    int64_t item;           /* items.id, in no digest yet */
    int64_t story;          /* stories.id of a story some digest lists */
};

/* Freeze the digest of day ("YYYY-MM-DD") in one BEGIN IMMEDIATE
 * transaction: a stories row per story, each item's story_id and topic, the
 * digests row (created now, title), digest_stories(day, position = index
 * in stories, story, topic) and a 'pending' deliveries row per entry of
 * dl. Returns 0 when frozen; 1 when day already has a digest (nothing is
 * written); -1 on a database error or when an item is missing or already
 * in a digest (see store_error; nothing is written). */
int store_digest_freeze(struct store *s, const char *day, const char *title,
                        int64_t now, const struct store_frozen_story *stories,
                        size_t nstories, const struct store_new_delivery *dl,
                        size_t ndl);

/* store_digest_freeze that also, in the same transaction, attaches each
 * item of attached[0..nattached) to its earlier story (its story_id, and
 * the topic that story is listed under): the item is then in that story's
 * digest, not in day's. Fails (-1, nothing written) as well when such an
 * item is missing or already in a digest, or its story is in no digest. */
int store_digest_freeze_attached(struct store *s, const char *day,
                                 const char *title, int64_t now,
                                 const struct store_frozen_story *stories,
                                 size_t nstories,
                                 const struct store_attached_item *attached,
                                 size_t nattached,
                                 const struct store_new_delivery *dl,
                                 size_t ndl);

/* 1 when day has a frozen digest, 0 when not, -1 on a database error. */
int store_digest_exists(struct store *s, const char *day);

/* A delivery not sent yet. Strings malloc'd. */
struct store_delivery {
    char *day;
    char *subscriber;
    char *message_id;       /* NULL when the row has none */
    int attempts;
    int failed;             /* 1: state 'failed', 0: 'pending' */
};

/* Every delivery still to do: 'pending' or 'failed' (never 'sent', nor
 * 'refused', which the server refused for good), by day then subscriber;
 * the same WHERE as the partial index deliveries_todo. Returns 0 with *out
 * (free with store_deliveries_free) and *n, or -1 (store_error). */
int store_deliveries_todo(struct store *s, struct store_delivery **out,
                          size_t *n);

void store_deliveries_free(struct store_delivery *d, size_t n);

/* Mark a delivery 'sent' at now (sent_at, last_attempt, attempts + 1), in
 * its own transaction. Returns 0, or -1 (store_error). */
int store_delivery_sent(struct store *s, const char *day,
                        const char *subscriber, int64_t now);

/* Mark a delivery 'failed' at now with error (one line), attempts + 1:
 * the next run or `bantin send` retries it. Only a 'pending' or 'failed'
 * delivery changes (a sent or refused one stays so). Returns 0, or -1
 * (store_error). */
int store_delivery_failed(struct store *s, const char *day,
                          const char *subscriber, int64_t now,
                          const char *error);

/* Mark a delivery 'refused' at now with error (the server's reply, one
 * line), attempts + 1: the server refused the recipient or the message for
 * good (5xx), so it is never tried again. Only a 'pending' or 'failed'
 * delivery changes. Returns 0, or -1 (store_error). */
int store_delivery_refused(struct store *s, const char *day,
                           const char *subscriber, int64_t now,
                           const char *error);

#endif
