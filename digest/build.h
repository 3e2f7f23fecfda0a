/* build.h - a day's digest from the store: items, stories, topics, order.
 *
 * digest_build reads the items bantin first stored during one day (the
 * configured time zone's calendar day), groups near-duplicates into
 * stories (digest/dedup.h), gives each story one topic (digest/topic.h)
 * and lays them out as a struct digest for render and mail. It only reads
 * the store: `bantin digest` previews with it, and `bantin run` will
 * freeze what it returns. */
#ifndef BANTIN_DIGEST_BUILD_H
#define BANTIN_DIGEST_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "digest/digest.h"
#include "store/digest_store.h"
#include "store/store.h"

/* The fallback topic of stories no [topic] claims, listed last. */
#define DIGEST_OTHER_ID     "khac"
#define DIGEST_OTHER_TITLE  "Khác"

enum digest_build_status {
    DIGEST_BUILD_OK = 0,
    DIGEST_BUILD_BAD_DATE,        /* date is not a real YYYY-MM-DD */
    DIGEST_BUILD_NO_SUBSCRIBER,   /* subscriber is not in the config */
    DIGEST_BUILD_STORE,           /* the database could not be read */
};

/* The digest of date ("YYYY-MM-DD"; NULL: today in cfg->tz_offset) for
 * subscriber (an address of the config, compared ASCII case-insensitively;
 * NULL: everyone, every topic), as subscribers get it:
 *  - a day `bantin run` froze: the frozen digest (DIGEST_ITEMS_FROZEN);
 *  - today, not frozen yet: what `run` would freeze now
 *    (DIGEST_ITEMS_PENDING, re-posts of stories already sent left out);
 *  - another day, never frozen: built as below from DIGEST_ITEMS_DAY.
 * Built:
 *  - items: those first stored in [00:00, 24:00) of that day in
 *    cfg->tz_offset, at most LIMIT_DIGEST_ITEMS, minus those published
 *    more than cfg->digest.max_age before the end of the day;
 *  - stories: dedup_group of the items; the representative (earliest)
 *    item gives title, link, published and summary; sources are every
 *    feed's copy of every item of the story, the representative's first;
 *    a configured feed's title names its source, else the stored one;
 *  - topics: topic_classify of the story's title and summary over
 *    cfg->topics, in config order, the fallback "Khác" (DIGEST_OTHER_ID)
 *    last, empty topics omitted; a subscriber with a topics list gets only
 *    those (and not "Khác");
 *  - order in a topic: newest first (published, else first stored), then
 *    title, then item id.
 * Returns DIGEST_BUILD_OK with *out filled (release with digest_free) and
 * err "" or a warning (items left out by LIMIT_DIGEST_ITEMS); otherwise
 * the status with a one-line message in err and *out zeroed. */
enum digest_build_status digest_build(const struct config *cfg,
                                      struct store *s, const char *date,
                                      const char *subscriber,
                                      struct digest *out, char *err,
                                      size_t errlen);

/* Which items digest_build_from reads. */
enum digest_items {
    DIGEST_ITEMS_DAY,       /* first stored that day: digest_build */
    DIGEST_ITEMS_PENDING,   /* in no digest yet, first stored before the
                               end of the day: what `bantin run` freezes;
                               minus the re-posts: items dedup_group puts
                               in one story with an item of a story listed
                               by the digest of a day less than
                               DEDUP_WINDOW before (digest_plan.attached) */
    DIGEST_ITEMS_FROZEN,    /* the digest frozen for that day: its stories,
                               topics and order as frozen (no dedup, no
                               classify, no age filter); a topic no longer
                               configured shows under "Khác" */
};

/* What store_digest_freeze writes: every story of the digest (built with
 * no subscriber filter) in digest order. */
struct digest_plan {
    struct store_frozen_story *stories;   /* malloc'd, as its strings */
    size_t nstories;
    /* Re-posts (DIGEST_ITEMS_PENDING) and the earlier story each joins:
     * that of the earliest digest, then the first it lists, when the item
     * matches items of several. malloc'd; by first_seen, then id. */
    struct store_attached_item *attached;
    size_t nattached;
};

/* digest_build over the items given by from_items. When plan is not NULL
 * it is filled (release with digest_plan_free, in every case). Same
 * statuses and err as digest_build. */
enum digest_build_status digest_build_from(const struct config *cfg,
                                           struct store *s, const char *date,
                                           const char *subscriber,
                                           enum digest_items from_items,
                                           struct digest_plan *plan,
                                           struct digest *out, char *err,
                                           size_t errlen);

void digest_plan_free(struct digest_plan *plan);

/* The UTC window [*from, *to) of the calendar day date ("YYYY-MM-DD") at
 * tz_offset seconds east of UTC. Returns 0, or -1 when date is not a real
 * date of years 1..9999 in exactly that form. */
int digest_day_window(const char *date, int tz_offset, int64_t *from,
                      int64_t *to);

/* Today at tz_offset, for the moment now (UTC seconds), as "YYYY-MM-DD"
 * into out. */
void digest_today(int64_t now, int tz_offset, char out[11]);

/* "Thứ Hai, 23/11/2026" for date ("YYYY-MM-DD"; VIETNAMESE.md 6), the
 * date line of the subject. Returns a malloc'd string (caller frees), or
 * NULL when date is not a real date. */
char *digest_day_name(const char *date);

/* The unsubscribe URL of one subscriber: tmpl (cfg->digest.unsubscribe_url)
 * with each "{email}" replaced by email, percent-encoded except for
 * A-Z a-z 0-9 - . _ ~ @ (an address may hold & = + # ?). Returns a
 * malloc'd string (caller frees), or NULL when tmpl is NULL. */
char *digest_unsubscribe_url(const char *tmpl, const char *email);

#endif
