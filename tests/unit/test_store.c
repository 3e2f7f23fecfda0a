/* test_store.c - unit tests of store/: schema, feed state, saving fetches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/digest_query.h"
#include "store/schema.h"
#include "store/store.h"
#include "util/util.h"

/* 2025-10-09 08:53:20 UTC: every test runs at a fixed "now". */
#define NOW ((int64_t)1760000000)
#define HOUR 3600
#define DAY 86400

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
    double u;      /* the jitter the store draws */
};

static double fixed_rnd(void *ctx)
{
    return *(double *)ctx;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/bantin-store-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/bantin.db", fx->dir);
    char err[512];
    if (store_open(fx->path, &fx->st, err, sizeof err) != 0) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    fx->u = 0.5; /* jitter factor exactly 1.0 */
    store_set_random(fx->st, fixed_rnd, &fx->u);
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

/* One integer from a second, plain connection: what is really on disk. */
static int64_t qint(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* One text value (malloc'd, NULL for SQL NULL) from a plain connection. */
static char *qtext(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *v = t ? strdup((const char *)t) : NULL;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void rawexec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static void check_text(const char *path, const char *sql, const char *want)
{
    char *v = qtext(path, sql);
    if (!want) {
        if (v)
            fail_msg("%s: want NULL, got '%s'", sql, v);
    } else {
        if (!v)
            fail_msg("%s: want '%s', got NULL", sql, want);
        assert_string_equal(v, want);
    }
    free(v);
}

static struct feed_item item(const char *id, const char *link, const char *title,
                             int64_t published)
{
    struct feed_item it = {0};
    it.id = (char *)id;
    it.link = (char *)link;
    it.title = (char *)title;
    it.published = published;
    it.updated = TIME_NONE;
    return it;
}

static struct feed doc(struct feed_item *items, size_t n)
{
    struct feed f = {0};
    f.kind = FEED_RSS;
    f.items = items;
    f.nitems = n;
    return f;
}

static struct store_fetch_result ok200(void)
{
    struct store_fetch_result r = {.status = 200, .retry_after = -1};
    return r;
}

static struct store_fetch_result failed(int status, const char *error)
{
    struct store_fetch_result r = {.status = status, .error = error, .retry_after = -1};
    return r;
}

static struct store_save_stats save(struct fixture *fx, const char *id,
                                    const struct store_fetch_result *r,
                                    const struct feed *f, int64_t now)
{
    struct store_save_stats st;
    if (store_feed_save(fx->st, id, r, f, now, &st) != 0)
        fail_msg("store_feed_save(%s): %s", id, store_error(fx->st));
    return st;
}

static struct store_feed get(struct fixture *fx, const char *id)
{
    struct store_feed f;
    assert_int_equal(store_feed_get(fx->st, id, &f), 0);
    return f;
}

static void sync_feed(struct fixture *fx, const char *id, const char *url)
{
    if (store_feed_sync(fx->st, id, url, "Ban Dân vận") != 0)
        fail_msg("sync: %s", store_error(fx->st));
}

/* ---- open and migrations ------------------------------------------------ */

static void test_open_migrates(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(qint(fx->path, "PRAGMA user_version"), store_schema_version());
    assert_int_equal(qint(fx->path, "PRAGMA application_id"), STORE_APPLICATION_ID);
    check_text(fx->path, "PRAGMA journal_mode", "wal");
    static const char *const tables[] = {"feeds", "items", "item_sources", "stories",
                                         "digests", "digest_stories", "deliveries"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='%s'",
                 tables[i]);
        if (qint(fx->path, sql) != 1)
            fail_msg("table %s missing", tables[i]);
    }
    /* Re-open: no migration runs again, data stays. */
    sync_feed(fx, "a", "https://a.example/rss");
    int64_t objects = qint(fx->path, "SELECT count(*) FROM sqlite_schema");
    store_close(fx->st);
    char err[256];
    assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), 0);
    store_set_random(fx->st, fixed_rnd, &fx->u);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM sqlite_schema"), objects);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM feeds"), 1);
    assert_int_equal(qint(fx->path, "PRAGMA user_version"), store_schema_version());
    /* Foreign keys are on for our connection: an item_sources row for a
     * feed that does not exist is refused. */
    struct feed_item it = item("g", "https://x.example/1", "t", NOW);
    struct feed f = doc(&it, 1);
    struct store_fetch_result r = ok200();
    assert_int_equal(store_feed_save(fx->st, "nope", &r, &f, NOW, NULL), -1);
    assert_non_null(strstr(store_error(fx->st), "unknown feed 'nope'"));
}

static void test_open_newer_refused(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->st);
    fx->st = NULL;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", store_schema_version() + 1);
    rawexec(fx->path, sql);
    char err[256] = "";
    assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), -1);
    assert_null(fx->st);
    assert_non_null(strstr(err, "newer than this bantin"));
    assert_non_null(strstr(err, fx->path));
    /* Refused without touching it. */
    assert_int_equal(qint(fx->path, "PRAGMA user_version"), store_schema_version() + 1);
}

static void test_open_missing_folder(void **state)
{
    struct fixture *fx = *state;
    char path[200], dir[160], err[512] = "";
    struct store *s = NULL;
    snprintf(dir, sizeof dir, "%s/no/such", fx->dir);
    snprintf(path, sizeof path, "%s/bantin.db", dir);
    assert_int_equal(store_open(path, &s, err, sizeof err), -1);
    assert_null(s);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, dir));
    struct stat sb;
    assert_int_equal(stat(dir, &sb), -1); /* not created */
    /* A folder where the file should be. */
    assert_int_equal(store_open(fx->dir, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "is a folder"));
}

static void test_open_foreign_file(void **state)
{
    struct fixture *fx = *state;
    char path[200], err[512] = "";
    struct store *s = NULL;
    /* Another program's SQLite database: not converted to WAL, not touched. */
    snprintf(path, sizeof path, "%s/other.db", fx->dir);
    rawexec(path, "CREATE TABLE notes(x); INSERT INTO notes VALUES (1)");
    assert_int_equal(store_open(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a bantin database"));
    check_text(path, "PRAGMA journal_mode", "delete");
    assert_int_equal(qint(path, "SELECT count(*) FROM sqlite_schema"), 1);
    /* Not a database at all. */
    snprintf(path, sizeof path, "%s/text.db", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not an SQLite file, but it is long enough to look at its header\n", f);
    fclose(f);
    assert_int_equal(store_open(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
}

static void test_migration_rolls_back(void **state)
{
    struct fixture *fx = *state;
    char path[200], err[512] = "";
    struct store *s = NULL;
    /* Ours by application_id, at version 0, with a table in the way: v1
     * creates feeds and items, then fails on digests, and must leave
     * nothing behind. */
    snprintf(path, sizeof path, "%s/half.db", fx->dir);
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; CREATE TABLE digests(x)",
             STORE_APPLICATION_ID);
    rawexec(path, sql);
    assert_int_equal(store_open(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "migration to schema version 1 failed"));
    assert_int_equal(qint(path, "PRAGMA user_version"), 0);
    assert_int_equal(qint(path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                "('feeds', 'items', 'item_sources')"), 0);
    /* Once the obstacle is gone, the same file migrates. */
    rawexec(path, "DROP TABLE digests");
    assert_int_equal(store_open(path, &s, err, sizeof err), 0);
    store_close(s);
    assert_int_equal(qint(path, "PRAGMA user_version"), store_schema_version());
}

/* A database written by a bantin of schema v1 opens and migrates to the
 * current version (v2: last_seen, published_guessed, 'refused'; v3: an
 * index): its rows stay, every item_sources row starts with last_seen =
 * first_seen, no date counts as guessed, the deliveries keep their state
 * and may now be 'refused'. Its auto_vacuum mode stays (a change would
 * need a VACUUM); a new file gets incremental. */
static void test_migrate_from_v1(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(qint(fx->path, "PRAGMA auto_vacuum"), 2);
    assert_int_equal(store_migrations[0].version, 1);
    char path[200], err[512] = "";
    snprintf(path, sizeof path, "%s/v1.db", fx->dir);
    rawexec(path, store_migrations[0].sql);
    rawexec(path,
            "PRAGMA user_version = 1;"
            "INSERT INTO feeds(id, url, first_fetch, created)"
            " VALUES('a', 'https://a.example/rss', 1000, 900);"
            "INSERT INTO items(id, canon_url, title, link, published, first_seen,"
            " story_id) VALUES(1, 'https://a.example/1', 'one',"
            " 'https://a.example/1', 990, 1000, 1);"
            "INSERT INTO stories(id, lead_item, title, first_seen)"
            " VALUES(1, 1, 'one', 1000);"
            "INSERT INTO item_sources(feed_id, guid, item_id, canon_url, link,"
            " title, first_seen) VALUES('a', 'g1', 1, 'https://a.example/1',"
            " 'https://a.example/1', 'one', 1000),"
            " ('a', 'g0', NULL, NULL, 'https://a.example/0', 'zero', 1500);"
            "INSERT INTO digests(day, created, title) VALUES('2025-01-02', 2000, 't');"
            "INSERT INTO digest_stories(day, position, story_id) VALUES('2025-01-02', 0, 1);"
            "INSERT INTO deliveries(day, subscriber, state, attempts, message_id,"
            " sent_at) VALUES('2025-01-02', 'a@example.vn', 'sent', 1, 'm1', 2001),"
            " ('2025-01-02', 'b@example.vn', 'failed', 2, 'm2', NULL);");
    assert_int_equal(qint(path, "PRAGMA auto_vacuum"), 0);
    struct store *s = NULL;
    if (store_open(path, &s, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
    assert_int_equal(qint(path, "PRAGMA user_version"), store_schema_version());
    assert_int_equal(qint(path, "SELECT count(*) FROM sqlite_schema WHERE"
                                " name = 'stories_lead'"), 1);
    assert_int_equal(qint(path, "SELECT count(*) FROM item_sources"), 2);
    assert_int_equal(qint(path, "SELECT count(*) FROM item_sources"
                                " WHERE last_seen = first_seen"), 2);
    assert_int_equal(qint(path, "SELECT last_seen FROM item_sources WHERE guid = 'g0'"),
                     1500);
    assert_int_equal(qint(path, "SELECT published_guessed FROM items WHERE id = 1"), 0);
    check_text(path, "SELECT group_concat(subscriber || ':' || state || ':' ||"
                     " attempts || ':' || message_id, ' ') FROM"
                     " (SELECT * FROM deliveries ORDER BY subscriber)",
               "a@example.vn:sent:1:m1 b@example.vn:failed:2:m2");
    assert_int_equal(qint(path, "SELECT count(*) FROM digest_stories"), 1);
    assert_int_equal(qint(path, "PRAGMA auto_vacuum"), 0);
    assert_int_equal(qint(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    store_close(s);
    rawexec(path, "UPDATE deliveries SET state = 'refused' WHERE subscriber = 'b@example.vn'");
    /* A known key of the old data is not new; it is seen again now. */
    assert_int_equal(store_open(path, &s, err, sizeof err), 0);
    struct feed_item it = item("g1", "https://a.example/1", "one", 990);
    struct feed f = doc(&it, 1);
    struct store_fetch_result r = ok200();
    struct store_save_stats st;
    assert_int_equal(store_feed_save(s, "a", &r, &f, NOW, &st), 0);
    assert_int_equal(st.seen_again, 1);
    assert_int_equal(st.new_items, 0);
    assert_int_equal(qint(path, "SELECT last_seen FROM item_sources WHERE guid = 'g1'"),
                     NOW);
    store_close(s);
}

/* ---- feed rows ---------------------------------------------------------- */

static void test_sync(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "danvan-tw", "https://danvan.vn/rss");
    struct store_feed f = get(fx, "danvan-tw");
    assert_string_equal(f.url, "https://danvan.vn/rss");
    assert_string_equal(f.title, "Ban Dân vận");
    assert_null(f.stored_url);
    assert_true(f.first_fetch == TIME_NONE && f.last_ok == TIME_NONE);
    assert_true(f.next_attempt == TIME_NONE);
    assert_int_equal(f.fail_count, 0);
    assert_int_equal(f.id_mode, STORE_ID_GUID);
    assert_string_equal(store_feed_state(&f), "new");
    assert_true(store_feed_due(&f, NOW));
    assert_true(f.created > 0);
    store_feed_release(&f);

    struct store_feed none;
    assert_int_equal(store_feed_get(fx->st, "missing", &none), 1);
    assert_null(none.id);

    /* Build up state: validators, a permanent redirect, a failure. */
    struct feed_item it = item("g1", "https://danvan.vn/a", "A", NOW);
    struct feed d = doc(&it, 1);
    struct store_fetch_result r = ok200();
    r.etag = "\"v1\"";
    r.last_modified = "Wed, 08 Oct 2025 07:00:00 GMT";
    r.permanent_url = "https://danvan.vn/rss.xml";
    save(fx, "danvan-tw", &r, &d, NOW);
    struct store_fetch_result bad = failed(500, NULL);
    save(fx, "danvan-tw", &bad, NULL, NOW + HOUR);

    /* Title change alone keeps the state. */
    assert_int_equal(store_feed_sync(fx->st, "danvan-tw", "https://danvan.vn/rss",
                                     "Ban Dân vận Trung ương"), 0);
    f = get(fx, "danvan-tw");
    assert_string_equal(f.title, "Ban Dân vận Trung ương");
    assert_string_equal(f.etag, "\"v1\"");
    assert_string_equal(f.stored_url, "https://danvan.vn/rss.xml");
    assert_string_equal(store_feed_url(&f), "https://danvan.vn/rss.xml");
    assert_int_equal(f.fail_count, 1);
    assert_true(f.first_fetch == NOW);
    store_feed_release(&f);

    /* A new configured URL starts the fetch state afresh; items stay. */
    assert_int_equal(store_feed_sync(fx->st, "danvan-tw", "https://danvan.vn/feed",
                                     "Ban Dân vận Trung ương"), 0);
    f = get(fx, "danvan-tw");
    assert_string_equal(f.url, "https://danvan.vn/feed");
    assert_null(f.stored_url);
    assert_string_equal(store_feed_url(&f), "https://danvan.vn/feed");
    assert_null(f.etag);
    assert_null(f.last_modified);
    assert_null(f.last_error);
    assert_int_equal(f.fail_count, 0);
    assert_true(f.next_attempt == TIME_NONE && f.first_fetch == TIME_NONE);
    assert_string_equal(store_feed_state(&f), "new");
    assert_int_equal(f.items, 1);
    store_feed_release(&f);
}

/* The batch call: one URL change among several feeds resets that feed's
 * fetch state only; a failing batch writes nothing. */
static void test_feeds_sync_batch(void **state)
{
    struct fixture *fx = *state;
    const struct store_feed_def defs[] = {
        {"a", "https://a.example/rss", "A"},
        {"b", "https://b.example/rss", "B"},
        {"c", "https://c.example/rss", "C"},
    };
    assert_int_equal(store_feeds_sync(fx->st, defs, 3), 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM feeds"), 3);
    assert_int_equal(store_feeds_sync(fx->st, defs, 0), 0);
    static const char *const ids[] = {"a", "b", "c"};
    static const char *const links[] = {"https://a.example/1", "https://b.example/1",
                                        "https://c.example/1"};
    for (size_t i = 0; i < 3; i++) {
        struct feed_item it = item("g1", links[i], "t", NOW);
        struct feed d = doc(&it, 1);
        struct store_fetch_result r = ok200();
        r.etag = "\"e\"";
        r.last_modified = "Wed, 08 Oct 2025 07:00:00 GMT";
        save(fx, ids[i], &r, &d, NOW);
    }
    struct store_fetch_result bad = failed(503, NULL);
    save(fx, "c", &bad, NULL, NOW + HOUR);

    /* b moves, a is renamed, c stays: b alone starts afresh. */
    const struct store_feed_def next[] = {
        {"a", "https://a.example/rss", "A renamed"},
        {"b", "https://b.example/feed", "B"},
        {"c", "https://c.example/rss", "C"},
    };
    assert_int_equal(store_feeds_sync(fx->st, next, 3), 0);
    struct store_feed f = get(fx, "a");
    assert_string_equal(f.title, "A renamed");
    assert_string_equal(f.etag, "\"e\"");
    assert_non_null(f.last_modified);
    assert_true(f.first_fetch == NOW);
    store_feed_release(&f);
    f = get(fx, "b");
    assert_string_equal(f.url, "https://b.example/feed");
    assert_null(f.etag);
    assert_null(f.last_modified);
    assert_true(f.first_fetch == TIME_NONE && f.last_ok == TIME_NONE);
    assert_string_equal(store_feed_state(&f), "new");
    assert_int_equal(f.items, 1);
    store_feed_release(&f);
    f = get(fx, "c");
    assert_string_equal(f.etag, "\"e\"");
    assert_int_equal(f.fail_count, 1);
    assert_int_equal(f.last_status, 503);
    assert_true(f.next_attempt != TIME_NONE && f.first_fetch == NOW);
    store_feed_release(&f);

    /* A feed the database refuses (url is NOT NULL) fails the whole
     * batch, named, and the rename before it is rolled back. */
    const struct store_feed_def broken[] = {
        {"a", "https://a.example/rss", "A again"},
        {"d", NULL, "D"},
    };
    assert_int_equal(store_feeds_sync(fx->st, broken, 2), -1);
    assert_non_null(strstr(store_error(fx->st), "feed 'd'"));
    check_text(fx->path, "SELECT title FROM feeds WHERE id = 'a'", "A renamed");
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM feeds"), 3);
    /* The connection is usable after the failure. */
    assert_int_equal(store_feeds_sync(fx->st, broken, 1), 0);
    check_text(fx->path, "SELECT title FROM feeds WHERE id = 'a'", "A again");
}

/* Statements are kept across calls: one call's bindings must not reach
 * the next (a 304 binds no document title, degraded or first fetch), and
 * no call, failed or not, may leave a read open (it would block WAL
 * checkpoints for the rest of the run). */
static void test_cached_statements_clean(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "a", "https://a.example/rss");
    sync_feed(fx, "b", "https://b.example/rss");
    struct feed_item ib = item("1", "https://b.example/1", "1", NOW);
    struct feed db = doc(&ib, 1);
    db.degraded = 1;
    struct store_fetch_result r = ok200();
    save(fx, "b", &r, &db, NOW - HOUR);
    struct feed_item ia = item("1", "https://a.example/1", "1", NOW);
    struct feed da = doc(&ia, 1);
    da.title = "Tin Dân vận";
    save(fx, "a", &r, &da, NOW);
    struct store_fetch_result nm = {.status = 304, .not_modified = 1,
                                    .retry_after = -1};
    save(fx, "b", &nm, NULL, NOW + HOUR);
    struct store_feed f = get(fx, "b");
    assert_null(f.doc_title);
    assert_int_equal(f.degraded, 1);
    assert_true(f.first_fetch == NOW - HOUR && f.last_ok == NOW + HOUR);
    store_feed_release(&f);

    /* Failed and successful calls alike leave no read open. */
    assert_int_equal(store_feed_save(fx->st, "nope", &r, &da, NOW, NULL), -1);
    assert_int_equal(store_item_set_article(fx->st, 999999, "x", TIME_NONE), -1);
    struct store_feed none;
    assert_int_equal(store_feed_get(fx->st, "nope", &none), 1);
    f = get(fx, "a");
    store_feed_release(&f);
    sqlite3 *raw;
    sqlite3_stmt *ck;
    assert_int_equal(sqlite3_open(fx->path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA wal_checkpoint(TRUNCATE)", -1,
                                        &ck, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(ck), SQLITE_ROW);
    int busy = sqlite3_column_int(ck, 0);
    sqlite3_finalize(ck);
    sqlite3_close(raw);
    assert_int_equal(busy, 0);
    /* And the store goes on working after the failures. */
    struct feed_item ia2 = item("2", "https://a.example/2", "2", NOW);
    struct feed da2 = doc(&ia2, 1);
    struct store_save_stats st = save(fx, "a", &r, &da2, NOW + HOUR);
    assert_int_equal(st.new_items, 1);
}

static void test_feed_list(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "b", "https://b.example/rss");
    sync_feed(fx, "a", "https://a.example/rss");
    sync_feed(fx, "c", "https://c.example/rss");
    struct feed_item ia[] = {item("1", "https://a.example/1", "1", NOW - HOUR),
                             item("2", "https://a.example/2", "2", NOW - HOUR)};
    struct feed da = doc(ia, 2);
    struct store_fetch_result r = ok200();
    save(fx, "a", &r, &da, NOW - 10 * DAY);           /* two items, seen 10 days ago */
    struct feed_item ia2 = item("3", "https://a.example/3", "3", NOW);
    struct feed da2 = doc(&ia2, 1);
    save(fx, "a", &r, &da2, NOW - DAY);               /* one more, yesterday */
    struct store_fetch_result bad = failed(0, "Could not resolve host: b.example");
    save(fx, "b", &bad, NULL, NOW);

    struct store_feed *list;
    size_t n;
    assert_int_equal(store_feed_list(fx->st, NOW, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].id, "a");
    assert_string_equal(list[1].id, "b");
    assert_string_equal(list[2].id, "c");
    assert_int_equal(list[0].items, 3);
    assert_int_equal(list[0].items_7d, 1);
    assert_string_equal(store_feed_state(&list[0]), "ok");
    assert_int_equal(list[1].items, 0);
    assert_string_equal(store_feed_state(&list[1]), "failing");
    assert_string_equal(list[1].last_error, "Could not resolve host: b.example");
    assert_int_equal(list[1].last_status, 0);
    assert_false(store_feed_due(&list[1], NOW));
    assert_true(store_feed_due(&list[1], list[1].next_attempt));
    assert_string_equal(store_feed_state(&list[2]), "new");
    store_feed_list_free(list, n);
}

/* ---- items -------------------------------------------------------------- */

static void test_dedup_within_feed(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct feed_item v1[] = {
        item("g1", "https://f.example/1", "Một", NOW - HOUR),
        item("g2", "https://f.example/2", "Hai", NOW - HOUR),
        item("g3", "https://f.example/3", "Ba", NOW - HOUR),
        item("g3", "https://f.example/3", "Ba", NOW - HOUR), /* listed twice */
    };
    struct feed d1 = doc(v1, 4);
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "f", &r, &d1, NOW);
    assert_int_equal(st.new_items, 3);
    assert_int_equal(st.seen_again, 1);
    assert_int_equal(st.switched_to_link, 0);

    struct feed_item v2[] = {
        item("g4", "https://f.example/4", "Bốn", NOW),
        item("g1", "https://f.example/1", "Một (sửa)", NOW - HOUR),
        item("g2", "https://f.example/2", "Hai", NOW - HOUR),
        item("g3", "https://f.example/3", "Ba", NOW - HOUR),
    };
    struct feed d2 = doc(v2, 4);
    st = save(fx, "f", &r, &d2, NOW + HOUR);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(st.seen_again, 3);
    assert_int_equal(st.linked, 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 4);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources"), 4);
    /* The first version is kept; first_seen is the first fetch. */
    check_text(fx->path, "SELECT title FROM items WHERE link = 'https://f.example/1'", "Một");
    assert_int_equal(qint(fx->path, "SELECT first_seen FROM items WHERE link = "
                                    "'https://f.example/1'"), NOW);
    assert_int_equal(qint(fx->path, "SELECT first_seen FROM items WHERE link = "
                                    "'https://f.example/4'"), NOW + HOUR);
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.items, 4);
    store_feed_release(&f);
}

static void test_dedup_across_feeds(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "tw", "https://danvan.vn/rss");
    sync_feed(fx, "nghean", "https://dvnghean.vn/rss");
    struct feed_item a = item("tw-77", "https://danvan.vn/tin/a.html?utm_source=zalo&id=7",
                              "Dân vận khéo ở Nghệ An", NOW - HOUR);
    struct feed_item b = item("na-1234", "HTTPS://DanVan.VN:443/tin/a.html?id=7#binh-luan",
                              "Dân vận khéo ở Nghệ An (Nguồn: Danvan.vn)", NOW - 2 * HOUR);
    struct feed_item c = item("na-1235", "https://dvnghean.vn/tin/b.html", "Tin riêng",
                              NOW - HOUR);
    struct feed da = doc(&a, 1);
    struct feed_item bc[] = {b, c};
    struct feed db = doc(bc, 2);
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "tw", &r, &da, NOW);
    assert_int_equal(st.new_items, 1);
    st = save(fx, "nghean", &r, &db, NOW + 60);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(st.linked, 1);

    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 2);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources"), 3);
    assert_int_equal(qint(fx->path, "SELECT count(DISTINCT feed_id) FROM item_sources s "
                                    "JOIN items i ON i.id = s.item_id "
                                    "WHERE i.canon_url = 'https://danvan.vn/tin/a.html?id=7'"),
                     2);
    /* Each source keeps its own link and title; the item the first one. */
    check_text(fx->path, "SELECT link FROM item_sources WHERE feed_id = 'nghean' "
                         "AND guid = 'na-1234'",
               "HTTPS://DanVan.VN:443/tin/a.html?id=7#binh-luan");
    check_text(fx->path, "SELECT title FROM items WHERE canon_url = "
                         "'https://danvan.vn/tin/a.html?id=7'", "Dân vận khéo ở Nghệ An");
    struct store_feed f = get(fx, "nghean");
    assert_int_equal(f.items, 2);
    store_feed_release(&f);
}

static void test_item_fields(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    char *cats[] = {"Dân vận", "Xây dựng Đảng"};
    struct feed_item it = item("g", "https://f.example/a", "Tiêu đề", NOW - 100);
    it.updated = NOW - 50;
    it.author = "Phóng viên";
    it.summary = "Tóm tắt";
    it.content = "<p>Nội dung</p>";
    it.categories = cats;
    it.ncategories = 2;
    struct feed_item nolink = item("g2", NULL, "Không có liên kết", NOW);
    struct feed_item items[] = {it, nolink};
    struct feed d = doc(items, 2);
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "f", &r, &d, NOW);
    assert_int_equal(st.new_items, 2);
#define Q(col) "SELECT " col " FROM items WHERE link = 'https://f.example/a'"
    assert_int_equal(qint(fx->path, Q("published")), NOW - 100);
    assert_int_equal(qint(fx->path, Q("updated")), NOW - 50);
    check_text(fx->path, Q("author"), "Phóng viên");
    check_text(fx->path, Q("summary"), "Tóm tắt");
    check_text(fx->path, Q("content"), "<p>Nội dung</p>");
    check_text(fx->path, Q("categories"), "[\"Dân vận\",\"Xây dựng Đảng\"]");
    check_text(fx->path, Q("canon_url"), "https://f.example/a");
#undef Q
    /* No link: stored, no canonical URL, keyed by its id. */
    check_text(fx->path, "SELECT canon_url FROM items WHERE title = 'Không có liên kết'",
               NULL);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items WHERE published IS NULL"), 0);
}

static void test_backfill_first_fetch(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    store_set_backfill(fx->st, 2 * DAY);
    struct feed_item upd = item("upd", "https://f.example/upd", "updated only", TIME_NONE);
    upd.updated = NOW - DAY;
    struct feed_item v1[] = {
        item("recent", "https://f.example/recent", "recent", NOW - HOUR),
        item("old", "https://f.example/old", "old", NOW - 5 * DAY),
        item("undated", "https://f.example/undated", "undated", TIME_NONE),
        upd,
        item("edge", "https://f.example/edge", "edge", NOW - 2 * DAY),
        item("future", "https://f.example/future", "future", NOW + DAY),
    };
    struct feed d1 = doc(v1, 6);
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "f", &r, &d1, NOW);
    assert_int_equal(st.new_items, 4);   /* recent, upd, edge, future */
    assert_int_equal(st.skipped_old, 2); /* old, undated */
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 4);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items WHERE title IN "
                                    "('old', 'undated')"), 0);
    /* Remembered, so the next fetch does not take them for new items. */
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources "
                                    "WHERE item_id IS NULL"), 2);

    /* Second fetch: backfill no longer applies; the skipped stay out. */
    struct feed_item v2[] = {
        v1[1], v1[2],
        item("late", "https://f.example/late", "old but new to us", NOW - 30 * DAY),
        item("undated2", "https://f.example/undated2", "undated, new", TIME_NONE),
    };
    struct feed d2 = doc(v2, 4);
    st = save(fx, "f", &r, &d2, NOW + DAY);
    assert_int_equal(st.seen_again, 2);
    assert_int_equal(st.new_items, 2);
    assert_int_equal(st.skipped_old, 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 6);
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.items, 6);
    assert_true(f.first_fetch == NOW);
    store_feed_release(&f);
}

/* An HTML list item without a date carries the fetch time, flagged as a
 * guess: on the first fetch it is undated (remembered, not stored); later
 * it is stored with the time first seen, which no re-fetch changes. */
static struct feed_item guessed(const char *link, const char *title, int64_t now)
{
    struct feed_item it = item(link, link, title, now);
    it.published_guessed = 1;
    return it;
}

static void test_guessed_dates(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "h", "https://h.example/tin-tuc");
    store_set_backfill(fx->st, 2 * DAY);
    struct feed_item v1[] = {
        guessed("https://h.example/1", "archive 1", NOW),
        guessed("https://h.example/2", "archive 2", NOW),
        item("https://h.example/3", "https://h.example/3", "dated", NOW - HOUR),
    };
    struct feed d1 = doc(v1, 3);
    d1.kind = FEED_HTML;
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "h", &r, &d1, NOW);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(st.skipped_old, 2);

    /* Next run, a new undated item: stored, dated when first seen. */
    int64_t t2 = NOW + 6 * HOUR;
    struct feed_item v2[] = {
        guessed("https://h.example/4", "new, undated", t2),
        guessed("https://h.example/1", "archive 1", t2),
        v1[2],
    };
    struct feed d2 = doc(v2, 3);
    d2.kind = FEED_HTML;
    st = save(fx, "h", &r, &d2, t2);
    assert_int_equal(st.new_items, 1);
    assert_int_equal(st.seen_again, 2);
    assert_int_equal(qint(fx->path, "SELECT published FROM items WHERE "
                                    "link = 'https://h.example/4'"), t2);

    /* Later fetches guess later times: the stored one stays. */
    for (int k = 1; k <= 2; k++) {
        int64_t t = t2 + k * DAY;
        struct feed_item v3[] = {
            guessed("https://h.example/4", "new, undated (edited)", t),
        };
        struct feed d3 = doc(v3, 1);
        st = save(fx, "h", &r, &d3, t);
        assert_int_equal(st.new_items, 0);
        assert_int_equal(st.seen_again, 1);
    }
    assert_int_equal(qint(fx->path, "SELECT published FROM items WHERE "
                                    "link = 'https://h.example/4'"), t2);
    check_text(fx->path, "SELECT title FROM items WHERE link = 'https://h.example/4'",
               "new, undated");
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 2);
}

/* items.published_guessed is written with the item and read back by the
 * digest query; an article page's date ends the guess. */
static void test_published_guessed_round_trip(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "h", "https://h.example/tin-tuc");
    struct feed_item seed = item("https://h.example/0", "https://h.example/0", "0",
                                 NOW - HOUR);
    struct feed d0 = doc(&seed, 1);
    struct store_fetch_result r = ok200();
    save(fx, "h", &r, &d0, NOW - HOUR);      /* the first fetch is past */
    struct feed_item v[] = {
        guessed("https://h.example/1", "undated", NOW),
        item("https://h.example/2", "https://h.example/2", "dated", NOW - HOUR),
    };
    struct feed d = doc(v, 2);
    d.kind = FEED_HTML;
    int64_t created[2];
    assert_int_equal(store_feed_save_created(fx->st, "h", &r, &d, NOW, NULL, created), 0);
    assert_int_equal(qint(fx->path, "SELECT published_guessed FROM items WHERE "
                                    "link = 'https://h.example/1'"), 1);
    assert_int_equal(qint(fx->path, "SELECT published_guessed FROM items WHERE "
                                    "link = 'https://h.example/2'"), 0);
    struct store_digest_item *items;
    size_t n;
    assert_int_equal(store_digest_items(fx->st, NOW, NOW + 1, 0, &items, &n, NULL), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        int want = strcmp(items[i].link, "https://h.example/1") == 0;
        assert_int_equal(items[i].published_guessed, want);
        assert_true(items[i].published == (want ? NOW : NOW - HOUR));
    }
    store_digest_items_free(items, n);
    /* The article page has no date: still a guess. It has one: no more. */
    assert_true(created[0] > 0);
    assert_int_equal(store_item_set_article(fx->st, created[0], "text", TIME_NONE), 0);
    assert_int_equal(qint(fx->path, "SELECT published_guessed FROM items WHERE "
                                    "link = 'https://h.example/1'"), 1);
    assert_int_equal(store_item_set_article(fx->st, created[0], NULL, NOW - DAY), 0);
    assert_int_equal(qint(fx->path, "SELECT published_guessed FROM items WHERE "
                                    "link = 'https://h.example/1'"), 0);
    assert_int_equal(store_digest_items(fx->st, NOW, NOW + 1, 0, &items, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(items[i].published_guessed, 0);
    store_digest_items_free(items, n);
}

/* store_feed_save_created names the rows it created, item by item; the
 * article summary then replaces the list's, and the date only when given. */
static void test_created_and_article(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "a", "https://a.example/rss");
    sync_feed(fx, "b", "https://b.example/rss");
    struct feed_item other[] = {item("x", "https://a.example/shared", "shared", NOW)};
    struct feed od = doc(other, 1);
    struct store_fetch_result r = ok200();
    save(fx, "a", &r, &od, NOW);

    struct feed_item v[] = {
        item("1", "https://b.example/1", "one", NOW - HOUR),
        item("2", "https://a.example/shared", "shared again", NOW),  /* a's */
        item("3", "https://b.example/3", "three", NOW - 9 * DAY),     /* too old */
        item("4", "https://b.example/4", "four", NOW),
        item("", NULL, "unkeyed", NOW),
    };
    v[0].summary = "list summary";
    struct feed d = doc(v, 5);
    int64_t created[5] = {-1, -1, -1, -1, -1};
    struct store_save_stats st;
    assert_int_equal(store_feed_save_created(fx->st, "b", &r, &d, NOW, &st, created), 0);
    assert_int_equal(st.new_items, 2);
    assert_int_equal(created[0], qint(fx->path, "SELECT id FROM items WHERE link = 'https://b.example/1'"));
    assert_int_equal(created[3], qint(fx->path, "SELECT id FROM items WHERE link = 'https://b.example/4'"));
    assert_true(created[0] > 0 && created[3] > 0 && created[0] != created[3]);
    assert_int_equal(created[1], 0);
    assert_int_equal(created[2], 0);
    assert_int_equal(created[4], 0);

    /* A second save of the same document creates nothing. */
    int64_t again[5] = {-1, -1, -1, -1, -1};
    assert_int_equal(store_feed_save_created(fx->st, "b", &r, &d, NOW + HOUR, &st, again), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(again[i], 0);

    assert_int_equal(store_item_set_article(fx->st, created[0], "Sáng 17/9, bài viết.",
                                            TIME_NONE), 0);
    check_text(fx->path, "SELECT summary FROM items WHERE link = 'https://b.example/1'",
               "Sáng 17/9, bài viết.");
    assert_int_equal(qint(fx->path, "SELECT published FROM items WHERE "
                                    "link = 'https://b.example/1'"), NOW - HOUR);
    /* an empty text keeps the list's summary; a date replaces the guess */
    assert_int_equal(store_item_set_article(fx->st, created[0], "", NOW - 2 * HOUR), 0);
    check_text(fx->path, "SELECT summary FROM items WHERE link = 'https://b.example/1'",
               "Sáng 17/9, bài viết.");
    assert_int_equal(qint(fx->path, "SELECT published FROM items WHERE "
                                    "link = 'https://b.example/1'"), NOW - 2 * HOUR);
    assert_int_equal(store_item_set_article(fx->st, 99999, "x", TIME_NONE), -1);
    assert_non_null(strstr(store_error(fx->st), "no item"));

    /* A failed save (unknown feed) reports no row created. */
    int64_t none[5] = {-1, -1, -1, -1, -1};
    assert_int_equal(store_feed_save_created(fx->st, "nope", &r, &d, NOW, &st, none), -1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(none[i], 0);
}

static void test_backfill_links_existing(void **state)
{
    struct fixture *fx = *state;
    /* An old item of a new feed that another feed already stored becomes
     * one more source of it: no new item, so no flood, but the story
     * lists both sites. */
    sync_feed(fx, "a", "https://a.example/rss");
    struct feed_item ia = item("a1", "https://a.example/story", "story", NOW - 5 * DAY);
    struct feed da = doc(&ia, 1);
    struct store_fetch_result r = ok200();
    save(fx, "a", &r, &da, NOW - 5 * DAY);
    sync_feed(fx, "b", "https://b.example/rss");
    struct feed_item ib = item("b1", "https://a.example/story?utm_medium=rss", "story",
                               NOW - 5 * DAY);
    struct feed db = doc(&ib, 1);
    struct store_save_stats st = save(fx, "b", &r, &db, NOW);
    assert_int_equal(st.linked, 1);
    assert_int_equal(st.skipped_old, 0);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 1);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources "
                                    "WHERE item_id IS NOT NULL"), 2);
}

/* ---- health ------------------------------------------------------------- */

static void test_not_modified(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct feed_item it = item("g", "https://f.example/1", "t", NOW);
    struct feed d = doc(&it, 1);
    struct store_fetch_result r = ok200();
    r.etag = "W/\"abc\"";
    r.last_modified = "Thu, 09 Oct 2025 07:00:00 GMT";
    save(fx, "f", &r, &d, NOW);
    struct store_fetch_result bad = failed(503, "HTTP 503");
    save(fx, "f", &bad, NULL, NOW + HOUR);

    struct store_fetch_result nm = {.status = 304, .not_modified = 1, .retry_after = -1};
    struct store_save_stats st = save(fx, "f", &nm, NULL, NOW + 2 * HOUR);
    assert_int_equal(st.new_items + st.seen_again, 0);
    struct store_feed f = get(fx, "f");
    assert_string_equal(f.etag, "W/\"abc\"");
    assert_string_equal(f.last_modified, "Thu, 09 Oct 2025 07:00:00 GMT");
    assert_true(f.last_ok == NOW + 2 * HOUR);
    assert_true(f.last_attempt == NOW + 2 * HOUR);
    assert_true(f.first_fetch == NOW);
    assert_int_equal(f.last_status, 304);
    assert_int_equal(f.fail_count, 0);
    assert_null(f.last_error);
    assert_true(f.next_attempt == TIME_NONE);
    assert_string_equal(store_feed_state(&f), "ok");
    store_feed_release(&f);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 1);

    /* A 304 that carries a new ETag replaces the stored one. */
    nm.etag = "W/\"abd\"";
    save(fx, "f", &nm, NULL, NOW + 3 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.etag, "W/\"abd\"");
    assert_string_equal(f.last_modified, "Thu, 09 Oct 2025 07:00:00 GMT");
    store_feed_release(&f);
}

/* The document's own title is kept for display; a 304 or a failure keeps
 * it, a later 200 with a new title replaces it, one without keeps it. */
static void test_doc_title(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct store_feed f = get(fx, "f");
    assert_null(f.doc_title);
    store_feed_release(&f);

    struct feed_item it = item("g", "https://f.example/1", "t", NOW);
    struct feed d = doc(&it, 1);
    d.title = "Tin Dân vận - Tỉnh uỷ";
    struct store_fetch_result r = ok200();
    save(fx, "f", &r, &d, NOW);
    struct store_fetch_result nm = {.status = 304, .not_modified = 1, .retry_after = -1};
    save(fx, "f", &nm, NULL, NOW + HOUR);
    struct store_fetch_result bad = failed(503, "HTTP 503");
    save(fx, "f", &bad, NULL, NOW + 2 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.doc_title, "Tin Dân vận - Tỉnh uỷ");
    store_feed_release(&f);

    d.title = NULL;
    save(fx, "f", &r, &d, NOW + 3 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.doc_title, "Tin Dân vận - Tỉnh uỷ");
    store_feed_release(&f);

    d.title = "Tin mới";
    save(fx, "f", &r, &d, NOW + 4 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.doc_title, "Tin mới");
    store_feed_release(&f);
}

static void test_validators_kept(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct feed d = doc(NULL, 0);
    struct store_fetch_result r = ok200();
    r.etag = "\"v1\"";
    r.last_modified = "Thu, 09 Oct 2025 07:00:00 GMT";
    save(fx, "f", &r, &d, NOW);

    struct store_fetch_result bare = ok200();
    bare.etag = "";
    save(fx, "f", &bare, &d, NOW + HOUR);
    struct store_feed f = get(fx, "f");
    assert_string_equal(f.etag, "\"v1\"");
    assert_string_equal(f.last_modified, "Thu, 09 Oct 2025 07:00:00 GMT");
    store_feed_release(&f);

    struct store_fetch_result newtag = ok200();
    newtag.etag = "\"v2\"";
    save(fx, "f", &newtag, &d, NOW + 2 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.etag, "\"v2\"");
    assert_string_equal(f.last_modified, "Thu, 09 Oct 2025 07:00:00 GMT");
    store_feed_release(&f);

    /* A validator we could not send back safely is not stored. */
    struct store_fetch_result evil = ok200();
    evil.etag = "\"v3\"\r\nX-Injected: 1";
    save(fx, "f", &evil, &d, NOW + 3 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.etag, "\"v2\"");
    store_feed_release(&f);

    /* A failure never touches them. */
    struct store_fetch_result bad = failed(500, NULL);
    bad.etag = "\"v9\"";
    save(fx, "f", &bad, NULL, NOW + 4 * HOUR);
    f = get(fx, "f");
    assert_string_equal(f.etag, "\"v2\"");
    store_feed_release(&f);
}

static void test_backoff(void **state)
{
    struct fixture *fx = *state;
    /* The formula, jitter at both ends. */
    assert_int_equal(store_backoff(1, 0.5), 600);
    assert_int_equal(store_backoff(1, 0.0), 480);
    assert_int_equal(store_backoff(1, 0.999999), 719);
    assert_int_equal(store_backoff(2, 0.5), 1200);
    assert_int_equal(store_backoff(8, 0.5), 76800);
    assert_int_equal(store_backoff(8, 0.999999), 86400);
    assert_int_equal(store_backoff(9, 0.0), 69120);
    assert_int_equal(store_backoff(1000, 0.999999), 86400);
    assert_int_equal(store_backoff(1000, 0.0), 69120);

    sync_feed(fx, "f", "https://f.example/rss");
    int64_t want[] = {600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400, 86400};
    int64_t now = NOW;
    for (int i = 0; i < 10; i++) {
        struct store_fetch_result bad = failed(500, "HTTP 500 Internal Server Error");
        save(fx, "f", &bad, NULL, now);
        struct store_feed f = get(fx, "f");
        assert_int_equal(f.fail_count, i + 1);
        assert_int_equal(f.next_attempt - now, want[i]);
        assert_int_equal(f.last_status, 500);
        assert_string_equal(f.last_error, "HTTP 500 Internal Server Error");
        assert_string_equal(store_feed_state(&f), "failing");
        assert_false(store_feed_due(&f, now + want[i] - 1));
        assert_true(store_feed_due(&f, now + want[i]));
        store_feed_release(&f);
        now += want[i];
    }
    /* The jitter the store draws is used: u = 0 gives 0.8x. */
    fx->u = 0.0;
    struct store_fetch_result bad = failed(0, "Connection refused");
    save(fx, "f", &bad, NULL, now);
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.fail_count, 11);
    assert_int_equal(f.next_attempt - now, 69120);
    assert_int_equal(f.last_status, 0);
    store_feed_release(&f);

    /* Success resets it all. */
    struct feed d = doc(NULL, 0);
    struct store_fetch_result r = ok200();
    save(fx, "f", &r, &d, now + 10);
    f = get(fx, "f");
    assert_int_equal(f.fail_count, 0);
    assert_true(f.next_attempt == TIME_NONE);
    assert_null(f.last_error);
    assert_int_equal(f.last_status, 200);
    assert_true(f.last_ok == now + 10);
    assert_string_equal(store_feed_state(&f), "ok");
    store_feed_release(&f);
    /* ...and the next failure starts from 10 minutes again. */
    fx->u = 0.5;
    save(fx, "f", &bad, NULL, now + 20);
    f = get(fx, "f");
    assert_int_equal(f.fail_count, 1);
    assert_int_equal(f.next_attempt - (now + 20), 600);
    store_feed_release(&f);
}

static void test_retry_after(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct store_fetch_result r = failed(429, "HTTP 429 Too Many Requests");
    r.retry_after = 120;
    save(fx, "f", &r, NULL, NOW);
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.next_attempt - NOW, 120);
    assert_int_equal(f.fail_count, 1);
    assert_int_equal(f.last_status, 429);
    store_feed_release(&f);

    /* Longer than the back-off would be, yet capped at one day. */
    r.status = 503;
    r.retry_after = 7 * DAY;
    save(fx, "f", &r, NULL, NOW + HOUR);
    f = get(fx, "f");
    assert_int_equal(f.next_attempt - (NOW + HOUR), DAY);
    assert_int_equal(f.fail_count, 2);
    store_feed_release(&f);

    /* 0 means "now". */
    r.retry_after = 0;
    save(fx, "f", &r, NULL, NOW + 2 * HOUR);
    f = get(fx, "f");
    assert_true(f.next_attempt == NOW + 2 * HOUR);
    store_feed_release(&f);
}

static void test_error_message_one_line(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    char longmsg[2000];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    memcpy(longmsg + STORE_ERROR_BYTES - 1, "\xe1\xbb\x87", 3); /* ệ across the cut */
    struct store_fetch_result r = failed(0, longmsg);
    save(fx, "f", &r, NULL, NOW);
    struct store_feed f = get(fx, "f");
    assert_int_equal(strlen(f.last_error), STORE_ERROR_BYTES - 1);
    store_feed_release(&f);

    r.error = "parse: bad\r\nBcc: x\t\xff end";
    r.status = 200;
    save(fx, "f", &r, NULL, NOW);
    f = get(fx, "f");
    assert_string_equal(f.last_error, "parse: bad  Bcc: x ? end");
    assert_int_equal(f.last_status, 200);
    store_feed_release(&f);

    struct store_fetch_result plain = failed(404, NULL);
    save(fx, "f", &plain, NULL, NOW);
    f = get(fx, "f");
    assert_string_equal(f.last_error, "HTTP 404");
    store_feed_release(&f);
}

static void test_gone(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct store_fetch_result r = failed(410, "HTTP 410 Gone");
    save(fx, "f", &r, NULL, NOW);
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.gone, 1);
    assert_int_equal(f.last_status, 410);
    assert_string_equal(store_feed_state(&f), "gone");
    assert_false(store_feed_due(&f, NOW + 30 * DAY));
    store_feed_release(&f);
    /* A later different failure does not clear it... */
    struct store_fetch_result other = failed(500, NULL);
    save(fx, "f", &other, NULL, NOW + DAY);
    f = get(fx, "f");
    assert_int_equal(f.gone, 1);
    store_feed_release(&f);
    /* ...a success (an admin's explicit fetch) does. */
    struct feed d = doc(NULL, 0);
    struct store_fetch_result ok = ok200();
    save(fx, "f", &ok, &d, NOW + 2 * DAY);
    f = get(fx, "f");
    assert_int_equal(f.gone, 0);
    assert_string_equal(store_feed_state(&f), "ok");
    store_feed_release(&f);
}

static void test_permanent_redirect_and_degraded(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "http://f.example/rss");
    struct feed d = doc(NULL, 0);
    d.degraded = 1;
    struct store_fetch_result r = ok200();
    r.permanent_url = "https://f.example/rss";
    save(fx, "f", &r, &d, NOW);
    struct store_feed f = get(fx, "f");
    assert_string_equal(f.stored_url, "https://f.example/rss");
    assert_int_equal(f.degraded, 1);
    assert_string_equal(store_feed_state(&f), "degraded");
    store_feed_release(&f);

    /* Ignored on failure, and never a non-http URL. */
    struct store_fetch_result bad = failed(404, NULL);
    bad.permanent_url = "https://elsewhere.example/";
    save(fx, "f", &bad, NULL, NOW + 1);
    struct store_fetch_result sneaky = ok200();
    sneaky.permanent_url = "file:///etc/passwd";
    d.degraded = 0;
    save(fx, "f", &sneaky, &d, NOW + 2);
    f = get(fx, "f");
    assert_string_equal(f.stored_url, "https://f.example/rss");
    assert_int_equal(f.degraded, 0);
    store_feed_release(&f);

    /* Redirected back to the configured URL: nothing to remember. */
    struct store_fetch_result back = ok200();
    back.permanent_url = "http://f.example/rss";
    save(fx, "f", &back, &d, NOW + 3);
    f = get(fx, "f");
    assert_null(f.stored_url);
    store_feed_release(&f);
}

static void test_never_pruned(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct feed_item v[] = {item("1", "https://f.example/1", "1", NOW),
                            item("2", "https://f.example/2", "2", NOW),
                            item("3", "https://f.example/3", "3", NOW)};
    struct feed d = doc(v, 3);
    struct store_fetch_result r = ok200();
    save(fx, "f", &r, &d, NOW);
    struct store_fetch_result fails[] = {failed(500, NULL), failed(0, "timeout"),
                                         failed(404, NULL), failed(410, NULL),
                                         failed(200, "parse: not a feed (root <html>)")};
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++)
        save(fx, "f", &fails[i], NULL, NOW + (int64_t)i + 1);
    /* A later document without the old items does not remove them either. */
    struct feed_item v2 = item("4", "https://f.example/4", "4", NOW);
    struct feed d2 = doc(&v2, 1);
    save(fx, "f", &r, &d2, NOW + 100);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 4);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources"), 4);
}

/* ---- id fallback -------------------------------------------------------- */

static void test_id_fallback_changing(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    /* A CMS that puts a session token into every guid. */
    const char *links[] = {"https://f.example/1", "https://f.example/2",
                           "https://f.example/3", "https://f.example/4"};
    char ids[3][4][32];
    struct store_fetch_result r = ok200();
    struct store_save_stats st;
    for (int fetch = 0; fetch < 3; fetch++) {
        struct feed_item v[4];
        for (int i = 0; i < 4; i++) {
            snprintf(ids[fetch][i], sizeof ids[fetch][i], "%s?sid=%d", links[i], fetch);
            v[i] = item(ids[fetch][i], links[i], "t", NOW);
        }
        struct feed d = doc(v, 4);
        st = save(fx, "f", &r, &d, NOW + fetch * HOUR);
        if (fetch == 0) {
            assert_int_equal(st.new_items, 4);
            assert_int_equal(st.switched_to_link, 0);
        } else if (fetch == 1) {
            assert_int_equal(st.switched_to_link, 1);
            assert_int_equal(st.new_items, 0);
            assert_int_equal(st.seen_again, 4);
        } else {
            assert_int_equal(st.switched_to_link, 0);
            assert_int_equal(st.new_items, 0);
            assert_int_equal(st.seen_again, 4);
        }
    }
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.id_mode, STORE_ID_LINK);
    assert_int_equal(f.items, 4);
    store_feed_release(&f);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 4);
    /* In link mode the key is the canonical link. */
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM item_sources "
                                    "WHERE feed_id = 'f' AND guid = 'https://f.example/1'"), 1);
    /* A new story in link mode is still new. */
    struct feed_item n = item("whatever", "https://f.example/5", "new", NOW);
    struct feed dn = doc(&n, 1);
    st = save(fx, "f", &r, &dn, NOW + 4 * HOUR);
    assert_int_equal(st.new_items, 1);
}

static void test_id_fallback_keeps_backfill(void **state)
{
    struct fixture *fx = *state;
    /* Unstable ids on a new feed: the archive skipped by the first fetch
     * must not flood in when the feed switches to link mode. */
    sync_feed(fx, "f", "https://f.example/rss");
    struct feed_item v1[] = {item("a-1", "https://f.example/1", "1", NOW - 9 * DAY),
                             item("a-2", "https://f.example/2", "2", NOW - 9 * DAY),
                             item("a-3", "https://f.example/3", "3", NOW - 9 * DAY)};
    struct feed d1 = doc(v1, 3);
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "f", &r, &d1, NOW);
    assert_int_equal(st.skipped_old, 3);
    struct feed_item v2[] = {item("b-1", "https://f.example/1", "1", NOW - 9 * DAY),
                             item("b-2", "https://f.example/2", "2", NOW - 9 * DAY),
                             item("b-3", "https://f.example/3", "3", NOW - 9 * DAY)};
    struct feed d2 = doc(v2, 3);
    st = save(fx, "f", &r, &d2, NOW + HOUR);
    assert_int_equal(st.switched_to_link, 1);
    assert_int_equal(st.new_items, 0);
    assert_int_equal(st.seen_again, 3);
    assert_int_equal(qint(fx->path, "SELECT count(*) FROM items"), 0);
}

static void test_id_fallback_repeated_and_blank(void **state)
{
    struct fixture *fx = *state;
    /* One guid on two different links within a document. */
    sync_feed(fx, "rep", "https://rep.example/rss");
    struct feed_item v[] = {item("same", "https://rep.example/1", "1", NOW),
                            item("same", "https://rep.example/2", "2", NOW)};
    struct feed d = doc(v, 2);
    struct store_fetch_result r = ok200();
    struct store_save_stats st = save(fx, "rep", &r, &d, NOW);
    assert_int_equal(st.switched_to_link, 1);
    assert_int_equal(st.new_items, 2);
    struct store_feed f = get(fx, "rep");
    assert_int_equal(f.id_mode, STORE_ID_LINK);
    store_feed_release(&f);

    /* Blank ids. */
    sync_feed(fx, "blank", "https://blank.example/rss");
    struct feed_item b[] = {item("  ", "https://blank.example/1", "1", NOW),
                            item("ok", "https://blank.example/2", "2", NOW)};
    struct feed db = doc(b, 2);
    st = save(fx, "blank", &r, &db, NOW);
    assert_int_equal(st.switched_to_link, 1);
    assert_int_equal(st.new_items, 2);
    f = get(fx, "blank");
    assert_int_equal(f.id_mode, STORE_ID_LINK);
    store_feed_release(&f);

    /* Neither id nor link: nothing to key it by. */
    sync_feed(fx, "none", "https://none.example/rss");
    struct feed_item nn = item(NULL, NULL, "orphan", NOW);
    struct feed dn = doc(&nn, 1);
    st = save(fx, "none", &r, &dn, NOW);
    assert_int_equal(st.unkeyed, 1);
    assert_int_equal(st.new_items, 0);
    f = get(fx, "none");
    assert_int_equal(f.id_mode, STORE_ID_GUID);
    store_feed_release(&f);
}

static void test_id_fallback_threshold(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct feed_item v1[] = {item("1", "https://f.example/1", "1", NOW),
                             item("2", "https://f.example/2", "2", NOW),
                             item("3", "https://f.example/3", "3", NOW),
                             item("4", "https://f.example/4", "4", NOW)};
    struct feed d1 = doc(v1, 4);
    struct store_fetch_result r = ok200();
    save(fx, "f", &r, &d1, NOW);
    /* Two of four re-issued under new ids: 50% is not more than half.
     * They are seen again (their links are known), not new. */
    struct feed_item v2[] = {item("1b", "https://f.example/1", "1", NOW),
                             item("2b", "https://f.example/2", "2", NOW),
                             item("3", "https://f.example/3", "3", NOW),
                             item("4", "https://f.example/4", "4", NOW)};
    struct feed d2 = doc(v2, 4);
    struct store_save_stats st = save(fx, "f", &r, &d2, NOW + HOUR);
    assert_int_equal(st.switched_to_link, 0);
    assert_int_equal(st.new_items, 0);
    assert_int_equal(st.seen_again, 4);
    struct store_feed f = get(fx, "f");
    assert_int_equal(f.id_mode, STORE_ID_GUID);
    assert_int_equal(f.items, 4);
    store_feed_release(&f);
    /* The same document again: every id is now known, nothing changes. */
    st = save(fx, "f", &r, &d2, NOW + 2 * HOUR);
    assert_int_equal(st.switched_to_link, 0);
    assert_int_equal(st.seen_again, 4);
}

/* ---- concurrency -------------------------------------------------------- */

struct holder {
    const char *path;
    int ready[2];   /* pipe: the lock is held */
    int rc;
};

/* Another writer (a second bantin process, say) holding the write lock
 * for about a second. */
static void *hold_lock(void *arg)
{
    struct holder *h = arg;
    sqlite3 *db;
    h->rc = sqlite3_open(h->path, &db);
    if (h->rc == SQLITE_OK)
        h->rc = sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE feeds SET title = 'held'",
                             NULL, NULL, NULL);
    char c = h->rc == SQLITE_OK ? 'y' : 'n';
    if (write(h->ready[1], &c, 1) != 1)
        h->rc = -1;
    if (h->rc == SQLITE_OK) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        h->rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return NULL;
}

static double elapsed_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_concurrent_writer_waits(void **state)
{
    struct fixture *fx = *state;
    sync_feed(fx, "f", "https://f.example/rss");
    struct holder h = {.path = fx->path};
    assert_int_equal(pipe(h.ready), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, hold_lock, &h), 0);
    char c = 0;
    assert_int_equal(read(h.ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct feed_item it = item("g", "https://f.example/1", "t", NOW);
    struct feed d = doc(&it, 1);
    struct store_fetch_result r = ok200();
    struct store_save_stats st;
    int rc = store_feed_save(fx->st, "f", &r, &d, NOW, &st);
    double waited = elapsed_since(&t0);
    pthread_join(th, NULL);
    close(h.ready[0]);
    close(h.ready[1]);
    if (rc != 0)
        fail_msg("save failed instead of waiting: %s", store_error(fx->st));
    assert_int_equal(h.rc, SQLITE_OK);
    assert_true(waited > 0.7);
    assert_true(waited < 5.0);
    assert_int_equal(st.new_items, 1);
    /* Both writes are there: the other's title, our item. */
    struct store_feed f = get(fx, "f");
    assert_string_equal(f.title, "held");
    assert_int_equal(f.items, 1);
    store_feed_release(&f);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_migrates),
        T(test_open_newer_refused),
        T(test_open_missing_folder),
        T(test_open_foreign_file),
        T(test_migration_rolls_back),
        T(test_migrate_from_v1),
        T(test_sync),
        T(test_feeds_sync_batch),
        T(test_cached_statements_clean),
        T(test_feed_list),
        T(test_dedup_within_feed),
        T(test_dedup_across_feeds),
        T(test_item_fields),
        T(test_backfill_first_fetch),
        T(test_backfill_links_existing),
        T(test_guessed_dates),
        T(test_published_guessed_round_trip),
        T(test_created_and_article),
        T(test_not_modified),
        T(test_doc_title),
    T(test_validators_kept),
        T(test_backoff),
        T(test_retry_after),
        T(test_error_message_one_line),
        T(test_gone),
        T(test_permanent_redirect_and_degraded),
        T(test_never_pruned),
        T(test_id_fallback_changing),
        T(test_id_fallback_keeps_backfill),
        T(test_id_fallback_repeated_and_blank),
        T(test_id_fallback_threshold),
        T(test_concurrent_writer_waits),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
