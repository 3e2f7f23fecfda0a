/* test_digest_store.c - unit tests of store/digest_store.c and the frozen
 * and pending selects of digest_build_from: a freeze is all or nothing, a
 * story (and so an item) is in one digest only, deliveries move from
 * pending to failed to sent, or to refused and stay there. */
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

#include "config/config.h"
#include "digest/build.h"
#include "store/digest_query.h"
#include "store/digest_store.h"
#include "store/store.h"
#include "util/util.h"

#include "store_fixture.h"

#define HOUR 3600
#define DAY 86400
/* 2026-11-23 00:00 at +07:00 = 2026-11-22T17:00:00Z */
#define DAY_FROM ((int64_t)1795366800)

static const char conf_text[] =
    "[bantin]\n"
    "database = bantin.db\n"
    "timezone = +07:00\n"
    "[digest]\n"
    "title = Bản tin Dân vận\n"
    "from = Bản tin <bantin@example.vn>\n"
    "[feed \"a\"]\n"
    "url = https://a.example/rss\n"
    "[topic \"dvk\"]\n"
    "title = Dân vận khéo\n"
    "keywords = dân vận khéo\n"
    "[topic \"tg\"]\n"
    "title = Tôn giáo\n"
    "keywords = tôn giáo; chức sắc\n"
    "[subscriber \"a@example.vn\"]\n"
    "topics = tg\n"
    "[subscriber \"b@example.vn\"]\n";

static int setup(void **state)
{
    struct fixture *fx = fixture_open("dstore", conf_text);
    if (!fx)
        return -1;
    if (store_feed_sync(fx->st, "a", "https://a.example/rss", NULL))
        return -1;
    *state = fx;
    return 0;
}

static void put(struct fixture *fx, const char *id, const char *title,
                int64_t published, int64_t now)
{
    char link[128];
    snprintf(link, sizeof link, "https://a.example/%s.html", id);
    struct feed_item it = {0};
    it.id = (char *)id;
    it.link = link;
    it.title = (char *)title;
    it.published = published;
    it.updated = TIME_NONE;
    struct feed f = {0};
    f.kind = FEED_RSS;
    f.items = &it;
    f.nitems = 1;
    struct store_fetch_result r = {.status = 200, .retry_after = -1};
    struct store_save_stats stats;
    if (store_feed_save(fx->st, "a", &r, &f, now, &stats) != 0)
        fail_msg("save: %s", store_error(fx->st));
}

static size_t count_stories(const struct digest *d)
{
    size_t n = 0;
    for (size_t t = 0; t < d->ntopics; t++)
        n += d->topics[t].nstories;
    return n;
}

/* Items of a select, counted. */
static size_t count_items(struct fixture *fx, enum store_digest_kind kind,
                          const char *day, int64_t to)
{
    struct store_digest_select sel = { kind, 0, to, day };
    struct store_digest_item *items;
    size_t n;
    assert_int_equal(store_digest_items_select(fx->st, &sel, 0, &items, &n,
                                               NULL), 0);
    store_digest_items_free(items, n);
    return n;
}

/* Build the pending digest of day and freeze it for both subscribers.
 * Returns store_digest_freeze's result. */
static int freeze(struct fixture *fx, const char *day, size_t *nstories)
{
    struct digest d;
    struct digest_plan plan;
    char err[512];
    assert_int_equal(digest_build_from(&fx->cfg, fx->st, day, NULL,
                                       DIGEST_ITEMS_PENDING, &plan, &d, err,
                                       sizeof err), DIGEST_BUILD_OK);
    assert_int_equal(plan.nstories, count_stories(&d));
    if (nstories)
        *nstories = plan.nstories;
    struct store_new_delivery dl[2] = {
        {"a@example.vn", NULL}, {"b@example.vn", NULL},
    };
    char id0[64], id1[64];
    snprintf(id0, sizeof id0, "bantin.%s.a@example.vn", day);
    snprintf(id1, sizeof id1, "bantin.%s.b@example.vn", day);
    dl[0].message_id = id0;
    dl[1].message_id = id1;
    int rc = store_digest_freeze(fx->st, day, d.title, DAY_FROM + 20 * HOUR,
                                 plan.stories, plan.nstories, dl, 2);
    digest_plan_free(&plan);
    digest_free(&d);
    return rc;
}

static void test_freeze_and_read_back(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 6 * HOUR;
    put(fx, "1", "Mô hình dân vận khéo ở xã A", t, t);
    put(fx, "2", "Gặp mặt chức sắc tôn giáo", t, t + 60);
    put(fx, "3", "Lịch công tác tuần", t, t + 120);
    /* stored the day before and never frozen: still pending today */
    put(fx, "0", "Hội nghị tôn giáo toàn tỉnh năm 2026", t - DAY, t - DAY);
    assert_int_equal(store_digest_exists(fx->st, "2026-11-23"), 0);
    size_t ns;
    assert_int_equal(freeze(fx, "2026-11-23", &ns), 0);
    assert_int_equal(ns, 4);
    assert_int_equal(store_digest_exists(fx->st, "2026-11-23"), 1);
    assert_int_equal(count_items(fx, STORE_DIGEST_PENDING, NULL,
                                 DAY_FROM + 2 * DAY), 0);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-23", 0), 4);

    /* read back for a subscriber of one topic: only its stories */
    struct digest d;
    char err[512];
    assert_int_equal(digest_build_from(&fx->cfg, fx->st, "2026-11-23",
                                       "a@example.vn", DIGEST_ITEMS_FROZEN,
                                       NULL, &d, err, sizeof err),
                     DIGEST_BUILD_OK);
    assert_int_equal(d.ntopics, 1);
    assert_string_equal(d.topics[0].id, "tg");
    assert_int_equal(d.topics[0].nstories, 2);
    digest_free(&d);
    assert_int_equal(digest_build_from(&fx->cfg, fx->st, "2026-11-23", NULL,
                                       DIGEST_ITEMS_FROZEN, NULL, &d, err,
                                       sizeof err), DIGEST_BUILD_OK);
    assert_int_equal(count_stories(&d), 4);
    assert_string_equal(d.topics[d.ntopics - 1].id, DIGEST_OTHER_ID);
    digest_free(&d);

    /* a second freeze of the day writes nothing */
    put(fx, "4", "Tin mới sau khi chốt", t + 10 * HOUR, t + 10 * HOUR);
    assert_int_equal(freeze(fx, "2026-11-23", NULL), 1);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-23", 0), 4);
    /* the late item goes to the next day's digest */
    assert_int_equal(freeze(fx, "2026-11-24", &ns), 0);
    assert_int_equal(ns, 1);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-24", 0), 1);
}

static void test_freeze_is_atomic(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 6 * HOUR;
    put(fx, "1", "Mô hình dân vận khéo ở xã A", t, t);
    put(fx, "2", "Gặp mặt chức sắc tôn giáo", t, t + 60);
    int64_t good[1] = { 1 }, missing[1] = { 999 };
    struct store_frozen_story fs[2] = {
        { 1, good, 1, NULL, NULL, t },
        { 999, missing, 1, NULL, NULL, t },
    };
    struct store_new_delivery dl[1] = { {"b@example.vn", "x@example.vn"} };
    assert_int_equal(store_digest_freeze(fx->st, "2026-11-23", "T", t, fs, 2,
                                         dl, 1), -1);
    assert_true(store_error(fx->st)[0] != '\0');
    /* nothing of it is left: no digest, no delivery, item 1 pending */
    assert_int_equal(store_digest_exists(fx->st, "2026-11-23"), 0);
    struct store_delivery *todo;
    size_t n;
    assert_int_equal(store_deliveries_todo(fx->st, &todo, &n), 0);
    assert_int_equal(n, 0);
    store_deliveries_free(todo, n);
    assert_int_equal(count_items(fx, STORE_DIGEST_PENDING, NULL,
                                 DAY_FROM + DAY), 2);
    /* the day can still be frozen afterwards */
    assert_int_equal(freeze(fx, "2026-11-23", NULL), 0);
}

static void test_story_in_one_digest_only(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 6 * HOUR;
    put(fx, "1", "Mô hình dân vận khéo ở xã A", t, t);
    assert_int_equal(freeze(fx, "2026-11-23", NULL), 0);
    /* an item already frozen cannot be frozen again into another day */
    int64_t items[1] = { 1 };
    struct store_frozen_story fs = { 1, items, 1, NULL, NULL, t };
    assert_int_equal(store_digest_freeze(fx->st, "2026-11-24", "T", t, &fs, 1,
                                         NULL, 0), -1);
    assert_int_equal(store_digest_exists(fx->st, "2026-11-24"), 0);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-23", 0), 1);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-24", 0), 0);
}

/* A re-post joins a story of an earlier digest in the freeze of the day's
 * digest, with that story's topic; when it cannot (its story is in no
 * digest, or the item is already in one) nothing of the freeze is left. */
static void test_freeze_attaches_reposts(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 6 * HOUR;
    put(fx, "1", "Gặp mặt chức sắc tôn giáo", t, t);
    assert_int_equal(freeze(fx, "2026-11-23", NULL), 0);
    put(fx, "2", "Gặp mặt các chức sắc tôn giáo (bài đăng lại)", t, t + DAY);
    put(fx, "3", "Tin ngày sau", t + DAY, t + DAY);
    int64_t three[1] = { 3 };
    struct store_frozen_story fs = { 3, three, 1, NULL, NULL, t + DAY };
    struct store_new_delivery dl[1] = { {"b@example.vn", "y@example.vn"} };

    struct store_attached_item bad[2] = { { 2, 1 }, { 1, 1 } };
    assert_int_equal(store_digest_freeze_attached(fx->st, "2026-11-24", "T",
                                                  t + DAY, &fs, 1, bad, 2, dl,
                                                  1), -1);
    assert_non_null(strstr(store_error(fx->st), "item 1"));
    struct store_attached_item nowhere[1] = { { 2, 99 } };
    assert_int_equal(store_digest_freeze_attached(fx->st, "2026-11-24", "T",
                                                  t + DAY, &fs, 1, nowhere, 1,
                                                  dl, 1), -1);
    assert_int_equal(store_digest_exists(fx->st, "2026-11-24"), 0);
    assert_int_equal(count_items(fx, STORE_DIGEST_PENDING, NULL,
                                 DAY_FROM + 3 * DAY), 2);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-23", 0), 1);

    struct store_attached_item good[1] = { { 2, 1 } };
    assert_int_equal(store_digest_freeze_attached(fx->st, "2026-11-24", "T",
                                                  t + DAY, &fs, 1, good, 1, dl,
                                                  1), 0);
    assert_int_equal(count_items(fx, STORE_DIGEST_PENDING, NULL,
                                 DAY_FROM + 3 * DAY), 0);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-23", 0), 2);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-24", 0), 1);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(fx->cfg.database, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT story_id, topic FROM items"
                                        " WHERE id = 2", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "tg");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_old_items_never_appear(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 6 * HOUR;
    put(fx, "old", "Tin cũ", t - 30 * DAY, t);
    put(fx, "new", "Tin mới", t, t);
    size_t ns;
    assert_int_equal(freeze(fx, "2026-11-23", &ns), 0);
    assert_int_equal(ns, 1);
    assert_int_equal(count_items(fx, STORE_DIGEST_FROZEN, "2026-11-23", 0), 1);
    /* the old item stays out of the pending select, so a pile of them
     * never takes the room of new ones under the cap */
    int64_t to = DAY_FROM + 2 * DAY;
    struct store_digest_select sel = { STORE_DIGEST_PENDING,
                                       to - fx->cfg.digest.max_age, to, NULL };
    struct store_digest_item *items;
    size_t n;
    assert_int_equal(store_digest_items_select(fx->st, &sel, 0, &items, &n,
                                               NULL), 0);
    assert_int_equal(n, 0);
    store_digest_items_free(items, n);
    sel.from = 0;
    assert_int_equal(store_digest_items_select(fx->st, &sel, 0, &items, &n,
                                               NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].title, "Tin cũ");
    store_digest_items_free(items, n);
}

static void test_delivery_states(void **state)
{
    struct fixture *fx = *state;
    put(fx, "1", "Tin", DAY_FROM, DAY_FROM);
    assert_int_equal(freeze(fx, "2026-11-23", NULL), 0);
    struct store_delivery *todo;
    size_t n;
    assert_int_equal(store_deliveries_todo(fx->st, &todo, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(todo[0].subscriber, "a@example.vn");
    assert_string_equal(todo[0].message_id, "bantin.2026-11-23.a@example.vn");
    assert_int_equal(todo[0].failed, 0);
    store_deliveries_free(todo, n);

    assert_int_equal(store_delivery_failed(fx->st, "2026-11-23",
                                           "a@example.vn", DAY_FROM, "disk"),
                     0);
    assert_int_equal(store_delivery_sent(fx->st, "2026-11-23", "b@example.vn",
                                         DAY_FROM), 0);
    assert_int_equal(store_deliveries_todo(fx->st, &todo, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(todo[0].subscriber, "a@example.vn");
    assert_int_equal(todo[0].failed, 1);
    assert_int_equal(todo[0].attempts, 1);
    store_deliveries_free(todo, n);

    assert_int_equal(store_delivery_sent(fx->st, "2026-11-23", "a@example.vn",
                                         DAY_FROM), 0);
    /* a sent delivery never goes back to failed */
    assert_int_equal(store_delivery_failed(fx->st, "2026-11-23",
                                           "a@example.vn", DAY_FROM, "late"),
                     0);
    assert_int_equal(store_deliveries_todo(fx->st, &todo, &n), 0);
    assert_int_equal(n, 0);
    store_deliveries_free(todo, n);
}

/* The state and last_error of one delivery, read from the file. */
static void row(struct fixture *fx, const char *subscriber, char *state,
                size_t statelen, char *error, size_t errorlen)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(fx->cfg.database, &db,
                                     SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT state,"
                                        " coalesce(last_error, '')"
                                        " FROM deliveries WHERE subscriber = ?",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, subscriber, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(state, statelen, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(error, errorlen, "%s", (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_refused_is_never_retried(void **state)
{
    struct fixture *fx = *state;
    put(fx, "1", "Tin", DAY_FROM, DAY_FROM);
    assert_int_equal(freeze(fx, "2026-11-23", NULL), 0);
    /* a temporary failure first, then the 5xx */
    assert_int_equal(store_delivery_failed(fx->st, "2026-11-23",
                                           "a@example.vn", DAY_FROM,
                                           "SMTP RCPT TO: 450 busy"), 0);
    assert_int_equal(store_delivery_refused(fx->st, "2026-11-23",
                                            "a@example.vn", DAY_FROM + 60,
                                            "SMTP RCPT TO: 550 no such user"),
                     0);
    struct store_delivery *todo;
    size_t n;
    assert_int_equal(store_deliveries_todo(fx->st, &todo, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(todo[0].subscriber, "b@example.vn");
    store_deliveries_free(todo, n);
    char st[16], error[128];
    row(fx, "a@example.vn", st, sizeof st, error, sizeof error);
    assert_string_equal(st, "refused");
    assert_string_equal(error, "SMTP RCPT TO: 550 no such user");

    /* a refused delivery does not go back to failed (nor sent to refused) */
    assert_int_equal(store_delivery_failed(fx->st, "2026-11-23",
                                           "a@example.vn", DAY_FROM, "late"),
                     0);
    row(fx, "a@example.vn", st, sizeof st, error, sizeof error);
    assert_string_equal(st, "refused");
    assert_int_equal(store_delivery_sent(fx->st, "2026-11-23", "b@example.vn",
                                         DAY_FROM), 0);
    assert_int_equal(store_delivery_refused(fx->st, "2026-11-23",
                                            "b@example.vn", DAY_FROM, "late"),
                     0);
    row(fx, "b@example.vn", st, sizeof st, error, sizeof error);
    assert_string_equal(st, "sent");
    assert_string_equal(error, "");
    assert_int_equal(store_deliveries_todo(fx->st, &todo, &n), 0);
    assert_int_equal(n, 0);
    store_deliveries_free(todo, n);
}

/* The select of deliveries to do has the WHERE of the partial index
 * deliveries_todo, so SQLite may use it: with INDEXED BY the statement
 * prepares only when the index covers the WHERE ("state <> 'sent'" would
 * not, and 'refused' rows would come back). */
static void test_todo_matches_the_partial_index(void **state)
{
    struct fixture *fx = *state;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(fx->cfg.database, &db,
                                     SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    int rc = sqlite3_prepare_v2(db, "SELECT day FROM deliveries"
                                " INDEXED BY deliveries_todo"
                                " WHERE state IN ('pending', 'failed')", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_freeze_and_read_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_freeze_is_atomic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_story_in_one_digest_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_freeze_attaches_reposts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_old_items_never_appear, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delivery_states, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refused_is_never_retried, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_todo_matches_the_partial_index,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
