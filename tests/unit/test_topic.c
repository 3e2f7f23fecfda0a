/* test_topic.c - unit tests of digest/topic.c: keyword rules on syllables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "digest/topic.h"

/* The built-in topics, as bantin reads them for a config without [topic]. */
static struct config cfg;
static struct topic_matcher *def;

static int setup(void **state)
{
    char path[] = "/tmp/bantin-test-topic-XXXXXX";
    const char *text = "[feed \"a\"]\nurl = https://example.vn/rss\n";
    struct config_diag diag;
    int fd = mkstemp(path);

    (void)state;
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return -1;
    close(fd);
    if (config_load(path, &cfg, &diag) != CONFIG_OK) {
        config_diag_print(&diag, stderr);
        return -1;
    }
    config_diag_release(&diag);
    unlink(path);
    if (!cfg.default_topics || cfg.ntopics != 12)
        return -1;
    def = topic_matcher_new(cfg.topics, cfg.ntopics);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    topic_matcher_free(def);
    config_release(&cfg);
    return 0;
}

/* The id of the topic the built-in rules give, or "-" for none. */
static const char *classify(const char *title, const char *summary,
                            double *score)
{
    int t = topic_classify(def, title, summary, score);

    assert_true(t >= -1 && t < (int)cfg.ntopics);
    return t < 0 ? "-" : cfg.topics[t].id;
}

static void check(const char *title, const char *want)
{
    const char *got = classify(title, NULL, NULL);

    if (strcmp(got, want) != 0)
        fail_msg("'%s':\n  got  %s\n  want %s", title, got, want);
}

/* ---- the 12 built-in topics, on real titles ---- */

static void test_default_topics(void **state)
{
    static const struct {
        const char *title, *id;
    } cases[] = {
        /* seeds/000, a sidebar of nghean.dcs.vn */
        { "Mô hình dân vận khéo về dạy tiếng Việt cho dân Lào ở vùng biên giới",
          "dan-van-kheo" },
        { "Sự lan tỏa của phong trào thi đua “Dân vận khéo” ở huyện Tương Dương",
          "dan-van-kheo" },
        { "Tuyên dương 50 gương điển hình tiên tiến trong học tập và làm theo Bác",
          "guong-dien-hinh" },
        { "Một số kết quả thực hiện Quy chế dân chủ ở cơ sở 6 tháng đầu năm 2020 ở Nghệ An",
          "quy-che-dan-chu" },
        { "Những chuyển biến tích cực về công tác dân vận chính quyền 6 tháng đầu năm 2020 ở Nghệ An",
          "dan-van-chinh-quyen" },
        { "Công an Quế Phong làm tốt công tác dân vận", "dan-van-chinh-quyen" },
        { "Gặp mặt chức sắc, chức việc các tôn giáo nhân dịp Lễ Giáng sinh",
          "ton-giao" },
        { "Phát huy vai trò người có uy tín trong đồng bào dân tộc thiểu số",
          "dan-toc" },
        { "Ủy ban MTTQ Việt Nam tỉnh tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
          "mat-tran-doan-the" },
        /* seeds/002 and 003 */
        { "Tổng kết công tác dân vận năm 2018", "hoi-nghi-tong-ket" },
        { "Hội nghị Trưởng Ban Dân vận toàn quốc triển khai nhiệm vụ công tác dân vận năm 2021",
          "hoi-nghi-tong-ket" },
        /* seeds/000 and 004 */
        { "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020", "tap-huan-boi-duong" },
        { "Huyện Thanh Trì: Khai mạc lớp tập huấn về công tác Dân vận",
          "tap-huan-boi-duong" },
        { "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh",
          "nong-thon-moi-an-sinh" },
        { "Ủng hộ đồng bào miền Trung khắc phục hậu quả mưa lũ",
          "phong-chong-thien-tai" },
        /* seeds/001: a workshop (event) about a subject: the subject wins */
        { "Hội thảo “Đổi mới công tác nắm tình hình Nhân dân, tham mưu và tham gia giải quyết các vấn đề phát sinh ở cơ sở”",
          "tinh-hinh-du-luan" },
    };
    int seen[12] = { 0 };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check(cases[i].title, cases[i].id);
        for (size_t t = 0; t < cfg.ntopics; t++)
            if (strcmp(cfg.topics[t].id, cases[i].id) == 0)
                seen[t] = 1;
    }
    for (size_t t = 0; t < 12; t++)
        if (!seen[t])
            fail_msg("no case for topic %s", cfg.topics[t].id);
}

/* Weighted score: "mô hình dân vận khéo" (5 syllables) in the title is 15;
 * "dân vận khéo" inside it does not count again; "biên giới" belongs to
 * another topic and does not add. */
static void test_score(void **state)
{
    double score = -1;

    (void)state;
    assert_string_equal(classify("Mô hình dân vận khéo về dạy tiếng Việt cho dân "
                                 "Lào ở vùng biên giới", NULL, &score),
                        "dan-van-kheo");
    assert_true(score == 15.0);
    /* The same words in the summary weigh a third. */
    assert_string_equal(classify("Tin ngắn", "Mô hình dân vận khéo ở xã", &score),
                        "dan-van-kheo");
    assert_true(score == 5.0);
}

/* ---- spelling ---- */

static void test_tone_styles(void **state)
{
    (void)state;
    /* Keywords are written in the old style; the new style matches. */
    check("Đại lễ của Phật giáo Hòa Hảo", "ton-giao");
    check("Đại lễ của Phật giáo Hoà Hảo", "ton-giao");
    check("Uỷ ban MTTQ Việt Nam tỉnh họp phiên thường kỳ", "mat-tran-doan-the");
    check("UỶ BAN MTTQ VIỆT NAM TỈNH HỌP PHIÊN THƯỜNG KỲ", "mat-tran-doan-the");
    check("Toạ đàm về công tác dân vận", "tap-huan-boi-duong");
    check("Tọa đàm về công tác dân vận", "tap-huan-boi-duong");
    check("Xoá nhà tạm, nhà dột nát cho hộ nghèo", "nong-thon-moi-an-sinh");
    /* NFD (base letter + combining marks), as some editors write. */
    check("Pha\xcc\xa3\xcc\x82t gia\xcc\x81o Ho\xcc\x80" "a Ha\xcc\x89" "o",
          "ton-giao");
    /* Punctuation inside a keyword is not required in the text. */
    check("Tăng cường phòng chống dịch tại khu dân cư", "phong-chong-thien-tai");
}

/* Whole syllables only: "lũ" is not inside "lũy", "bão" is not "bảo". */
static void test_syllable_boundaries(void **state)
{
    double score = -1;

    (void)state;
    assert_string_equal(classify("Lũy tre làng và bảo tàng", NULL, &score), "-");
    assert_true(score == 0.0);
    check("Cơn bão số 9 đổ bộ", "phong-chong-thien-tai");
}

/* ---- event types ---- */

static void test_event_and_subject(void **state)
{
    (void)state;
    /* A conference about religion work is religion work... */
    check("Hội nghị tổng kết công tác tôn giáo năm 2020", "ton-giao");
    check("Tập huấn nghiệp vụ công tác tôn giáo cho cán bộ cơ sở", "ton-giao");
    /* ...even when the event words weigh more than the subject's. */
    check("Hội nghị sơ kết, tổng kết, giao ban, quán triệt về công tác dân tộc thiểu số",
          "dan-toc");
    /* A conference about dân vận in general is a conference. */
    check("Hội nghị tổng kết công tác dân vận năm 2020", "hoi-nghi-tong-ket");
    /* The event in the title beats a subject named only in the summary. */
    assert_string_equal(classify("Hội nghị tổng kết năm 2020",
                                 "Hội nghị đánh giá công tác tôn giáo, tín "
                                 "ngưỡng trên địa bàn.", NULL),
                        "hoi-nghi-tong-ket");
    /* With no title hit at all, the subject of the summary wins. */
    assert_string_equal(classify("Một năm nhìn lại",
                                 "Hội nghị đánh giá công tác tôn giáo.", NULL),
                        "ton-giao");
    assert_string_equal(classify("Một năm nhìn lại",
                                 "Hội nghị đánh giá kết quả năm qua.", NULL),
                        "hoi-nghi-tong-ket");
}

/* The event flag can be set per topic. */
static void test_set_event(void **state)
{
    struct topic_matcher *m = topic_matcher_new(cfg.topics, cfg.ntopics);
    size_t ton_giao = 4, hoi_nghi = 7;

    (void)state;
    assert_string_equal(cfg.topics[ton_giao].id, "ton-giao");
    assert_string_equal(cfg.topics[hoi_nghi].id, "hoi-nghi-tong-ket");
    /* "hội nghị tổng kết": 2 + 2 syllables; "tôn giáo": 2. */
    assert_int_equal(topic_classify(m, "Hội nghị tổng kết công tác tôn giáo",
                                    NULL, NULL), (int)ton_giao);
    topic_matcher_set_event(m, hoi_nghi, 0);
    assert_int_equal(topic_classify(m, "Hội nghị tổng kết công tác tôn giáo",
                                    NULL, NULL), (int)hoi_nghi);
    topic_matcher_free(m);
}

/* ---- custom topics ---- */

#define TOPIC_EX(id, kws, excl)                                             \
    { (char *)(id), (char *)(id), (char **)(kws),                           \
      sizeof(kws) / sizeof(char *), (char **)(excl),                        \
      sizeof(excl) / sizeof(char *), 0 }
#define TOPIC(id, kws)                                                      \
    { (char *)(id), (char *)(id), (char **)(kws),                           \
      sizeof(kws) / sizeof(char *), NULL, 0, 0 }

static const char *const kw_storm[] = { "bão", "lũ" };
static const char *const ex_storm[] = { "bão giá" };
static const char *const kw_price[] = { "giá cả", "thị trường" };

static void test_exclude_veto(void **state)
{
    struct config_topic topics[] = {
        TOPIC_EX("thien-tai", kw_storm, ex_storm),
        TOPIC("gia-ca", kw_price),
    };
    struct topic_matcher *m = topic_matcher_new(topics, 2);
    double score = -1;

    (void)state;
    assert_int_equal(topic_classify(m, "Bão số 9 gây lũ ở miền Trung", NULL, &score), 0);
    assert_true(score == 6.0);
    /* "bão giá" (a price storm) vetoes the weather topic... */
    assert_int_equal(topic_classify(m, "Chống bão giá trên thị trường dịp Tết",
                                    NULL, NULL), 1);
    /* ...also from the summary, and leaves nothing when no other matches. */
    assert_int_equal(topic_classify(m, "Bão và lũ", "Chuyện bão giá.", &score), -1);
    assert_true(score == 0.0);
    topic_matcher_free(m);
}

static const char *const kw_dan_toc[] = { "dân tộc" };
static const char *const kw_doan_ket[] = { "đại đoàn kết dân tộc" };

/* A keyword inside a longer keyword of another topic yields to it. */
static void test_longer_keyword_wins(void **state)
{
    struct config_topic topics[] = {
        TOPIC("dan-toc", kw_dan_toc),
        TOPIC("mat-tran", kw_doan_ket),
    };
    struct topic_matcher *m = topic_matcher_new(topics, 2);
    double score = -1;

    (void)state;
    /* "đại đoàn kết dân tộc" weighs 5 x 3 = 15; the two other "dân tộc"
     * 12. Counting the one inside it too would give the first topic 18. */
    assert_int_equal(topic_classify(m, "Khối đại đoàn kết dân tộc, bản sắc dân tộc "
                                    "và văn hóa dân tộc", NULL, &score), 1);
    assert_true(score == 15.0);
    /* Alone, "dân tộc" still counts. */
    assert_int_equal(topic_classify(m, "Bản sắc văn hóa dân tộc", NULL, &score), 0);
    assert_true(score == 6.0);
    topic_matcher_free(m);
}

static const char *const kw_ton_giao[] = { "tôn giáo" };
static const char *const kw_mien_nui[] = { "miền núi" };

static void test_title_weight(void **state)
{
    struct config_topic topics[] = {
        TOPIC("ton-giao", kw_ton_giao),
        TOPIC("mien-nui", kw_mien_nui),
    };
    struct topic_matcher *m = topic_matcher_new(topics, 2);
    double score = -1;

    (void)state;
    /* Title 2 x 3 = 6 beats the summary's 2 x 2 = 4. */
    assert_int_equal(topic_classify(m, "Công tác tôn giáo năm 2021",
                                    "Vùng miền núi, xã miền núi.", &score), 0);
    assert_true(score == 6.0);
    /* The summary wins only with more than three times the weight. */
    assert_int_equal(topic_classify(m, "Công tác tôn giáo năm 2021",
                                    "Miền núi, miền núi, miền núi, miền núi.",
                                    &score), 1);
    assert_true(score == 8.0);
    topic_matcher_free(m);
}

/* Equal scores: the topic listed first. */
static void test_tie_config_order(void **state)
{
    struct config_topic ab[] = {
        TOPIC("ton-giao", kw_ton_giao),
        TOPIC("mien-nui", kw_mien_nui),
    };
    struct config_topic ba[] = {
        TOPIC("mien-nui", kw_mien_nui),
        TOPIC("ton-giao", kw_ton_giao),
    };
    struct topic_matcher *m1 = topic_matcher_new(ab, 2);
    struct topic_matcher *m2 = topic_matcher_new(ba, 2);
    const char *title = "Tôn giáo ở miền núi";

    (void)state;
    assert_int_equal(topic_classify(m1, title, NULL, NULL), 0);
    assert_int_equal(topic_classify(m2, title, NULL, NULL), 0);
    assert_string_equal(ba[topic_classify(m2, title, NULL, NULL)].id, "mien-nui");
    topic_matcher_free(m1);
    topic_matcher_free(m2);
}

static void test_no_match(void **state)
{
    double score = -1;
    struct topic_matcher *empty = topic_matcher_new(NULL, 0);

    (void)state;
    assert_string_equal(classify("Thời tiết hôm nay nắng đẹp",
                                 "Nhiệt độ cao nhất 30 độ.", &score), "-");
    assert_true(score == 0.0);
    assert_string_equal(classify(NULL, NULL, &score), "-");
    assert_string_equal(classify("", "", NULL), "-");
    assert_string_equal(classify("!!! ... ---", NULL, NULL), "-");
    assert_int_equal(topic_classify(empty, "Công tác tôn giáo", NULL, &score), -1);
    topic_matcher_free(empty);
}

/* Repeated and punctuation-only keywords do not count twice or at all. */
static const char *const kw_repeat[] = { "tôn giáo", "Tôn giáo", "tôn  giáo", "--" };

static void test_repeated_keywords(void **state)
{
    struct config_topic topics[] = { TOPIC("ton-giao", kw_repeat) };
    struct topic_matcher *m = topic_matcher_new(topics, 1);
    double score = -1;

    (void)state;
    assert_int_equal(topic_classify(m, "Công tác tôn giáo -- năm 2021", NULL, &score), 0);
    assert_true(score == 6.0);
    topic_matcher_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_topics),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_tone_styles),
        cmocka_unit_test(test_syllable_boundaries),
        cmocka_unit_test(test_event_and_subject),
        cmocka_unit_test(test_set_event),
        cmocka_unit_test(test_exclude_veto),
        cmocka_unit_test(test_longer_keyword_wins),
        cmocka_unit_test(test_title_weight),
        cmocka_unit_test(test_tie_config_order),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_repeated_keywords),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
