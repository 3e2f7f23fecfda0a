/* test_dedup.c - unit tests of digest/dedup.c: items grouped into stories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "digest/dedup.h"
#include "util/limits.h"
#include "util/util.h"

#define HOUR 3600
#define DAY  (24 * HOUR)
#define T0   ((int64_t)1609372800)  /* 2020-12-31T00:00:00Z */

/* Article text from ../shared/seeds: 003 is the Danvan.vn story that
 * danvanhungyen.vn re-posted with "Nguồn: Danvan.vn"; 000 and 002 are two
 * other provincial stories of the same kind. */
static const char SEED003[] =
    "Nằm trong khuôn khổ Hội nghị tổng kết công tác dân vận, chiều 30/12, "
    "tại Hà Nội, Ban Dân vận Trung ương tổ chức Hội nghị Trưởng Ban Dân vận "
    "toàn quốc triển khai nhiệm vụ công tác dân vận năm 2021. Đồng chí "
    "Trương Thị Mai, Ủy viên Bộ Chính trị, Bí thư Trung ương Đảng, Trưởng "
    "Ban Dân vận Trung ương chủ trì Hội nghị.";
static const char SEED000[] =
    "Sáng 17/9/2020, Ban Dân vận Tỉnh ủy tổ chức lớp Bồi dưỡng nghiệp vụ "
    "công tác dân vận năm 2020 cho các cán bộ làm công tác dân vận các cấp, "
    "ngành từ tỉnh đến cơ sở. Tham dự hội nghị có đồng chí Nguyễn Xuân Sơn "
    "- Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh; các đồng chí Ủy "
    "viên Ban Thường vụ Tỉnh ủy.";
static const char SEED002[] =
    "LSO-Chiều nay (25/12), Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết "
    "công tác dân vận năm 2018, triển khai nhiệm vụ năm 2019. Trong năm "
    "2018, công tác dân vận có nhiều chuyển biến tích cực, cấp ủy, chính "
    "quyền các cấp tiếp tục quan tâm lãnh đạo, chỉ đạo thực hiện các nhiệm "
    "vụ, giải pháp công tác dân vận trong tình hình mới.";

/* The retouched title pair of the task, and the seed's own title. */
static const char TITLE_A[] =
    "Hội nghị Trưởng Ban Dân vận toàn quốc triển khai nhiệm vụ năm 2021";
static const char TITLE_B[] =
    "Triển khai nhiệm vụ công tác dân vận năm 2021 tại Hội nghị Trưởng Ban "
    "Dân vận toàn quốc";
static const char TITLE_SEED003[] =
    "Hội nghị Trưởng Ban Dân vận toàn quốc triển khai nhiệm vụ công tác dân "
    "vận năm 2021";

static struct dedup_item item(int64_t id, const char *feed, const char *title,
                              const char *link, const char *summary,
                              int64_t published)
{
    struct dedup_item it = { id, feed, title, link, summary, published,
                             published == TIME_NONE ? T0 : published };
    return it;
}

/* dedup_group plus the invariants every result must keep. */
static size_t group(const struct dedup_item *items, size_t n, size_t *story)
{
    size_t nstories = dedup_group(items, n, story), reps = 0;

    for (size_t i = 0; i < n; i++) {
        assert_true(story[i] < n);
        assert_int_equal(story[story[i]], story[i]);
        reps += story[i] == i;
    }
    assert_int_equal(reps, nstories);
    return nstories;
}

static void assert_near(double got, double want)
{
    if (got < want - 0.0005 || got > want + 0.0005)
        fail_msg("got %.4f, want %.4f", got, want);
}

/* ---- rule (a): links ---- */

static void test_same_link_two_feeds(void **state)
{
    struct dedup_item items[] = {
        item(1, "danvan-tw", "Hội nghị Trưởng Ban Dân vận toàn quốc",
             "https://danvan.vn/tin/hoi-nghi-2021.html?utm_source=rss&utm_medium=feed",
             NULL, T0),
        item(2, "hungyen", "Một tiêu đề khác hẳn",
             "HTTPS://Danvan.vn:443/tin/hoi-nghi-2021.html?utm_source=zalo#top",
             NULL, T0 + 9 * DAY),
        item(3, "nghean", "Hội nghị Trưởng Ban Dân vận toàn quốc năm nay",
             "https://danvan.vn/tin/hoi-nghi-2020.html", NULL, T0 + 12 * DAY),
    };
    size_t story[3];

    (void)state;
    /* One story across feeds, and across days: a link needs no window. */
    assert_int_equal(group(items, 3, story), 2);
    assert_int_equal(story[0], 0);
    assert_int_equal(story[1], 0);
    assert_int_equal(story[2], 2);
}

/* ---- rule (b): titles ---- */

static void test_retouched_title(void **state)
{
    struct dedup_item items[] = {
        item(1, "danvan-tw", TITLE_A, "https://danvan.vn/a", NULL, T0),
        item(2, "hungyen", TITLE_B, "https://danvanhungyen.vn/b", NULL, T0 + 20 * HOUR),
        item(3, "nghean", TITLE_SEED003, "https://nghean.dcs.vn/c", NULL, T0 + 30 * HOUR),
    };
    size_t story[3];

    (void)state;
    /* A: 14 syllables; B: 17 (A's plus "công", "tác", "tại"): 14/17. */
    assert_near(dedup_title_similarity(TITLE_A, TITLE_B), 14.0 / 17);
    /* The seed's own title has "công tác" too: 16/17. */
    assert_near(dedup_title_similarity(TITLE_SEED003, TITLE_B), 16.0 / 17);
    assert_near(dedup_title_similarity(TITLE_A, TITLE_SEED003), 14.0 / 16);
    assert_true(dedup_title_match(TITLE_A, TITLE_B));
    assert_int_equal(group(items, 3, story), 1);
    assert_int_equal(story[1], 0);
    assert_int_equal(story[2], 0);
}

/* VIETNAMESE.md 5: the same event from two outlets scores 0.72. */
static void test_vietnamese_md_example(void **state)
{
    const char *a = "OpenAI công bố thỏa thuận hợp tác nghiên cứu an toàn với "
                    "các trường đại học";
    const char *b = "OpenAI công bố thỏa thuận hợp tác an toàn cùng các trường "
                    "đại học lớn";

    (void)state;
    assert_near(dedup_title_similarity(a, b), 13.0 / 18);
    /* "với" for "cùng" is one word for another: not a second subject. */
    assert_true(dedup_title_match(a, b));
}

static void test_tone_and_nfd(void **state)
{
    const char *old = "Ban Dân vận Tỉnh ủy tổ chức Hội nghị tổng kết công tác năm 2020";
    const char *new = "Ban Dân vận Tỉnh uỷ tổ chức Hội nghị tổng kết công tác năm 2020";
    const char *nfd = "Ban Da\xcc\x82n va\xcc\xa3\xcc\x82n Ti\xcc\x89nh u\xcc\x89y "
                      "to\xcc\x82\xcc\x89 chu\xcc\x9b\xcc\x81" "c Ho\xcc\x82\xcc\xa3i "
                      "nghi\xcc\xa3 to\xcc\x82\xcc\x89ng ke\xcc\x82\xcc\x81t co\xcc\x82ng "
                      "ta\xcc\x81" "c na\xcc\x86m 2020";
    const char *upper = "BAN DÂN VẬN TỈNH ỦY TỔ CHỨC HỘI NGHỊ TỔNG KẾT CÔNG TÁC NĂM 2020";
    struct dedup_item items[] = {
        item(10, "a", old, "https://a.vn/1", NULL, T0),
        item(11, "b", new, "https://b.vn/1", NULL, T0 + HOUR),
        item(12, "c", nfd, "https://c.vn/1", NULL, T0 + 2 * HOUR),
        item(13, "d", upper, "https://d.vn/1", NULL, T0 + 3 * HOUR),
    };
    size_t story[4];

    (void)state;
    assert_true(strcmp(old, new) != 0 && strcmp(old, nfd) != 0);
    assert_true(dedup_title_similarity(old, new) == 1.0);
    assert_true(dedup_title_similarity(old, nfd) == 1.0);
    assert_true(dedup_title_similarity(new, upper) == 1.0);
    assert_int_equal(group(items, 4, story), 1);
}

static void test_republishing_marks(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "[Video] Hội nghị Trưởng Ban Dân vận toàn quốc",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Video: Lễ ra quân tình nguyện hè", "Lễ ra quân tình nguyện hè" },
        { "Ảnh: Lễ ra quân tình nguyện hè", "Lễ ra quân tình nguyện hè" },
        { "ẢNH: Lễ ra quân tình nguyện hè", "Lễ ra quân tình nguyện hè" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc (Nguồn: Danvan.vn)",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc [Theo TTXVN]",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc (Video)",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc - Báo Nghệ An",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc – Báo điện tử Đảng Cộng sản Việt Nam",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc - Cổng thông tin điện tử tỉnh Hưng Yên",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc - Danvan.vn",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc - Nguồn: Danvan.vn",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc | Ban Dân vận Tỉnh ủy Hưng Yên",
          "Hội nghị Trưởng Ban Dân vận toàn quốc" },
        { "[Video] Hội nghị toàn quốc (Nguồn: Danvan.vn) | Báo Nhân Dân",
          "Hội nghị toàn quốc" },
        { "  Hội nghị toàn quốc  ", "Hội nghị toàn quốc" },
        /* Left alone: these are part of the headline. */
        { "Huyện Thanh Trì: Khai mạc lớp tập huấn về công tác Dân vận",
          "Huyện Thanh Trì: Khai mạc lớp tập huấn về công tác Dân vận" },
        { "Phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số",
          "Phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số" },
        { "Tổng kết công tác năm 2020 - Báo cáo kết quả",
          "Tổng kết công tác năm 2020 - Báo cáo kết quả" },
        { "Phó Bí thư - Chủ tịch UBND tỉnh thăm gia đình chính sách",
          "Phó Bí thư - Chủ tịch UBND tỉnh thăm gia đình chính sách" },
        { "Tăng cường công tác dân vận (kỳ 2)", "Tăng cường công tác dân vận (kỳ 2)" },
        { "Theo dấu chân Bác", "Theo dấu chân Bác" },
        { "[Video]", "[Video]" },
        { "(Nguồn: Danvan.vn)", "(Nguồn: Danvan.vn)" },
        { "", "" },
    };
    char *s;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s = dedup_title_strip(cases[i].in);
        if (strcmp(s, cases[i].out) != 0)
            fail_msg("'%s':\n  got  '%s'\n  want '%s'", cases[i].in, s, cases[i].out);
        free(s);
    }
    s = dedup_title_strip(NULL);
    assert_string_equal(s, "");
    free(s);
}

/* A re-post whose title only gained republishing marks: without the
 * strip, 6 of 13 syllables (0.46) would keep the two apart. */
static void test_repost_source_mark(void **state)
{
    const char *orig = "Hội nghị Dân vận toàn quốc";
    const char *repost = "[Video] Hội nghị Dân vận toàn quốc (Nguồn: Danvan.vn) - Báo Hưng Yên";
    struct dedup_item items[] = {
        item(1, "danvan-tw", orig, "https://danvan.vn/x", NULL, T0),
        item(2, "hungyen", repost, "https://danvanhungyen.vn/y", NULL, T0 + 5 * HOUR),
    };
    size_t story[2];

    (void)state;
    assert_true(dedup_title_similarity(orig, repost) == 1.0);
    assert_int_equal(group(items, 2, story), 1);
}

static void test_window(void **state)
{
    struct dedup_item items[] = {
        item(1, "a", TITLE_A, "https://a.vn/1", NULL, T0),
        item(2, "b", TITLE_A, "https://b.vn/1", NULL, T0 + 5 * DAY),
        item(3, "c", TITLE_B, "https://c.vn/1", NULL, T0 + 5 * DAY + 47 * HOUR),
        /* No published time: its first_seen counts. */
        { 4, "d", TITLE_SEED003, "https://d.vn/1", NULL, TIME_NONE, T0 + HOUR },
        /* No time at all: only its link could group it. */
        { 5, "e", TITLE_A, "https://e.vn/1", NULL, TIME_NONE, TIME_NONE },
    };
    size_t story[5];

    (void)state;
    assert_int_equal(group(items, 5, story), 3);
    assert_int_equal(story[0], 0);
    assert_int_equal(story[3], 0);
    assert_int_equal(story[1], 1);      /* 5 days later: a new story */
    assert_int_equal(story[2], 1);      /* 47 h after that one */
    assert_int_equal(story[4], 4);
}

/* The same template about two subjects is two stories, although the
 * syllable sets overlap well past the threshold. */
static void test_generic_phrase(void **state)
{
    static const struct {
        const char *a, *b;
        double jaccard;
        int match;
    } cases[] = {
        /* 8 shared of 12: 0.67 >= 0.6, yet "dân vận" stands where "tôn
         * giáo" stands. */
        { "Hội nghị tổng kết công tác dân vận năm 2020",
          "Hội nghị tổng kết công tác tôn giáo năm 2020", 8.0 / 12, 0 },
        { "Hội nghị tổng kết công tác dân vận năm 2020",
          "Hội nghị tổng kết công tác Mặt trận năm 2020", 8.0 / 12, 0 },
        /* Two provinces: 15 of 19. */
        { "Ban Dân vận Tỉnh ủy Nghệ An tổ chức Hội nghị tổng kết công tác dân vận năm 2020",
          "Ban Dân vận Tỉnh uỷ Hà Tĩnh tổ chức Hội nghị tổng kết công tác dân vận năm 2020",
          15.0 / 19, 0 },
        { "Nghệ An: Hội nghị tổng kết công tác dân vận năm 2020",
          "Hà Tĩnh: Hội nghị tổng kết công tác dân vận năm 2020", 10.0 / 14, 0 },
        /* One proper name for another: 12 of 14. */
        { "Xã Tân Phú tổ chức Hội nghị tổng kết công tác dân vận",
          "Xã Tân Lập tổ chức Hội nghị tổng kết công tác dân vận", 12.0 / 14, 0 },
        /* "Phú" in both, at two places of the name: still two names. */
        { "Xã Tân Phú tổ chức Hội nghị tổng kết công tác dân vận",
          "Xã Phú Lộc tổ chức Hội nghị tổng kết công tác dân vận", 12.0 / 14, 0 },
        { "Công an Quế Phong làm tốt công tác dân vận",
          "Công an Quỳ Hợp làm tốt công tác dân vận", 7.0 / 11, 0 },
        /* Another number: another report. 10 of 12. */
        { "Sơ kết công tác dân vận 6 tháng đầu năm 2020",
          "Sơ kết công tác dân vận 9 tháng đầu năm 2020", 10.0 / 12, 0 },
        { "Hội nghị tổng kết công tác dân vận năm 2020",
          "Hội nghị tổng kết công tác dân vận năm 2021", 9.0 / 11, 0 },
        /* Only added words, at both ends: the same story. 10 of 15. */
        { "Nghệ An: Hội nghị tổng kết công tác dân vận năm 2020",
          "Hội nghị tổng kết công tác dân vận năm 2020 thành công tốt đẹp",
          10.0 / 15, 1 },
        { "Huyện Thanh Trì: Khai mạc lớp tập huấn về công tác Dân vận",
          "Khai mạc lớp tập huấn về công tác Dân vận", 10.0 / 13, 1 },
        /* Below the threshold anyway: 5 of 13. */
        { "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020",
          "Tổng kết công tác dân vận năm 2018", 5.0 / 13, 0 },
        /* Too short to say: 3 syllables each. */
        { "Tin vắn Nghệ", "Tin vắn Nghệ", 1.0, 0 },
    };
    struct dedup_item items[2];
    size_t story[2];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double j = dedup_title_similarity(cases[i].a, cases[i].b);
        if (j < cases[i].jaccard - 0.0005 || j > cases[i].jaccard + 0.0005)
            fail_msg("case %zu: Jaccard %.4f, want %.4f", i, j, cases[i].jaccard);
        if (dedup_title_match(cases[i].a, cases[i].b) != cases[i].match)
            fail_msg("case %zu: match %d, want %d", i, !cases[i].match, cases[i].match);
        assert_int_equal(dedup_title_match(cases[i].b, cases[i].a), cases[i].match);
        items[0] = item(1, "a", cases[i].a, "https://a.vn/1", NULL, T0);
        items[1] = item(2, "b", cases[i].b, "https://b.vn/1", NULL, T0 + HOUR);
        assert_int_equal(group(items, 2, story), cases[i].match ? 1 : 2);
    }
}

/* ---- rule (c): bodies ---- */

static void test_body_minhash(void **state)
{
    char *reposted = xasprintf("%s Nguồn: Danvan.vn", SEED003);
    /* The same text with a credit in front. */
    char *prefixed = xasprintf("(Danvan.vn) - %s", SEED003);
    const char *title_orig = TITLE_SEED003;
    const char *title_new = "Đẩy mạnh thực hiện quy chế dân chủ trong năm tới";
    struct dedup_item items[] = {
        item(1, "danvan-tw", title_orig, "https://danvan.vn/1", SEED003, T0),
        item(2, "hungyen", title_new, "https://danvanhungyen.vn/2", reposted, T0 + 10 * HOUR),
        item(3, "binhdinh", "Triển khai công tác năm 2021 của ngành", "https://x.vn/3",
             prefixed, T0 + 11 * HOUR),
        item(4, "nghean", "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020",
             "https://nghean.vn/4", SEED000, T0 + 2 * HOUR),
        item(5, "langson", "Tổng kết công tác dân vận năm 2018",
             "https://langson.vn/5", SEED002, T0 + 3 * HOUR),
        /* The re-post five days later is a new story. */
        item(6, "late", "Một bài đăng lại rất muộn về hội nghị",
             "https://late.vn/6", reposted, T0 + 5 * DAY),
    };
    size_t story[6];
    double s_repost = dedup_body_similarity(SEED003, reposted);
    double s_prefixed = dedup_body_similarity(SEED003, prefixed);
    double s_other = dedup_body_similarity(SEED003, SEED000);
    double s_other2 = dedup_body_similarity(SEED000, SEED002);

    (void)state;
    print_message("body MinHash: repost %.3f, prefixed %.3f, 003/000 %.3f, 000/002 %.3f\n",
                  s_repost, s_prefixed, s_other, s_other2);
    /* The titles alone would not group them. */
    assert_true(dedup_title_similarity(title_orig, title_new) < 0.3);
    assert_true(s_repost >= 0.7);
    assert_true(s_prefixed >= 0.7);
    assert_true(s_other < 0.2);
    assert_true(s_other2 < 0.2);
    assert_true(dedup_body_similarity(SEED003, SEED003) == 1.0);
    assert_true(dedup_body_similarity("một hai ba", SEED003) == -1);

    assert_int_equal(group(items, 6, story), 4);
    assert_int_equal(story[1], 0);
    assert_int_equal(story[2], 0);
    assert_int_equal(story[3], 3);
    assert_int_equal(story[4], 4);
    assert_int_equal(story[5], 5);
    free(reposted);
    free(prefixed);
}

/* Short summaries say too little: identical 10-syllable ones do not
 * group stories with different titles. */
static void test_body_too_short(void **state)
{
    const char *s = "Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết năm 2020";
    struct dedup_item items[] = {
        item(1, "a", "Thăm hỏi gia đình chính sách dịp Tết", "https://a.vn/1", s, T0),
        item(2, "b", "Ra mắt mô hình dân vận khéo ở xã miền núi", "https://b.vn/2", s, T0),
    };
    size_t story[2];

    (void)state;
    assert_true(dedup_body_similarity(s, s) == 1.0);
    assert_int_equal(group(items, 2, story), 2);
}

/* ---- representatives ---- */

static void test_representative(void **state)
{
    const char *link = "https://danvan.vn/tin/1";
    struct dedup_item items[] = {
        { 9, "a", "x", link, NULL, T0 + 2 * HOUR, T0 + 2 * HOUR },
        { 7, "b", "x", link, NULL, T0 + HOUR, T0 + 3 * HOUR },
        { 3, "c", "x", link, NULL, T0 + HOUR, T0 + 5 * HOUR },     /* same time, smaller id */
        { 1, "d", "x", link, NULL, TIME_NONE, TIME_NONE },          /* unknown time: last */
    };
    struct dedup_item seen[] = {
        { 4, "a", "x", link, NULL, T0 + 2 * HOUR, T0 + 2 * HOUR },
        { 5, "b", "x", link, NULL, TIME_NONE, T0 + HOUR },          /* first seen earlier */
    };
    size_t story[4];

    (void)state;
    assert_int_equal(group(items, 4, story), 1);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(story[i], 2);
    assert_int_equal(group(seen, 2, story), 1);
    assert_int_equal(story[0], 1);
    assert_int_equal(dedup_group(NULL, 0, NULL), 0);
}

/* ---- synthetic runs ---- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

struct sbuf {
    char *p;
    size_t n, cap;
};

/* 20 x 24 x 6 = 2 880 Vietnamese-looking syllables, tone marks included;
 * capitalized (a proper name) when cap is set. */
static void syllable(struct sbuf *b, uint32_t k, int cap)
{
    static const char *const lower[] = { "b", "c", "d", "đ", "g", "h", "k", "l", "m",
                                          "n", "ng", "nh", "ph", "qu", "s", "t", "th",
                                          "tr", "v", "x" };
    static const char *const upper[] = { "B", "C", "D", "Đ", "G", "H", "K", "L", "M",
                                          "N", "Ng", "Nh", "Ph", "Qu", "S", "T", "Th",
                                          "Tr", "V", "X" };
    const char *const *on = cap ? upper : lower;
    static const char *const v[] = { "a", "á", "à", "ả", "ã", "ạ", "ă", "ắ", "â", "ấ", "e",
                                     "é", "ê", "ế", "i", "í", "o", "ó", "ô", "ố", "ơ", "ớ",
                                     "u", "ư" };
    static const char *const co[] = { "", "n", "m", "c", "t", "ng" };
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%s%s%s%s", b->n ? " " : "", on[k % 20],
                       v[(k / 20) % 24], co[(k / 480) % 6]);

    if (b->n + (size_t)len + 1 > b->cap) {
        b->cap = (b->n + (size_t)len + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, tmp, (size_t)len + 1);
    b->n += (size_t)len;
}

static char *words(size_t n)
{
    struct sbuf b = { NULL, 0, 0 };

    for (size_t i = 0; i < n; i++)
        syllable(&b, rng() % 2880, 0);
    return b.p;
}

/* nstories stories of two items each, one pair per rule:
 *   k % 4 == 0: same link (another utm), unrelated title, no summary;
 *   k % 4 == 1: a place added to the title, another link;
 *   k % 4 == 2: unrelated title, the same body plus "Nguồn: Danvan.vn";
 *   k % 4 == 3: the same title 12 h later, another link.
 * Items 2k and 2k+1 are story k; its first copy is the earlier. */
struct synth {
    struct dedup_item *items;
    char **strings;
    size_t n, nstrings;
};

static char *keep(struct synth *s, char *str)
{
    s->strings[s->nstrings++] = str;
    return str;
}

static void synth_make(struct synth *s, size_t nstories)
{
    s->n = 2 * nstories;
    s->items = xcalloc(s->n, sizeof *s->items);
    s->strings = xcalloc(8 * nstories, sizeof *s->strings);
    s->nstrings = 0;
    rng_state = 42;
    for (size_t k = 0; k < nstories; k++) {
        struct dedup_item *a = &s->items[2 * k], *b = &s->items[2 * k + 1];
        int64_t t = T0 + (int64_t)k * 300;
        char *title = keep(s, words(8 + rng() % 5));
        char *body = keep(s, words(40));

        *a = (struct dedup_item){ (int64_t)(2 * k + 1), "a", title,
                                  keep(s, xasprintf("https://a.vn/tin/%zu.html?utm_source=rss", k)),
                                  body, t, t };
        *b = (struct dedup_item){ (int64_t)(2 * k + 2), "b", NULL, NULL, NULL,
                                  t + 12 * HOUR, t + 12 * HOUR };
        switch (k % 4) {
        case 0:
            b->title = keep(s, words(10));
            b->link = keep(s, xasprintf("https://a.vn/tin/%zu.html?utm_source=zalo", k));
            break;
        case 1:
            b->title = keep(s, xasprintf("Huyện %s: %s", keep(s, words(2)), title));
            b->link = keep(s, xasprintf("https://b.vn/%zu", k));
            break;
        case 2:
            b->title = keep(s, words(10));
            b->summary = keep(s, xasprintf("%s Nguồn: Danvan.vn", body));
            b->link = keep(s, xasprintf("https://b.vn/%zu", k));
            break;
        default:
            b->title = title;
            b->link = keep(s, xasprintf("https://b.vn/%zu", k));
            break;
        }
    }
}

static void synth_free(struct synth *s)
{
    for (size_t i = 0; i < s->nstrings; i++)
        free(s->strings[i]);
    free(s->strings);
    free(s->items);
}

static void test_twenty_thousand(void **state)
{
    struct synth s;
    size_t *story, missed = 0;
    struct timespec t0, t1;

    (void)state;
    synth_make(&s, 10000);
    story = xmalloc(s.n * sizeof *story);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(group(s.items, s.n, story), 10000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Shown, not asserted: the sanitizers and the machine set the time. */
    print_message("20 000 items: %.3f s\n", (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    for (size_t k = 0; k < 10000; k++) {
        missed += story[2 * k] != 2 * k;
        missed += story[2 * k + 1] != 2 * k;
    }
    assert_int_equal(missed, 0);
    free(story);
    synth_free(&s);
}

/* One template posted by 3 000 communes in two days: each title differs
 * in the commune's name only (names often share a syllable, as "Tân Phú"
 * and "Tân Lập" do), so no two group, and the work stays bounded by
 * LIMIT_DEDUP_SCAN though every pair passes the Jaccard threshold. Then
 * 3 000 copies of one title: one story. */
static void test_flood(void **state)
{
    enum { N = 3000 };
    struct dedup_item *items = xcalloc(N, sizeof *items);
    char **titles = xcalloc(N, sizeof *titles), **links = xcalloc(N, sizeof *links);
    size_t *story = xmalloc(N * sizeof *story);

    (void)state;
    rng_state = 99;
    for (size_t i = 0; i < N; i++) {
        /* Two capitalized syllables, from disjoint halves: no "Tân Tân",
         * no "Phú Tân" against "Tân Phú" (those would read as one name). */
        struct sbuf name = { NULL, 0, 0 };
        syllable(&name, rng() % 1440, 1);
        syllable(&name, 1440 + rng() % 1440, 1);
        titles[i] = xasprintf("Xã %s tổ chức Hội nghị tổng kết công tác dân vận năm 2020",
                              name.p);
        free(name.p);
        links[i] = xasprintf("https://xa%zu.vn/tin/1", i);
        items[i] = item((int64_t)i + 1, "x", titles[i], links[i], NULL,
                        T0 + (int64_t)(i * 40));
    }
    /* Names drawn at random may repeat; count the distinct ones. */
    size_t distinct = 0;
    for (size_t i = 0; i < N; i++) {
        size_t j;
        for (j = 0; j < i && strcmp(titles[j], titles[i]) != 0; j++)
            ;
        distinct += j == i;
    }
    assert_true(distinct > N - 10);
    assert_int_equal(group(items, N, story), distinct);

    for (size_t i = 0; i < N; i++)
        items[i].title = titles[0];
    assert_int_equal(group(items, N, story), 1);
    for (size_t i = 0; i < N; i++) {
        free(titles[i]);
        free(links[i]);
    }
    free(titles);
    free(links);
    free(items);
    free(story);
}

/* The grouping depends on the items, not their order, and not on a run. */
static void test_determinism(void **state)
{
    struct synth s;
    size_t n, *s1, *s2, *s3, *perm;
    struct dedup_item *shuffled;

    (void)state;
    synth_make(&s, 400);
    n = s.n;
    /* Crowd the window: every item within 48 h, so caps and ties matter. */
    for (size_t i = 0; i < n; i++) {
        s.items[i].published = T0 + (int64_t)(i % 7) * HOUR;
        s.items[i].first_seen = s.items[i].published;
    }
    s1 = xmalloc(n * sizeof *s1);
    s2 = xmalloc(n * sizeof *s2);
    s3 = xmalloc(n * sizeof *s3);
    perm = xmalloc(n * sizeof *perm);
    shuffled = xmalloc(n * sizeof *shuffled);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    rng_state = 7;
    for (size_t i = n; i > 1; i--) {
        size_t j = rng() % i, t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        shuffled[i] = s.items[perm[i]];

    size_t c1 = group(s.items, n, s1);
    size_t c2 = group(s.items, n, s2);
    size_t c3 = group(shuffled, n, s3);
    assert_int_equal(c1, c2);
    assert_int_equal(c1, c3);
    assert_memory_equal(s1, s2, n * sizeof *s1);
    /* Same representative, by id, for every item. */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s.items[s1[perm[i]]].id, shuffled[s3[i]].id);
    free(s1);
    free(s2);
    free(s3);
    free(perm);
    free(shuffled);
    synth_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_link_two_feeds),
        cmocka_unit_test(test_retouched_title),
        cmocka_unit_test(test_vietnamese_md_example),
        cmocka_unit_test(test_tone_and_nfd),
        cmocka_unit_test(test_republishing_marks),
        cmocka_unit_test(test_repost_source_mark),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_generic_phrase),
        cmocka_unit_test(test_body_minhash),
        cmocka_unit_test(test_body_too_short),
        cmocka_unit_test(test_representative),
        cmocka_unit_test(test_twenty_thousand),
        cmocka_unit_test(test_flood),
        cmocka_unit_test(test_determinism),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
