/* test_prune.c - unit tests of store/prune.c and of item_sources.last_seen:
 * what a prune removes, what it must keep (an item a feed still carries, a
 * digest still to be sent, an item that can still enter a digest), the
 * foreign keys afterwards, and that pruned history never comes back as
 * new. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store/digest_query.h"
#include "store/digest_store.h"
#include "store/prune.h"
#include "store/store.h"
#include "util/util.h"

/* 2025-10-09 08:53:20 UTC: every test runs at a fixed "now". */
#define NOW ((int64_t)1760000000)
#define HOUR 3600
#define DAY 86400
#define KEEP (180 * DAY)
#define MAX_AGE (2 * DAY)
/* Long before the keep cut. */
#define OLD (NOW - 200 * DAY)

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/bantin-prune-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/bantin.db", fx->dir);
    char err[512];
    if (store_open(fx->path, &fx->st, err, sizeof err) != 0) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    /* Every item of a first fetch is stored: the tests choose the dates. */
    store_set_backfill(fx->st, 3650 * (int64_t)DAY);
    static const char *const feeds[] = {"a", "b", "c"};
    for (size_t i = 0; i < sizeof feeds / sizeof feeds[0]; i++) {
        char url[64];
        snprintf(url, sizeof url, "https://%s.example/rss", feeds[i]);
        if (store_feed_sync(fx->st, feeds[i], url, NULL) != 0)
            return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->st);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------ */

/* One integer from a second, plain connection: what is committed. */
static int64_t qint(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("%s: no row", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void rawexec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

/* PRAGMA foreign_key_check finds nothing. */
static void assert_fk_clean(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
                                        NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        fail_msg("foreign key broken: %s rowid %lld -> %s",
                 (const char *)sqlite3_column_text(st, 0),
                 (long long)sqlite3_column_int64(st, 1),
                 (const char *)sqlite3_column_text(st, 2));
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* 1 when an items row with this link exists. */
static int has_item(struct fixture *fx, const char *link)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE link = '%s'", link);
    return (int)qint(fx->path, sql);
}

static int64_t item_id(struct fixture *fx, const char *link)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COALESCE(max(id), 0) FROM items WHERE link = '%s'",
             link);
    int64_t id = qint(fx->path, sql);
    if (id == 0)
        fail_msg("no item %s", link);
    return id;
}

static int64_t last_seen(struct fixture *fx, const char *feed, const char *guid)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COALESCE(max(last_seen), -1) FROM item_sources"
             " WHERE feed_id = '%s' AND guid = '%s'", feed, guid);
    return qint(fx->path, sql);
}

/* An item with guid g and link https://<feed>.example/<g>; published
 * TIME_NONE makes it undated. */
struct it {
    const char *g;
    int64_t published;
};

/* Store one 200 document of feed with these items at now. */
static struct store_save_stats fetch(struct fixture *fx, const char *feed,
                                     const struct it *its, size_t n, int64_t now)
{
    struct feed_item *items = calloc(n ? n : 1, sizeof *items);
    char (*links)[96] = calloc(n ? n : 1, sizeof *links);
    for (size_t i = 0; i < n; i++) {
        snprintf(links[i], sizeof links[i], "https://%s.example/%s", feed, its[i].g);
        items[i].id = (char *)its[i].g;
        items[i].link = links[i];
        items[i].title = (char *)its[i].g;
        items[i].published = its[i].published;
        items[i].updated = TIME_NONE;
    }
    struct feed f = {0};
    f.kind = FEED_RSS;
    f.items = items;
    f.nitems = n;
    struct store_fetch_result r = {.status = 200, .retry_after = -1};
    struct store_save_stats stats;
    if (store_feed_save(fx->st, feed, &r, &f, now, &stats) != 0)
        fail_msg("save %s: %s", feed, store_error(fx->st));
    free(items);
    free(links);
    return stats;
}

static void not_modified(struct fixture *fx, const char *feed, int64_t now)
{
    struct store_fetch_result r = {.status = 304, .not_modified = 1,
                                   .retry_after = -1};
    if (store_feed_save(fx->st, feed, &r, NULL, now, NULL) != 0)
        fail_msg("304 %s: %s", feed, store_error(fx->st));
}

static void fetch_failed(struct fixture *fx, const char *feed, int64_t now)
{
    struct store_fetch_result r = {.status = 503, .retry_after = -1};
    if (store_feed_save(fx->st, feed, &r, NULL, now, NULL) != 0)
        fail_msg("503 %s: %s", feed, store_error(fx->st));
}

/* Freeze digest day at created: one story per NULL-separated group of
 * item ids (the first of a group is its lead), and one pending delivery
 * per subscriber (at most 2). */
static void freeze(struct fixture *fx, const char *day, int64_t created,
                   const int64_t *ids, size_t nids, const char *const *subs,
                   size_t nsubs)
{
    struct store_frozen_story stories[8];
    size_t ns = 0;
    for (size_t i = 0; i < nids;) {
        size_t j = i;
        while (j < nids && ids[j])
            j++;
        assert_true(ns < 8);
        stories[ns] = (struct store_frozen_story){
            ids[i], (int64_t *)&ids[i], j - i, NULL, NULL, created};
        ns++;
        i = j + 1;
    }
    struct store_new_delivery dl[2];
    char mid[2][64];
    assert_true(nsubs <= 2);
    for (size_t i = 0; i < nsubs; i++) {
        snprintf(mid[i], sizeof mid[i], "bantin.%s.%zu@example.vn", day, i);
        dl[i] = (struct store_new_delivery){subs[i], mid[i]};
    }
    if (store_digest_freeze(fx->st, day, "Bản tin", created, stories, ns, dl,
                            nsubs) != 0)
        fail_msg("freeze %s: %s", day, store_error(fx->st));
}

static void set_state(struct fixture *fx, const char *day, const char *sub,
                      const char *state)
{
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE deliveries SET state = '%s' WHERE day = '%s'"
             " AND subscriber = '%s'", state, day, sub);
    rawexec(fx->path, sql);
}

static struct store_prune_counts prune(struct fixture *fx, int64_t now)
{
    struct store_prune_counts c;
    if (store_prune(fx->st, now, KEEP, MAX_AGE, &c) != 0)
        fail_msg("prune: %s", store_error(fx->st));
    assert_fk_clean(fx->path);
    return c;
}

/* Items the next `bantin run` would freeze (the pending select). */
static size_t pending(struct fixture *fx, int64_t now)
{
    struct store_digest_select sel = {STORE_DIGEST_PENDING, now - MAX_AGE,
                                      now + DAY, NULL};
    struct store_digest_item *items;
    size_t n;
    if (store_digest_items_select(fx->st, &sel, 0, &items, &n, NULL) != 0)
        fail_msg("pending: %s", store_error(fx->st));
    store_digest_items_free(items, n);
    return n;
}

static const char *const subs[] = {"a@example.vn", "b@example.vn"};

/* ---- last_seen ---------------------------------------------------------- */

/* Every key a stored document carries is seen at the fetch time: new,
 * known, and those remembered but never stored (item_id NULL); a 304 sees
 * the last document's keys again; a failure sees nothing. */
static void test_last_seen_follows_documents(void **state)
{
    struct fixture *fx = *state;
    store_set_backfill(fx->st, 2 * DAY);
    struct it v1[] = {{"new", NOW - HOUR}, {"archive", NOW - 30 * DAY},
                      {"undated", TIME_NONE}};
    struct store_save_stats st = fetch(fx, "a", v1, 3, NOW);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(st.skipped_old, 2);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources"
                                    " WHERE item_id IS NULL"), 2);
    assert_true(last_seen(fx, "a", "new") == NOW);
    assert_true(last_seen(fx, "a", "archive") == NOW);

    /* The next document drops "undated" and adds "later". */
    struct it v2[] = {{"archive", NOW - 30 * DAY}, {"new", NOW - HOUR},
                      {"later", NOW + HOUR}};
    st = fetch(fx, "a", v2, 3, NOW + DAY);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(st.seen_again, 2);
    assert_true(last_seen(fx, "a", "new") == NOW + DAY);
    assert_true(last_seen(fx, "a", "archive") == NOW + DAY);
    assert_true(last_seen(fx, "a", "later") == NOW + DAY);
    assert_true(last_seen(fx, "a", "undated") == NOW);
    assert_int_equal(qint(fx->path, "SELECT min(first_seen) FROM item_sources"
                                    " WHERE guid = 'archive'"), NOW);

    /* Unchanged (304): the same keys, seen again; a failure: nothing. */
    not_modified(fx, "a", NOW + 2 * DAY);
    fetch_failed(fx, "a", NOW + 3 * DAY);
    assert_true(last_seen(fx, "a", "new") == NOW + 2 * DAY);
    assert_true(last_seen(fx, "a", "later") == NOW + 2 * DAY);
    assert_true(last_seen(fx, "a", "archive") == NOW + 2 * DAY);
    assert_true(last_seen(fx, "a", "undated") == NOW);
    /* Another feed's rows are untouched by a's 304. */
    struct it b1[] = {{"x", NOW}};
    fetch(fx, "b", b1, 1, NOW);
    not_modified(fx, "a", NOW + 4 * DAY);
    assert_true(last_seen(fx, "b", "x") == NOW);
}

/* ---- what goes ---------------------------------------------------------- */

/* A settled old digest goes with its list, deliveries, stories and the
 * items no feed carries any more; a fresh item in no digest stays; the
 * freed pages go back to the file system (new databases are in
 * incremental auto-vacuum). */
static void test_old_settled_goes(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(qint(fx->path, "PRAGMA auto_vacuum"), 2);
    /* Two old items with long summaries, so pages are freed. */
    struct feed_item big[2];
    char summary[20000];
    memset(summary, 'x', sizeof summary - 1);
    summary[sizeof summary - 1] = '\0';
    for (int i = 0; i < 2; i++) {
        big[i] = (struct feed_item){0};
        big[i].id = i ? "y2" : "y1";
        big[i].link = i ? "https://a.example/y2" : "https://a.example/y1";
        big[i].title = big[i].id;
        big[i].summary = summary;
        big[i].published = OLD - HOUR;
        big[i].updated = TIME_NONE;
    }
    struct feed f = {0};
    f.kind = FEED_RSS;
    f.items = big;
    f.nitems = 2;
    struct store_fetch_result r = {.status = 200, .retry_after = -1};
    assert_int_equal(store_feed_save(fx->st, "a", &r, &f, OLD, NULL), 0);
    int64_t ids[] = {item_id(fx, "https://a.example/y1"), 0,
                     item_id(fx, "https://a.example/y2")};
    freeze(fx, "2025-03-23", OLD + HOUR, ids, 3, subs, 2);
    assert_int_equal(store_delivery_sent(fx->st, "2025-03-23", subs[0], OLD + HOUR), 0);
    set_state(fx, "2025-03-23", subs[1], "refused");
    /* Since then the feed lists only a fresh item, not in a digest yet. */
    struct it fresh[] = {{"fresh", NOW - HOUR}};
    fetch(fx, "a", fresh, 1, NOW - HOUR);
    int64_t pages = qint(fx->path, "PRAGMA page_count");

    struct store_prune_counts c = prune(fx, NOW);
    assert_int_equal(c.digests, 1);
    assert_int_equal(c.deliveries, 2);
    assert_int_equal(c.sources, 2);
    assert_int_equal(c.items, 2);
    assert_int_equal(c.stories, 2);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM digests"), 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM digest_stories"), 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM deliveries"), 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM stories"), 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 1);
    assert_true(has_item(fx, "https://a.example/fresh"));
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources"), 1);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM feeds"), 3);
    assert_int_equal(qint(fx->path, "PRAGMA freelist_count"), 0);
    assert_true(qint(fx->path, "PRAGMA page_count") < pages);
    assert_int_equal(pending(fx, NOW), 1);

    /* Nothing more to do: a second prune removes nothing. */
    c = prune(fx, NOW);
    assert_int_equal(c.digests + c.deliveries + c.sources + c.items + c.stories, 0);
}

/* A digest within keep, or with a delivery still to send (pending or
 * failed), stays with its stories and items; once sent, it goes. */
static void test_unsettled_digest_stays(void **state)
{
    struct fixture *fx = *state;
    struct it v[] = {{"p", OLD - HOUR}, {"q", OLD - HOUR}, {"r", NOW - 10 * DAY}};
    fetch(fx, "a", v, 2, OLD);
    fetch(fx, "a", &v[2], 1, NOW - 10 * DAY);     /* p and q dropped */
    int64_t p = item_id(fx, "https://a.example/p");
    int64_t q = item_id(fx, "https://a.example/q");
    int64_t rr = item_id(fx, "https://a.example/r");
    freeze(fx, "2025-03-23", OLD + HOUR, &p, 1, subs, 2);
    freeze(fx, "2025-03-24", OLD + DAY, &q, 1, subs, 1);
    freeze(fx, "2025-09-29", NOW - 10 * DAY, &rr, 1, subs, 1);
    assert_int_equal(store_delivery_sent(fx->st, "2025-03-23", subs[0], OLD), 0);
    /* subs[1] of 2025-03-23 stays pending */
    assert_int_equal(store_delivery_failed(fx->st, "2025-03-24", subs[0], OLD,
                                           "HTTP 451"), 0);
    assert_int_equal(store_delivery_sent(fx->st, "2025-09-29", subs[0], NOW), 0);

    struct store_prune_counts c = prune(fx, NOW);
    assert_int_equal(c.digests, 0);
    assert_int_equal(c.items, 0);
    assert_int_equal(c.sources, 2);  /* p's and q's: a no longer lists them */
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM digests"), 3);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM deliveries"), 4);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM digest_stories"), 3);
    assert_true(has_item(fx, "https://a.example/p"));
    assert_true(has_item(fx, "https://a.example/q"));

    /* Sent at last: those two go on the next prune, the recent one stays. */
    assert_int_equal(store_delivery_sent(fx->st, "2025-03-23", subs[1], NOW), 0);
    assert_int_equal(store_delivery_sent(fx->st, "2025-03-24", subs[0], NOW), 0);
    c = prune(fx, NOW + HOUR);
    assert_int_equal(c.digests, 2);
    assert_int_equal(c.deliveries, 3);
    assert_int_equal(c.items, 2);
    assert_int_equal(c.stories, 2);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM digests"), 1);
    assert_false(has_item(fx, "https://a.example/p"));
    assert_true(has_item(fx, "https://a.example/r"));
}

/* An item a feed still carries stays, with its story (in no digest now),
 * so a re-fetch does not store it as new and no run sends it again; the
 * story's other, dropped item goes, and the story loses its lead. */
static void test_carried_item_stays(void **state)
{
    struct fixture *fx = *state;
    struct it v[] = {{"x", OLD - HOUR}, {"y", OLD - HOUR}};
    fetch(fx, "a", v, 2, OLD);
    int64_t y = item_id(fx, "https://a.example/y");
    int64_t x = item_id(fx, "https://a.example/x");
    int64_t story[] = {y, x};       /* one story, y its lead */
    freeze(fx, "2025-03-23", OLD + HOUR, story, 2, subs, 1);
    assert_int_equal(store_delivery_sent(fx->st, "2025-03-23", subs[0], OLD), 0);
    /* The feed still lists x (with a newer item), no longer y. */
    struct it v2[] = {{"x", OLD - HOUR}, {"z", NOW - HOUR}};
    fetch(fx, "a", v2, 2, NOW - DAY);

    struct store_prune_counts c = prune(fx, NOW);
    assert_int_equal(c.digests, 1);
    assert_int_equal(c.items, 1);
    assert_int_equal(c.stories, 0);
    assert_false(has_item(fx, "https://a.example/y"));
    assert_true(has_item(fx, "https://a.example/x"));
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items WHERE link ="
                                    " 'https://a.example/x' AND story_id IS NOT NULL"), 1);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM stories WHERE"
                                    " lead_item IS NULL"), 1);

    /* The feed lists x again: known, not new; nothing waits for a digest
     * but z. */
    struct store_save_stats st = fetch(fx, "a", v2, 2, NOW);
    assert_int_equal(st.new_items, 0);
    assert_int_equal(st.seen_again, 2);
    assert_int_equal(pending(fx, NOW), 1);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 2);

    /* Once no feed has carried x for longer than keep, it goes too, with
     * its story. */
    struct it v3[] = {{"z", NOW - HOUR}};
    fetch(fx, "a", v3, 1, NOW + HOUR);
    c = prune(fx, NOW + 181 * DAY);
    assert_false(has_item(fx, "https://a.example/x"));
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM stories"), 0);
}

/* The rows of a feed's last stored document stay however old: the feed
 * failing, or answering 304, may still list them. A 304 moves them
 * forward; a later document that drops one lets it go. */
static void test_last_document_stays(void **state)
{
    struct fixture *fx = *state;
    struct it v[] = {{"k1", OLD - HOUR}, {"k2", OLD - HOUR}};
    fetch(fx, "b", v, 2, OLD);
    int64_t ids[] = {item_id(fx, "https://b.example/k1"), 0,
                     item_id(fx, "https://b.example/k2")};
    freeze(fx, "2025-03-23", OLD + HOUR, ids, 3, subs, 0);
    fetch_failed(fx, "b", NOW - DAY);

    struct store_prune_counts c = prune(fx, NOW);
    assert_int_equal(c.digests, 1);
    assert_int_equal(c.sources, 0);
    assert_int_equal(c.items, 0);
    assert_true(has_item(fx, "https://b.example/k1"));
    assert_true(has_item(fx, "https://b.example/k2"));

    /* Back, unchanged: 304. Then a document without k2, which was last
     * carried at the 304: kept for keep after it, then gone. */
    not_modified(fx, "b", NOW);
    struct it v2[] = {{"k1", OLD - HOUR}};
    struct store_save_stats st = fetch(fx, "b", v2, 1, NOW + 10 * DAY);
    assert_int_equal(st.new_items, 0);
    c = prune(fx, NOW + 179 * DAY);
    assert_int_equal(c.sources + c.items, 0);
    c = prune(fx, NOW + 181 * DAY);
    assert_int_equal(c.sources, 1);
    assert_int_equal(c.items, 1);
    assert_false(has_item(fx, "https://b.example/k2"));
    assert_true(has_item(fx, "https://b.example/k1"));
    assert_int_equal(pending(fx, NOW + 181 * DAY), 0);
}

/* An item in no digest yet stays while it could still enter one: fresh,
 * undated (the next run freezes it, however old), or first seen within
 * keep. One published too long ago for any digest goes once no feed has
 * it. */
static void test_undigested_items(void **state)
{
    struct fixture *fx = *state;
    /* Undated items are stored from a feed's second fetch on only. */
    struct it first[] = {{"too-old", OLD - DAY}};
    fetch(fx, "c", first, 1, OLD - DAY);
    struct it second[] = {{"undated", TIME_NONE}};
    fetch(fx, "c", second, 1, OLD);
    struct it recent[] = {{"late-old", OLD}};   /* stored 10 days ago, dated 200 */
    fetch(fx, "c", recent, 1, NOW - 10 * DAY);
    struct it now_doc[] = {{"fresh", NOW - HOUR}};
    fetch(fx, "c", now_doc, 1, NOW - HOUR);

    struct store_prune_counts c = prune(fx, NOW);
    assert_int_equal(c.sources, 2);       /* undated, too-old */
    assert_int_equal(c.items, 1);
    assert_false(has_item(fx, "https://c.example/too-old"));
    assert_true(has_item(fx, "https://c.example/undated"));
    assert_true(has_item(fx, "https://c.example/late-old"));
    assert_true(has_item(fx, "https://c.example/fresh"));
    /* undated and fresh are what the next run freezes */
    assert_int_equal(pending(fx, NOW), 2);

    /* Pruned, then listed again after more than keep: stored anew, but
     * its date keeps it out of any digest. */
    struct it again[] = {{"too-old", OLD - DAY}, {"fresh", NOW - HOUR}};
    struct store_save_stats st = fetch(fx, "c", again, 2, NOW + HOUR);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(pending(fx, NOW + HOUR), 2);
}

/* Bad arguments and a time near the int64 limits. */
static void test_arguments(void **state)
{
    struct fixture *fx = *state;
    struct store_prune_counts c = {.items = 5};
    assert_int_equal(store_prune(fx->st, NOW, 0, MAX_AGE, &c), -1);
    assert_non_null(strstr(store_error(fx->st), "keep"));
    assert_int_equal(c.items, 0);
    assert_int_equal(store_prune(fx->st, NOW, KEEP, -1, NULL), -1);
    struct it v[] = {{"x", OLD}};
    fetch(fx, "a", v, 1, OLD);
    assert_int_equal(store_prune(fx->st, INT64_MIN + 5, INT64_MAX, INT64_MAX, &c), 0);
    assert_int_equal(c.sources + c.items, 0);
    assert_int_equal(store_prune(fx->st, NOW, KEEP, MAX_AGE, NULL), 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 1);  /* last doc */
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_last_seen_follows_documents),
        T(test_old_settled_goes),
        T(test_unsettled_digest_stays),
        T(test_carried_item_stays),
        T(test_last_document_stays),
        T(test_undigested_items),
        T(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
