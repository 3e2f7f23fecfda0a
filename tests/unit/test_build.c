/* test_build.c - unit tests of digest/build.c and store/digest_query.c:
 * the day window, items at its edges, age, order, topics, subscribers,
 * re-posts of stories sent on an earlier day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "config/config.h"
#include "digest/build.h"
#include "digest/deliver.h"
#include "store/digest_query.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/util.h"

#include "store_fixture.h"

#define HOUR 3600
#define DAY 86400
/* 2026-11-23 00:00 at +07:00 = 2026-11-22T17:00:00Z */
#define DAY_FROM ((int64_t)1795366800)
#define DAY_TO (DAY_FROM + DAY)

static const char conf_text[] =
    "[bantin]\n"
    "database = bantin.db\n"
    "timezone = +07:00\n"
    "[digest]\n"
    "title = Bản tin Dân vận\n"
    "from = Bản tin <bantin@example.vn>\n"
    "[feed \"a\"]\n"
    "url = https://a.example/rss\n"
    "title = Trang A\n"
    "[feed \"b\"]\n"
    "url = https://b.example/rss\n"
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
    struct fixture *fx = fixture_open("build", conf_text);
    if (!fx)
        return -1;
    if (store_feed_sync(fx->st, "a", "https://a.example/rss", "Trang A") ||
        store_feed_sync(fx->st, "b", "https://b.example/rss", NULL))
        return -1;
    *state = fx;
    return 0;
}

/* Store one item at link on feed, first seen at now. */
static void put_link(struct fixture *fx, const char *feed, const char *id,
                     const char *link, const char *title, const char *summary,
                     int64_t published, int64_t now)
{
    struct feed_item it = {0};
    it.id = (char *)id;
    it.link = (char *)link;
    it.title = (char *)title;
    it.summary = (char *)summary;
    it.published = published;
    it.updated = TIME_NONE;
    struct feed f = {0};
    f.kind = FEED_RSS;
    f.items = &it;
    f.nitems = 1;
    struct store_fetch_result r = {.status = 200, .retry_after = -1};
    struct store_save_stats stats;
    if (store_feed_save(fx->st, feed, &r, &f, now, &stats) != 0)
        fail_msg("save: %s", store_error(fx->st));
    assert_int_equal(stats.new_items + stats.linked, 1);
}

/* put_link at https://FEED.example/ID.html */
static void put(struct fixture *fx, const char *feed, const char *id,
                const char *title, const char *summary, int64_t published,
                int64_t now)
{
    char link[128];
    snprintf(link, sizeof link, "https://%s.example/%s.html", feed, id);
    put_link(fx, feed, id, link, title, summary, published, now);
}

static struct digest build(struct fixture *fx, const char *date,
                           const char *sub)
{
    struct digest d;
    char err[256];
    /* The day's items explicitly: digest_build would read the pending
     * items instead when date happens to be today. */
    enum digest_build_status st =
        digest_build_from(&fx->cfg, fx->st, date, sub, DIGEST_ITEMS_DAY, NULL,
                          &d, err, sizeof err);
    if (st != DIGEST_BUILD_OK)
        fail_msg("digest_build: %s", err);
    assert_string_equal(err, "");
    return d;
}

static size_t count_stories(const struct digest *d)
{
    size_t n = 0;
    for (size_t t = 0; t < d->ntopics; t++)
        n += d->topics[t].nstories;
    return n;
}

/* ---- days ---------------------------------------------------------------- */

static void test_day_window(void **state)
{
    (void)state;
    int64_t from, to;
    assert_int_equal(digest_day_window("2026-11-23", 7 * HOUR, &from, &to), 0);
    assert_true(from == DAY_FROM && to == DAY_TO);
    assert_int_equal(digest_day_window("2026-11-23", 0, &from, &to), 0);
    assert_true(from == DAY_FROM + 7 * HOUR);
    assert_int_equal(digest_day_window("2024-02-29", 0, &from, &to), 0);
    static const char *const bad[] = {
        "2026-02-29", "2026-13-01", "2026-00-10", "2026-11-31", "2026-1-01",
        "2026-11-23x", "26-11-23", "2026/11/23", "", "0000-01-01",
        "2026-11-2\xc3\xa0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (digest_day_window(bad[i], 0, &from, &to) == 0)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(digest_day_window(NULL, 0, &from, &to), -1);
}

static void test_today(void **state)
{
    (void)state;
    char d[11];
    digest_today(DAY_FROM - 1, 7 * HOUR, d);
    assert_string_equal(d, "2026-11-22");
    digest_today(DAY_FROM, 7 * HOUR, d);
    assert_string_equal(d, "2026-11-23");
    digest_today(DAY_TO - 1, 7 * HOUR, d);
    assert_string_equal(d, "2026-11-23");
    digest_today(0, 0, d);
    assert_string_equal(d, "1970-01-01");
    digest_today(-1, 0, d);
    assert_string_equal(d, "1969-12-31");
    digest_today(951782400, 0, d);      /* 2000-02-29T00:00Z */
    assert_string_equal(d, "2000-02-29");
    digest_today(951782400 - 1, -5 * HOUR, d);
    assert_string_equal(d, "2000-02-28");
}

static void test_day_name(void **state)
{
    (void)state;
    static const char *const want[][2] = {
        {"2026-11-23", "Thứ Hai, 23/11/2026"},
        {"2026-11-22", "Chủ Nhật, 22/11/2026"},
        {"2026-11-28", "Thứ Bảy, 28/11/2026"},
        {"2022-09-15", "Thứ Năm, 15/09/2022"},
        {"1969-12-31", "Thứ Tư, 31/12/1969"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *s = digest_day_name(want[i][0]);
        assert_non_null(s);
        assert_string_equal(s, want[i][1]);
        free(s);
    }
    assert_null(digest_day_name("2026-02-30"));
}

static void test_unsubscribe_url(void **state)
{
    (void)state;
    char *u = digest_unsubscribe_url("https://x.vn/huy?e={email}&again={email}",
                                     "a+b&c=d#e@x.vn");
    assert_string_equal(u, "https://x.vn/huy?e=a%2Bb%26c%3Dd%23e@x.vn"
                           "&again=a%2Bb%26c%3Dd%23e@x.vn");
    free(u);
    u = digest_unsubscribe_url("https://x.vn/huy", "a@x.vn");
    assert_string_equal(u, "https://x.vn/huy");
    free(u);
    assert_null(digest_unsubscribe_url(NULL, "a@x.vn"));
}

/* ---- building -------------------------------------------------------------- */

/* The window is [00:00, 24:00) local of first_seen, both edges exact. */
static void test_window_edges(void **state)
{
    struct fixture *fx = *state;
    put(fx, "a", "before", "Trước giờ", NULL, DAY_FROM - 2 * HOUR, DAY_FROM - 1);
    put(fx, "a", "first", "Đầu ngày", NULL, DAY_FROM - HOUR, DAY_FROM);
    put(fx, "b", "last", "Cuối ngày", NULL, DAY_TO - 2 * HOUR, DAY_TO - 1);
    put(fx, "b", "after", "Hôm sau", NULL, DAY_TO - HOUR, DAY_TO);

    struct digest d = build(fx, "2026-11-23", NULL);
    assert_string_equal(d.date, "2026-11-23");
    assert_string_equal(d.title, "Bản tin Dân vận");
    assert_int_equal(d.ntopics, 1);
    assert_string_equal(d.topics[0].id, DIGEST_OTHER_ID);
    assert_string_equal(d.topics[0].title, "Khác");
    assert_int_equal(d.topics[0].nstories, 2);
    /* newest first */
    assert_string_equal(d.topics[0].stories[0].title, "Cuối ngày");
    assert_string_equal(d.topics[0].stories[1].title, "Đầu ngày");
    const struct digest_story *s = &d.topics[0].stories[0];
    assert_int_equal(s->nsources, 1);
    assert_string_equal(s->sources[0].feed, "b");
    assert_null(s->sources[0].feed_title);   /* no title, no document title */
    assert_string_equal(s->link, "https://b.example/last.html");
    assert_true(s->published == DAY_TO - 2 * HOUR);
    assert_string_equal(d.topics[0].stories[1].sources[0].feed_title, "Trang A");
    digest_free(&d);

    d = build(fx, "2026-11-22", NULL);
    assert_int_equal(count_stories(&d), 1);
    assert_string_equal(d.topics[0].stories[0].title, "Trước giờ");
    digest_free(&d);
    d = build(fx, "2026-11-24", NULL);
    assert_int_equal(count_stories(&d), 1);
    assert_string_equal(d.topics[0].stories[0].title, "Hôm sau");
    digest_free(&d);
    d = build(fx, "2026-11-25", NULL);
    assert_int_equal(d.ntopics, 0);
    digest_free(&d);
}

/* Items published more than max_age (2 days) before the end of the day do
 * not enter it; undated items sort by when they were stored. */
static void test_age_and_undated(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 10 * HOUR;
    put(fx, "a", "old", "Tin cũ", NULL, DAY_TO - 2 * DAY - 1, t);
    put(fx, "a", "edge", "Tin vừa đủ", NULL, DAY_TO - 2 * DAY, t);
    put(fx, "a", "undated", "Tin không ngày", NULL, TIME_NONE, t + HOUR);
    put(fx, "b", "dated", "Tin có ngày", NULL, t + 30 * 60, t + 2 * HOUR);
    struct digest d = build(fx, "2026-11-23", NULL);
    assert_int_equal(d.ntopics, 1);
    const struct digest_topic *k = &d.topics[0];
    assert_int_equal(k->nstories, 3);
    assert_string_equal(k->stories[0].title, "Tin không ngày");
    assert_true(k->stories[0].published == TIME_NONE);
    assert_string_equal(k->stories[1].title, "Tin có ngày");
    assert_string_equal(k->stories[2].title, "Tin vừa đủ");
    digest_free(&d);
}

/* Topics in config order, Khác last; a subscriber's list filters, and
 * leaves Khác out; addresses compare without case. */
static void test_topics_and_subscribers(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 8 * HOUR;
    put(fx, "a", "1", "Gặp mặt chức sắc tôn giáo nhân dịp Giáng sinh",
        NULL, t - HOUR, t);
    put(fx, "a", "2", "Lịch công tác tuần", NULL, t - 2 * HOUR, t);
    put(fx, "b", "3", "Phong trào thi đua trên địa bàn",
        "Xã đạt nhiều kết quả trong phong trào Dân vận khéo năm nay.",
        t - 3 * HOUR, t);

    struct digest d = build(fx, "2026-11-23", NULL);
    assert_int_equal(d.ntopics, 3);
    assert_string_equal(d.topics[0].id, "dvk");
    assert_string_equal(d.topics[0].title, "Dân vận khéo");
    assert_string_equal(d.topics[0].stories[0].title,
                        "Phong trào thi đua trên địa bàn");
    assert_string_equal(d.topics[0].stories[0].summary,
                        "Xã đạt nhiều kết quả trong phong trào Dân vận khéo năm nay.");
    assert_string_equal(d.topics[1].id, "tg");
    assert_string_equal(d.topics[2].id, "khac");
    digest_free(&d);

    d = build(fx, "2026-11-23", "A@Example.VN");
    assert_int_equal(d.ntopics, 1);
    assert_string_equal(d.topics[0].id, "tg");
    assert_int_equal(d.topics[0].nstories, 1);
    digest_free(&d);

    d = build(fx, "2026-11-23", "b@example.vn");
    assert_int_equal(d.ntopics, 3);
    digest_free(&d);

    char err[256];
    assert_int_equal(digest_build(&fx->cfg, fx->st, "2026-11-23",
                                  "c@example.vn", &d, err, sizeof err),
                     DIGEST_BUILD_NO_SUBSCRIBER);
    assert_non_null(strstr(err, "c@example.vn"));
    assert_int_equal(d.ntopics, 0);
    assert_int_equal(digest_build(&fx->cfg, fx->st, "2026-11-31", NULL, &d,
                                  err, sizeof err),
                     DIGEST_BUILD_BAD_DATE);
    assert_non_null(strstr(err, "2026-11-31"));
}

/* One link on two feeds is one item with two sources; a retouched title
 * on another link is a second item of the same story. The earliest item
 * represents the story and its sources come first. */
static void test_duplicates(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 9 * HOUR;
    const char *title = "Đối thoại giữa người đứng đầu cấp ủy với Nhân dân "
                        "về giải phóng mặt bằng";
    put(fx, "b", "later", "Huyện Diễn Châu: Đối thoại giữa người đứng đầu "
        "cấp ủy với Nhân dân về giải phóng mặt bằng", NULL, t - HOUR, t);
    put(fx, "a", "first", title, "Tóm tắt.", t - 3 * HOUR, t + 60);

    struct store_digest_item *items;
    size_t n;
    int more;
    assert_int_equal(store_digest_items(fx->st, DAY_FROM, DAY_TO, 0, &items,
                                        &n, &more), 0);
    assert_int_equal(n, 2);
    assert_int_equal(more, 0);
    store_digest_items_free(items, n);
    assert_int_equal(store_digest_items(fx->st, DAY_FROM, DAY_TO, 1, &items,
                                        &n, &more), 0);
    assert_int_equal(n, 1);
    assert_int_equal(more, 1);
    store_digest_items_free(items, n);

    struct digest d = build(fx, "2026-11-23", NULL);
    assert_int_equal(count_stories(&d), 1);
    const struct digest_story *s = &d.topics[0].stories[0];
    assert_string_equal(s->title, title);
    assert_string_equal(s->summary, "Tóm tắt.");
    assert_string_equal(s->link, "https://a.example/first.html");
    assert_int_equal(s->nsources, 2);
    assert_string_equal(s->sources[0].feed, "a");
    assert_string_equal(s->sources[1].feed, "b");
    assert_string_equal(s->sources[1].link, "https://b.example/later.html");
    digest_free(&d);
}

/* One link stored by b, then by a in the same second: one items row with
 * b's link; b's copy is the story's own source and comes first, though the
 * store lists a first (first_seen ties, then feed id). */
static void test_own_source_first(void **state)
{
    struct fixture *fx = *state;
    int64_t t = DAY_FROM + 9 * HOUR;
    put_link(fx, "b", "x", "https://c.example/tin.html?utm_source=b",
             "Tin chung của hai trang", NULL, t - HOUR, t);
    put_link(fx, "a", "x", "https://c.example/tin.html?utm_source=a",
             "Tin chung của hai trang", NULL, t - HOUR, t);
    struct digest d = build(fx, "2026-11-23", NULL);
    assert_int_equal(count_stories(&d), 1);
    const struct digest_story *s = &d.topics[0].stories[0];
    assert_string_equal(s->link, "https://c.example/tin.html?utm_source=b");
    assert_int_equal(s->nsources, 2);
    assert_string_equal(s->sources[0].feed, "b");
    assert_string_equal(s->sources[0].link, s->link);
    assert_string_equal(s->sources[1].feed, "a");
    assert_string_equal(s->sources[1].link,
                        "https://c.example/tin.html?utm_source=a");
    assert_string_equal(s->sources[1].feed_title, "Trang A");
    digest_free(&d);
}

/* ---- re-posts of stories already sent ------------------------------------ */

/* VIETNAMESE.md 5: one event, a title retouched by a second outlet. */
#define TITLE_ORIG "OpenAI công bố thỏa thuận hợp tác nghiên cứu an toàn " \
                   "với các trường đại học"
#define TITLE_COPY "OpenAI công bố thỏa thuận hợp tác an toàn cùng các " \
                   "trường đại học lớn"
#define TITLE_OTHER "Hội Nông dân và Đoàn Thanh niên ra quân làm đường " \
                    "giao thông nông thôn"

/* digest_run_freeze on the day of now (nothing frozen for it yet).
 * Returns how many re-posts it attached; *nstories its stories. */
static size_t run_freeze(struct fixture *fx, int64_t now, size_t *nstories)
{
    struct digest_run_report rep;
    memset(&rep, 0, sizeof rep);
    char err[512];
    if (digest_run_freeze(&fx->cfg, fx->st, now, &rep, err, sizeof err) != 0)
        fail_msg("digest_run_freeze: %s", err);
    assert_int_equal(rep.frozen, 1);
    size_t attached = rep.attached;
    *nstories = rep.nstories;
    digest_run_report_free(&rep);
    return attached;
}

static struct digest build_kind(struct fixture *fx, const char *date,
                                enum digest_items kind,
                                struct digest_plan *plan)
{
    struct digest d;
    char err[256];
    if (digest_build_from(&fx->cfg, fx->st, date, NULL, kind, plan, &d, err,
                          sizeof err) != DIGEST_BUILD_OK)
        fail_msg("digest_build_from: %s", err);
    return d;
}

/* The items of the digest frozen for day. */
static struct store_digest_item *frozen_items(struct fixture *fx,
                                              const char *day, size_t *n)
{
    struct store_digest_select sel = { STORE_DIGEST_FROZEN, 0, 0, day };
    struct store_digest_item *items;
    assert_int_equal(store_digest_items_select(fx->st, &sel, 0, &items, n,
                                               NULL), 0);
    return items;
}

/* Day 1 lists story S (item A of feed a). On day 2 feed b re-posts it at
 * its own link under a retouched title, with an earlier date than A's (so
 * dedup would make the copy the representative), next to an unrelated
 * item C. Day 2 lists C only, the copy joins S, and day 1's digest read
 * again (a delivery retried) shows b as a second source. */
static void test_repost_joins_earlier_story(void **state)
{
    struct fixture *fx = *state;
    int64_t t1 = DAY_FROM - DAY + 9 * HOUR;     /* 2026-11-22 09:00 */
    put(fx, "a", "goc", TITLE_ORIG, NULL, t1 - HOUR, t1);
    size_t ns;
    assert_int_equal(run_freeze(fx, DAY_FROM - DAY + 20 * HOUR, &ns), 0);
    assert_int_equal(ns, 1);
    size_t n;
    struct store_digest_item *items = frozen_items(fx, "2026-11-22", &n);
    assert_int_equal(n, 1);
    int64_t story = items[0].story_id, orig = items[0].id;
    assert_string_equal(items[0].day, "2026-11-22");
    store_digest_items_free(items, n);

    int64_t t2 = DAY_FROM + 8 * HOUR;           /* 2026-11-23 08:00 */
    put(fx, "b", "ban-sao", TITLE_COPY, NULL, t1 - 3 * HOUR, t2);
    put(fx, "b", "khac", TITLE_OTHER, NULL, t2 - HOUR, t2 + 60);

    /* the preview shows what the run will freeze, and writes nothing */
    struct digest_plan plan;
    struct digest d = build_kind(fx, "2026-11-23", DIGEST_ITEMS_PENDING,
                                 &plan);
    assert_int_equal(count_stories(&d), 1);
    assert_string_equal(d.topics[0].stories[0].title, TITLE_OTHER);
    assert_int_equal(plan.nstories, 1);
    assert_int_equal(plan.nattached, 1);
    assert_true(plan.attached[0].story == story);
    int64_t copy = plan.attached[0].item;
    assert_true(copy != orig);
    digest_plan_free(&plan);
    digest_free(&d);
    d = build_kind(fx, "2026-11-23", DIGEST_ITEMS_PENDING, NULL);
    assert_int_equal(count_stories(&d), 1);
    digest_free(&d);
    items = frozen_items(fx, "2026-11-22", &n);
    assert_int_equal(n, 1);
    store_digest_items_free(items, n);

    assert_int_equal(run_freeze(fx, DAY_FROM + 20 * HOUR, &ns), 1);
    assert_int_equal(ns, 1);
    d = build_kind(fx, "2026-11-23", DIGEST_ITEMS_FROZEN, NULL);
    assert_int_equal(count_stories(&d), 1);
    assert_string_equal(d.topics[0].stories[0].title, TITLE_OTHER);
    digest_free(&d);
    items = frozen_items(fx, "2026-11-23", &n);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].title, TITLE_OTHER);
    store_digest_items_free(items, n);

    /* the copy is in day 1's digest through S, not its lead */
    items = frozen_items(fx, "2026-11-22", &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_true(items[i].story_id == story);
        assert_int_equal(items[i].lead, items[i].id == orig);
        assert_true(items[i].id == orig || items[i].id == copy);
    }
    store_digest_items_free(items, n);
    d = build_kind(fx, "2026-11-22", DIGEST_ITEMS_FROZEN, NULL);
    assert_int_equal(count_stories(&d), 1);
    const struct digest_story *st = &d.topics[0].stories[0];
    assert_string_equal(st->title, TITLE_ORIG);
    assert_string_equal(st->link, "https://a.example/goc.html");
    assert_int_equal(st->nsources, 2);
    assert_string_equal(st->sources[0].feed, "a");
    assert_string_equal(st->sources[1].feed, "b");
    assert_string_equal(st->sources[1].link, "https://b.example/ban-sao.html");
    assert_string_equal(st->sources[1].title, TITLE_COPY);
    digest_free(&d);

    /* nothing is left pending: the next day has nothing to list */
    d = build_kind(fx, "2026-11-24", DIGEST_ITEMS_PENDING, &plan);
    assert_int_equal(count_stories(&d), 0);
    assert_int_equal(plan.nattached, 0);
    digest_plan_free(&plan);
    digest_free(&d);
}

/* A story sent longer ago than the dedup window: its digest's day starts
 * more than DEDUP_WINDOW before today's, so a copy is today's own story
 * even when the two items' dates are less than the window apart. */
static void test_repost_after_the_window_is_listed(void **state)
{
    struct fixture *fx = *state;
    /* 2026-11-20 23:00 local, frozen that day (3 days before the 23rd) */
    int64_t t0 = DAY_FROM - 3 * DAY + 23 * HOUR;
    put(fx, "a", "goc", TITLE_ORIG, NULL, t0 - 30 * 60, t0);
    size_t ns;
    assert_int_equal(run_freeze(fx, t0 + 30 * 60, &ns), 0);
    assert_int_equal(ns, 1);
    /* published 2026-11-22 21:00 (46 h after the original), stored on the
     * 23rd at 01:00 */
    int64_t t2 = DAY_FROM + HOUR;
    put(fx, "b", "ban-sao", TITLE_COPY, NULL, DAY_FROM - 3 * HOUR, t2);
    assert_int_equal(run_freeze(fx, DAY_FROM + 20 * HOUR, &ns), 0);
    assert_int_equal(ns, 1);
    struct digest d = build_kind(fx, "2026-11-23", DIGEST_ITEMS_FROZEN, NULL);
    assert_int_equal(count_stories(&d), 1);
    assert_string_equal(d.topics[0].stories[0].title, TITLE_COPY);
    assert_int_equal(d.topics[0].stories[0].nsources, 1);
    digest_free(&d);
    d = build_kind(fx, "2026-11-20", DIGEST_ITEMS_FROZEN, NULL);
    assert_int_equal(d.topics[0].stories[0].nsources, 1);
    digest_free(&d);
}

/* A copy that matches two stories sent on two earlier days (its title
 * the first's, its text the second's, which did not match each other)
 * joins the earlier one; neither earlier list changes. */
static void test_repost_of_two_stories_joins_the_earliest(void **state)
{
    struct fixture *fx = *state;
    const char *body =
        "Sáng nay, Ban Dân vận Tỉnh ủy phối hợp với Ủy ban Mặt trận Tổ quốc "
        "tỉnh tổ chức hội nghị đối thoại với đồng bào các dân tộc thiểu số "
        "về chính sách hỗ trợ sinh kế, giải đáp kiến nghị của bà con.";
    int64_t t1 = DAY_FROM - 2 * DAY + 22 * HOUR;    /* 2026-11-21 22:00 */
    put(fx, "a", "mot", TITLE_ORIG, "Tin về hợp tác nghiên cứu.", t1 - HOUR,
        t1);
    size_t ns;
    assert_int_equal(run_freeze(fx, t1 + HOUR, &ns), 0);
    int64_t t2 = DAY_FROM - DAY + 10 * HOUR;        /* 2026-11-22 10:00 */
    put(fx, "a", "hai", "Đối thoại với đồng bào dân tộc thiểu số về sinh kế",
        body, t2 - HOUR, t2);
    assert_int_equal(run_freeze(fx, t2 + HOUR, &ns), 0);
    assert_int_equal(ns, 1);
    size_t n;
    struct store_digest_item *items = frozen_items(fx, "2026-11-21", &n);
    assert_int_equal(n, 1);
    int64_t first = items[0].story_id;
    store_digest_items_free(items, n);

    int64_t t3 = DAY_FROM + 6 * HOUR;               /* 2026-11-23 06:00 */
    put(fx, "b", "ca-hai", TITLE_COPY, body, t3 - HOUR, t3);
    struct digest_plan plan;
    struct digest d = build_kind(fx, "2026-11-23", DIGEST_ITEMS_PENDING,
                                 &plan);
    assert_int_equal(count_stories(&d), 0);
    assert_int_equal(plan.nattached, 1);
    assert_true(plan.attached[0].story == first);
    digest_plan_free(&plan);
    digest_free(&d);
    assert_int_equal(run_freeze(fx, DAY_FROM + 20 * HOUR, &ns), 1);
    assert_int_equal(ns, 0);
    items = frozen_items(fx, "2026-11-21", &n);
    assert_int_equal(n, 2);
    store_digest_items_free(items, n);
    items = frozen_items(fx, "2026-11-22", &n);
    assert_int_equal(n, 1);
    assert_true(items[0].story_id != first);
    store_digest_items_free(items, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_window),
        cmocka_unit_test(test_today),
        cmocka_unit_test(test_day_name),
        cmocka_unit_test(test_unsubscribe_url),
        cmocka_unit_test_setup_teardown(test_window_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_age_and_undated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_topics_and_subscribers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_source_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_repost_joins_earlier_story,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_repost_after_the_window_is_listed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_repost_of_two_stories_joins_the_earliest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
