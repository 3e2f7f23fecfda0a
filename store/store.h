/* store.h - the SQLite state: feeds and their health, items, and (for later
 * stages) stories, digests and deliveries.
 *
 * One struct store is one connection: use it from one thread. Every write
 * is one BEGIN IMMEDIATE transaction, so a second process (a cron run over
 * an admin's `bantin fetch`) waits on the busy timeout instead of failing;
 * never hold a transaction across network I/O: fetch first, then call
 * store_feed_save once per feed.
 *
 * The schema (store/schema.c, `sqlite3 bantin.db .schema` shows it with its
 * comments) in short:
 *   feeds         one row per configured feed id: configured URL, URL after
 *                 permanent redirects, validators, health, back-off, id mode
 *   items         one row per distinct item; the canonical link is unique,
 *                 so a story re-posted by several feeds is one item
 *   item_sources  one row per (feed, item key): which feeds carried an item,
 *                 with the link and title each gave, and when the feed last
 *                 carried it (last_seen). item_id NULL marks an item seen
 *                 on a feed's first fetch but older than the backfill
 *                 window: remembered so it never counts as new, never
 *                 stored
 *   stories, digest_stories, digests, deliveries   the frozen digests and
 *                 their deliveries (store/digest_store.h)
 * History older than [bantin] keep is removed by store_prune
 * (store/prune.h); nothing else deletes rows.
 * Times are int64 UTC seconds; NULL in SQL is TIME_NONE here. */
#ifndef BANTIN_STORE_H
#define BANTIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "parse/feed.h"

struct store;

/* How a feed's items are keyed in item_sources.guid. */
enum store_id_mode {
    STORE_ID_GUID,  /* the item's id (guid / atom:id) */
    STORE_ID_LINK,  /* the canonical link: the feed's ids were blank,
                       repeated in one document, or changed between fetches */
};

/* Default backfill (DESIGN.md "backfill = 2d"): on a feed's first
 * successful fetch only items dated within this many seconds are stored. */
#define STORE_DEFAULT_BACKFILL  (2 * 86400)

/* Back-off after failures: 10 min * 2^(failures-1), +-20% jitter, capped. */
#define STORE_BACKOFF_BASE_S    600
#define STORE_BACKOFF_MAX_S     86400

/* Longest last_error kept (bytes, cut on a UTF-8 boundary). */
#define STORE_ERROR_BYTES       512

/* One feed's row, plus item counts. Strings are malloc'd, NULL when unset;
 * times are TIME_NONE when unset. Release with store_feed_release. */
struct store_feed {
    char *id;
    char *url;              /* as configured */
    char *stored_url;       /* after permanent redirects; NULL: use url */
    char *title;            /* as configured */
    char *doc_title;        /* the feed document's own title, or NULL */
    char *etag;             /* validators, to send back verbatim */
    char *last_modified;
    int64_t first_fetch;    /* first 200 since url was configured */
    int64_t last_attempt;
    int64_t last_ok;        /* last 200 or 304 */
    char *last_error;       /* one line; NULL after a success */
    int last_status;        /* HTTP status of the last attempt; 0 transport
                               error or never fetched */
    int fail_count;         /* consecutive failures */
    int64_t next_attempt;   /* do not fetch before; TIME_NONE: any time */
    int gone;               /* answered 410: not fetched until it succeeds
                               again or its URL changes */
    int degraded;           /* last document parsed only in recovery mode */
    enum store_id_mode id_mode;
    int64_t created;
    int64_t items;          /* distinct items stored from this feed */
    int64_t items_7d;       /* ... first seen from it in the 7 days before
                               the `now` of the call */
};

/* What one fetch produced, filled by the fetcher. Pointers are borrowed for
 * the duration of store_feed_save. */
struct store_fetch_result {
    int status;               /* final HTTP status; 0 for a transport error
                                 (DNS, connect, TLS, timeout, size cap) */
    int not_modified;         /* the conditional GET got 304 (status 304
                                 alone means the same) */
    const char *error;        /* one-line message when the fetch or the
                                 parse failed, else NULL; stored cut to
                                 STORE_ERROR_BYTES with controls blanked */
    const char *etag;         /* ETag of the final response, verbatim;
                                 NULL or "": absent (the stored one stays) */
    const char *last_modified;/* Last-Modified, same rules */
    const char *permanent_url;/* final URL when every redirect hop was 301
                                 or 308, else NULL; ignored on failure */
    int64_t retry_after;      /* Retry-After in seconds; -1: none. Replaces
                                 the back-off of a failure (capped at
                                 STORE_BACKOFF_MAX_S) */
};

/* Counts from one store_feed_save, for the progress line. */
struct store_save_stats {
    int new_items;      /* items rows created */
    int seen_again;     /* already known from this feed */
    int linked;         /* new to this feed, but an items row with the same
                           canonical link existed (another feed had it):
                           one more source for that item */
    int skipped_old;    /* first fetch: older than backfill, or undated;
                           remembered, not stored */
    int unkeyed;        /* neither id nor link: ignored */
    int switched_to_link; /* 1 when this save switched the feed to link
                             mode */
};

/* Open (creating if needed) the database at path and bring its schema to
 * the current version. Sets WAL, synchronous=NORMAL, foreign keys, a 5 s
 * busy timeout. Returns 0 and *out (free with store_close), or -1 with a
 * one-line message in err naming the path: the folder does not exist, the
 * file is not a database or not bantin's, its schema is newer than this
 * program's, a migration failed (rolled back, the file is as it was). */
int store_open(const char *path, struct store **out, char *err, size_t errlen);

/* Close the connection (NULL is fine). */
void store_close(struct store *s);

/* The message of the last failed call on s (never NULL). */
const char *store_error(const struct store *s);

/* The schema version this program writes (PRAGMA user_version). */
int store_schema_version(void);

/* Backfill window in seconds for first fetches (default
 * STORE_DEFAULT_BACKFILL; 0 stores nothing older than now). */
void store_set_backfill(struct store *s, int64_t seconds);

/* Source of the back-off jitter: rnd(ctx) returns a uniform value in
 * [0, 1). NULL restores the default (seeded from getrandom). Tests pass a
 * fixed one. */
void store_set_random(struct store *s, double (*rnd)(void *ctx), void *ctx);

/* Back-off in seconds after `failures` consecutive failures (>= 1), with
 * u in [0, 1) picking the jitter: min(600 * 2^(failures-1), 86400) *
 * (0.8 + 0.4u), at most STORE_BACKOFF_MAX_S (so 69120..86400 at the cap). */
int64_t store_backoff(int failures, double u);

/* One configured feed, for store_feeds_sync. Pointers are borrowed. */
struct store_feed_def {
    const char *id;
    const char *url;
    const char *title;
};

/* Insert each feed, or update its configured url and title, all in one
 * BEGIN IMMEDIATE transaction (a config of 1 000 feeds is one commit, not
 * 1 000). When a feed's url changed, its fetch state starts afresh
 * (stored_url, validators, health, back-off, gone, degraded, id mode,
 * first_fetch: so the new source is backfilled like a new feed); its items
 * stay. Feeds not in defs are left alone. Returns 0 (also for n == 0), or
 * -1 with nothing written (see store_error, which names the feed). */
int store_feeds_sync(struct store *s, const struct store_feed_def *defs,
                     size_t n);

/* store_feeds_sync of one feed. */
int store_feed_sync(struct store *s, const char *id, const char *url,
                    const char *title);

/* Fill *out with the feed's row and counts (items_7d relative to the
 * current time). Returns 0, 1 when there is no such feed (*out zeroed), or
 * -1 on error. Release *out with store_feed_release. */
int store_feed_get(struct store *s, const char *id, struct store_feed *out);

/* Every feed row, ordered by id, with counts (items_7d: first seen in
 * [now - 7 days, ...)). Returns 0 with *out (a malloc'd array of *n,
 * free with store_feed_list_free; NULL when *n is 0), or -1. */
int store_feed_list(struct store *s, int64_t now, struct store_feed **out,
                    size_t *n);

void store_feed_release(struct store_feed *f);
void store_feed_list_free(struct store_feed *list, size_t n);

/* The URL to fetch: stored_url when set, else url. */
const char *store_feed_url(const struct store_feed *f);

/* 1 when the feed should be fetched at now: not gone and its back-off
 * has expired. (An explicit `bantin fetch ID` may ignore this.) */
int store_feed_due(const struct store_feed *f, int64_t now);

/* The state word of `bantin feeds --json`: "gone", "failing" (at least
 * one failure since the last success), "new" (never fetched OK),
 * "degraded" (last document needed recovery mode), else "ok". */
const char *store_feed_state(const struct store_feed *f);

/* Record one fetch of feed id in one BEGIN IMMEDIATE transaction:
 *  - 304 (r->not_modified or status 304): health (last_ok, failures
 *    reset, gone cleared); new validators replace the stored ones; the
 *    item keys of the last stored document are seen again (last_seen =
 *    now: the unchanged document still carries them).
 *  - success (2xx, r->error NULL, parsed non-NULL): validators (old ones
 *    kept when the response has none), health reset, degraded from
 *    parsed, stored_url from r->permanent_url, first_fetch when first;
 *    then the items (exact dedup, see below).
 *  - anything else is a failure: last_error (r->error, else "HTTP
 *    <status>"), last_status, fail_count + 1, next_attempt = now +
 *    Retry-After or store_backoff; 410 sets gone. Validators and items
 *    are untouched.
 * Items: within the feed, an item key (guid, or canonical link in link
 * mode) is stored once; across feeds, an item whose canonical link is
 * already stored becomes one more source of that items row. Every key the
 * document carries, new or known (skipped ones included), gets last_seen =
 * now, which store_prune reads. On the first
 * successful fetch only items whose date (published, else updated) is
 * within backfill before now are stored; undated items count as old there,
 * because a list page without dates would otherwise flood the next digest
 * with its whole archive (an item with published_guessed is undated). An
 * items row is written once, with published_guessed when its date is the
 * guess: a later fetch never changes its fields, so a guessed date stays
 * the time the item was first seen. Nothing is deleted.
 * Id fallback: in guid mode, when the document has a blank id, an id used
 * by two different links, or more than half of its linked items carry a
 * link this feed already stored under another id, the feed switches to
 * link mode (before its items are stored, in the same transaction).
 * stats may be NULL. Returns 0, or -1 with nothing written (see
 * store_error): unknown feed id, or a database error (busy for more than
 * the 5 s timeout included). */
int store_feed_save(struct store *s, const char *id,
                    const struct store_fetch_result *r,
                    const struct feed *parsed, int64_t now,
                    struct store_save_stats *stats);

/* store_feed_save that also tells which items rows it created, for the
 * follow-up work on new items only (article pages). created may be NULL;
 * else it has room for parsed->nitems entries and created[i] is set to the
 * id of the items row this save created for parsed->items[i], or 0 when it
 * created none (known already, another feed's, older than backfill,
 * unkeyed; and for every item when the save failed). Same return. */
int store_feed_save_created(struct store *s, const char *id,
                            const struct store_fetch_result *r,
                            const struct feed *parsed, int64_t now,
                            struct store_save_stats *stats, int64_t *created);

/* What the item's own (article) page said, in one short transaction: its
 * summary replaces the stored one unless it is NULL or "", and published
 * replaces the stored date unless it is TIME_NONE (the caller passes one
 * only when the list gave no date), and then it is no longer a guess
 * (published_guessed 0). Returns 0, or -1 (see store_error):
 * no such item, or a database error. */
int store_item_set_article(struct store *s, int64_t item, const char *summary,
                           int64_t published);

#endif
