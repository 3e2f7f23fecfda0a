/* test_render.c - unit tests of digest/render.c: text, HTML and JSON of a digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <utf8proc.h>

#include "digest/digest.h"
#include "digest/render.h"
#include "util/util.h"

/* Run from the repository root, as scripts/run-tests does. Set
 * BANTIN_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate
 * change of layout, then read the diff. */
#define DATA "tests/data/render/"

/* 2022-09-15 03:22:00 UTC = 10:22 in Vietnam. */
#define T_A ((int64_t)1663212120)
/* 2026-11-23 06:30:00 UTC = 13:30 in Vietnam. */
#define T_C ((int64_t)1795415400)
/* 2026-11-23 23:05:00 UTC = 06:05 on the 24th in Vietnam. */
#define T_GEN ((int64_t)1795475100)

#define SUMMARY_A                                                              \
    "Sáng 15/9, Ban Dân vận Tỉnh ủy Nghệ An tổ chức hội nghị sơ kết 5 năm "  \
    "thực hiện phong trào thi đua \"Dân vận khéo\" giai đoạn 2017-2022. Các "  \
    "đại biểu đánh giá phong trào đã lan tỏa sâu rộng, gắn với việc thực hiện " \
    "Quy chế dân chủ ở cơ sở, xây dựng nông thôn mới và đô thị văn minh; "      \
    "nhiều mô hình hay, cách làm sáng tạo được nhân rộng trong toàn tỉnh."

/* ---- building digests ---- */

static char *dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static struct digest_topic *add_topic(struct digest *d, const char *id,
                                      const char *title)
{
    d->topics = xrealloc(d->topics, (d->ntopics + 1) * sizeof *d->topics);
    struct digest_topic *tp = &d->topics[d->ntopics++];
    memset(tp, 0, sizeof *tp);
    tp->id = dup(id);
    tp->title = dup(title);
    return tp;
}

static struct digest_story *add_story(struct digest_topic *tp, const char *title,
                                      const char *link, int64_t published,
                                      const char *summary)
{
    tp->stories = xrealloc(tp->stories, (tp->nstories + 1) * sizeof *tp->stories);
    struct digest_story *st = &tp->stories[tp->nstories++];
    memset(st, 0, sizeof *st);
    st->title = dup(title);
    st->link = dup(link);
    st->published = published;
    st->summary = dup(summary);
    return st;
}

static void add_source(struct digest_story *st, const char *feed,
                       const char *feed_title, const char *title, const char *link)
{
    st->sources = xrealloc(st->sources, (st->nsources + 1) * sizeof *st->sources);
    struct digest_source *s = &st->sources[st->nsources++];
    s->feed = dup(feed);
    s->feed_title = dup(feed_title);
    s->title = dup(title);
    s->link = dup(link);
}

static void set_date(struct digest *d, const char *date)
{
    memset(d->date, 0, sizeof d->date);
    memcpy(d->date, date, strlen(date) < 10 ? strlen(date) : 10);
}

/* Two topics; a story with three sources (one without a feed title, one
 * with the story's own link), a story without link or time, a story
 * without summary. */
static void fixture(struct digest *d)
{
    memset(d, 0, sizeof *d);
    set_date(d, "2026-11-23");
    d->title = dup("Bản tin Dân vận");
    struct digest_topic *t1 = add_topic(d, "dan-van-kheo", "Dân vận khéo");
    struct digest_story *a = add_story(t1, "Nghệ An sơ kết 5 năm phong trào thi đua \"Dân vận khéo\"",
                                       "https://danvan.vn/tin/nghe-an-so-ket-1",
                                       T_A, SUMMARY_A);
    add_source(a, "danvan-tw", "Ban Dân vận Trung ương",
               "Nghệ An sơ kết 5 năm phong trào thi đua \"Dân vận khéo\"",
               "https://danvan.vn/tin/nghe-an-so-ket-1");
    add_source(a, "nghean", "Ban Dân vận Tỉnh ủy Nghệ An",
               "Sơ kết 5 năm phong trào \"Dân vận khéo\"",
               "https://dvnghean.vn/tin/so-ket-dan-van-kheo");
    add_source(a, "bao-a", NULL, "Nghệ An: sơ kết Dân vận khéo",
               "https://baoa.vn/a/123");
    struct digest_story *b = add_story(t1, "Hội nghị giao ban công tác dân vận quý III",
                                       NULL, TIME_NONE, "Tóm tắt ngắn.");
    add_source(b, "hatinh", "Ban Dân vận Tỉnh ủy Hà Tĩnh",
               "Hội nghị giao ban công tác dân vận quý III", NULL);
    struct digest_topic *t2 = add_topic(d, "quy-che-dan-chu", "Quy chế dân chủ ở cơ sở");
    struct digest_story *c = add_story(t2, "Thực hiện Luật Thực hiện dân chủ ở cơ sở",
                                       "http://dvtinh.example.vn/c", T_C, NULL);
    add_source(c, "dvtinh", "Ban Dân vận Tỉnh ủy", "Thực hiện Luật Thực hiện dân chủ ở cơ sở",
               "http://dvtinh.example.vn/c");
}

static void empty_digest(struct digest *d, const char *date)
{
    memset(d, 0, sizeof *d);
    set_date(d, date);
    d->title = dup("Bản tin Dân vận");
}

/* ---- checks on any output ---- */

static void assert_valid_utf8(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                              (utf8proc_ssize_t)n, &cp);
        assert_true(k > 0);
        s += k;
        n -= (size_t)k;
    }
}

/* No C0 control but the newline, no DEL, no C1, no CR, no line or
 * paragraph separator, no bidi override. */
static void assert_no_controls(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20)
            assert_int_equal(*p, '\n');
        assert_int_not_equal(*p, 0x7f);
        if (p[0] == 0xc2)
            assert_false(p[1] >= 0x80 && p[1] <= 0x9f);
    }
    assert_null(strstr(s, "\xe2\x80\xa8"));  /* U+2028 */
    assert_null(strstr(s, "\xe2\x80\xae"));  /* U+202E RLO */
    assert_null(strstr(s, "\xe2\x81\xa6"));  /* U+2066 LRI */
}

/* Columns on a monospace screen: for NFC Vietnamese the number of code
 * points; a combining mark takes none, a CJK character two. */
static size_t cols(const char *s, size_t n)
{
    size_t c = 0;
    while (n > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                              (utf8proc_ssize_t)n, &cp);
        assert_true(k > 0);
        int w = utf8proc_charwidth(cp);
        c += w > 0 ? (size_t)w : 0;
        s += k;
        n -= (size_t)k;
    }
    return c;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Every line of a text part: at most 78 code points unless it holds a
 * URL, at most 990 bytes always. Returns the number of lines. */
static size_t check_text_lines(const char *s)
{
    size_t lines = 0;
    while (*s) {
        const char *e = strchr(s, '\n');
        assert_non_null(e);   /* every line ends in a newline */
        size_t n = (size_t)(e - s);
        assert_true(n <= 990);
        if (cols(s, n) > 78) {
            char *line = xstrndup(s, n);
            if (!strstr(line, "http://") && !strstr(line, "https://"))
                fail_msg("line of %zu columns without a URL: %s", cols(s, n), line);
            free(line);
        }
        lines++;
        s = e + 1;
    }
    return lines;
}

static void check_output(const char *s)
{
    assert_non_null(s);
    assert_valid_utf8(s);
    assert_no_controls(s);
}

/* The golden file name, compared with (or, when asked, written from) out. */
static void check_golden(const char *name, const char *out)
{
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    const char *upd = getenv("BANTIN_UPDATE_GOLDEN");
    if (upd && *upd == '1') {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(out, f);
        assert_int_equal(fclose(f), 0);
    }
    char *want = NULL;
    size_t n = 0;
    if (read_file(path, 1 << 20, &want, &n) != 0)
        fail_msg("cannot read %s", path);
    if (strcmp(want, out) != 0)
        fail_msg("%s differs from the output:\n%s", path, out);
    free(want);
}

/* The lines of s from the one holding marker to the next empty line,
 * without their leading spaces, joined with one space. */
static char *paragraph_at(const char *s, const char *marker)
{
    const char *p = strstr(s, marker);
    assert_non_null(p);
    while (p > s && p[-1] != '\n')
        p--;
    char *out = xstrdup("");
    while (*p && *p != '\n') {
        const char *e = strchr(p, '\n');
        while (*p == ' ')
            p++;
        char *next = xasprintf("%s%s%.*s", out, *out ? " " : "", (int)(e - p), p);
        free(out);
        out = next;
        p = e + 1;
    }
    return out;
}

/* ---- JSON ---- */

static void assert_keys(json_t *o, const char *const *keys, size_t n)
{
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), n);
    /* jansson keeps insertion order: the keys come out as DESIGN.md lists them. */
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        assert_string_equal(k, keys[i]);
        i++;
    }
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void test_json_structure(void **state)
{
    (void)state;
    static const char *const top_keys[] = { "date", "title", "topics" };
    static const char *const topic_keys[] = { "id", "title", "stories" };
    static const char *const story_keys[] = { "title", "link", "published",
                                              "summary", "sources" };
    static const char *const source_keys[] = { "feed", "title", "link" };
    struct digest d;
    fixture(&d);
    char *s = render_json(&d);
    check_output(s);
    /* One compact line. */
    assert_int_equal(count_of(s, "\n"), 1);
    assert_int_equal(s[strlen(s) - 1], '\n');

    json_error_t err;
    json_t *root = json_loads(s, 0, &err);
    assert_non_null(root);
    assert_keys(root, top_keys, 3);
    assert_string_equal(jstr(root, "date"), "2026-11-23");
    assert_string_equal(jstr(root, "title"), "Bản tin Dân vận");
    json_t *topics = json_object_get(root, "topics");
    assert_int_equal(json_array_size(topics), 2);

    json_t *t1 = json_array_get(topics, 0);
    assert_keys(t1, topic_keys, 3);
    assert_string_equal(jstr(t1, "id"), "dan-van-kheo");
    assert_string_equal(jstr(t1, "title"), "Dân vận khéo");
    json_t *stories = json_object_get(t1, "stories");
    assert_int_equal(json_array_size(stories), 2);

    json_t *a = json_array_get(stories, 0);
    assert_keys(a, story_keys, 5);
    assert_string_equal(jstr(a, "title"),
                        "Nghệ An sơ kết 5 năm phong trào thi đua \"Dân vận khéo\"");
    assert_string_equal(jstr(a, "link"), "https://danvan.vn/tin/nghe-an-so-ket-1");
    assert_string_equal(jstr(a, "published"), "2022-09-15T03:22:00Z");
    assert_string_equal(jstr(a, "summary"), SUMMARY_A);
    json_t *srcs = json_object_get(a, "sources");
    assert_int_equal(json_array_size(srcs), 3);
    for (size_t i = 0; i < 3; i++)
        assert_keys(json_array_get(srcs, i), source_keys, 3);
    assert_string_equal(jstr(json_array_get(srcs, 0), "feed"), "danvan-tw");
    assert_string_equal(jstr(json_array_get(srcs, 1), "feed"), "nghean");
    assert_string_equal(jstr(json_array_get(srcs, 1), "title"),
                        "Sơ kết 5 năm phong trào \"Dân vận khéo\"");
    assert_string_equal(jstr(json_array_get(srcs, 1), "link"),
                        "https://dvnghean.vn/tin/so-ket-dan-van-kheo");
    assert_string_equal(jstr(json_array_get(srcs, 2), "feed"), "bao-a");
    assert_string_equal(jstr(json_array_get(srcs, 2), "link"), "https://baoa.vn/a/123");

    json_t *b = json_array_get(stories, 1);
    assert_keys(b, story_keys, 5);
    assert_true(json_is_null(json_object_get(b, "link")));
    assert_true(json_is_null(json_object_get(b, "published")));
    assert_string_equal(jstr(b, "summary"), "Tóm tắt ngắn.");
    json_t *bs = json_array_get(json_object_get(b, "sources"), 0);
    assert_keys(bs, source_keys, 3);
    assert_true(json_is_null(json_object_get(bs, "link")));

    json_t *t2 = json_array_get(topics, 1);
    assert_string_equal(jstr(t2, "id"), "quy-che-dan-chu");
    json_t *c = json_array_get(json_object_get(t2, "stories"), 0);
    assert_keys(c, story_keys, 5);
    assert_true(json_is_null(json_object_get(c, "summary")));
    assert_string_equal(jstr(c, "published"), "2026-11-23T06:30:00Z");
    assert_int_equal(json_array_size(json_object_get(c, "sources")), 1);

    json_decref(root);
    free(s);
    digest_free(&d);
}

static void test_json_empty(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    char *s = render_json(&d);
    assert_string_equal(s, "{\"date\":\"2026-11-23\",\"title\":\"Bản tin Dân vận\","
                           "\"topics\":[]}\n");
    free(s);
    digest_free(&d);
}

/* Feed text with controls, bidi overrides and broken UTF-8 comes out
 * valid, escaped by jansson, and without the controls. */
static void test_json_hostile(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    struct digest_topic *tp = add_topic(&d, "khac", "Khác");
    struct digest_story *st = add_story(tp, "Tiêu\r\nđề\t\"trích\" \\ \x01\x7f\xc2\x85 x\xe2\x80\xae"
                                        "gnp.exe \xff\xfe end",
                                        "https://a.vn/\"x\"", TIME_NONE,
                                        "</script><script>alert(1)</script>\xe2\x80\xa8");
    add_source(st, "khac", NULL, NULL, NULL);
    char *s = render_json(&d);
    check_output(s);
    json_t *root = json_loads(s, 0, NULL);
    assert_non_null(root);
    json_t *j = json_array_get(json_object_get(json_array_get(
                                   json_object_get(root, "topics"), 0), "stories"), 0);
    assert_string_equal(jstr(j, "title"),
                        "Tiêu đề \"trích\" \\ xgnp.exe \xef\xbf\xbd\xef\xbf\xbd end");
    assert_string_equal(jstr(j, "link"), "https://a.vn/\"x\"");
    assert_string_equal(jstr(j, "summary"), "</script><script>alert(1)</script>");
    json_t *src = json_array_get(json_object_get(j, "sources"), 0);
    assert_true(json_is_null(json_object_get(src, "title")));
    json_decref(root);
    free(s);
    digest_free(&d);
}

/* ---- text ---- */

static char *first_line(const char *s)
{
    return xstrndup(s, strcspn(s, "\n"));
}

/* A list page without dates: the time is when bantin first saw the story,
 * so every format says the date is unknown instead of showing that time. */
static void test_guessed_date(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    struct digest_topic *t = add_topic(&d, "khac", "Khác");
    struct digest_story *st = add_story(t, "Tin không ngày", "https://x.vn/a",
                                        T_A, NULL);
    add_source(st, "x", "Trang X", "Tin không ngày", "https://x.vn/a");
    struct render_options o;
    render_options_init(&o);

    char *dated = render_text(&d, &o);
    check_output(dated);
    assert_null(strstr(dated, "Không rõ ngày đăng"));
    free(dated);

    st->published_guessed = 1;
    char *text = render_text(&d, &o);
    check_output(text);
    assert_non_null(strstr(text, "Không rõ ngày đăng"));
    char *html = render_html(&d, &o);
    check_output(html);
    assert_non_null(strstr(html, "Không rõ ngày đăng"));
    char *js = render_json(&d);
    check_output(js);
    json_error_t err;
    json_t *root = json_loads(js, 0, &err);
    assert_non_null(root);
    json_t *story = json_array_get(json_object_get(
        json_array_get(json_object_get(root, "topics"), 0), "stories"), 0);
    assert_true(json_is_null(json_object_get(story, "published")));
    json_decref(root);
    free(text);
    free(html);
    free(js);
    digest_free(&d);
}

/* A big day: the HTML part stays under what Gmail shows whole (102 KB),
 * the first stories of each topic in full and the rest one line each;
 * every title is still in it, and the text part keeps every summary. */
static void test_html_budget(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    char summary[400];
    memset(summary, 0, sizeof summary);
    for (size_t i = 0; i < 39; i++)
        memcpy(summary + i * 10, "Dân vận. ", 10);   /* "â" and "ậ": 2+3 bytes */
    add_topic(&d, "a", "Chủ đề A");
    add_topic(&d, "b", "Chủ đề B");   /* d.topics moves: index it after */
    for (int i = 0; i < 300; i++) {
        char title[64], link[64];
        snprintf(title, sizeof title, "Tin thứ %d", i);
        snprintf(link, sizeof link, "https://x.vn/tin/%d.html", i);
        struct digest_story *st = add_story(&d.topics[i % 2], title, link,
                                            T_A, summary);
        add_source(st, "x", "Trang X", title, link);
    }
    struct render_options o;
    render_options_init(&o);
    char *html = render_html(&d, &o);
    check_output(html);
    assert_true(strlen(html) <= 72000);
    /* every story is there, by its title */
    for (int i = 0; i < 300; i++) {
        char title[64];
        snprintf(title, sizeof title, ">Tin thứ %d<", i);
        assert_non_null(strstr(html, title));
    }
    /* the first of each topic in full (a heading), the last one line */
    size_t full = count_of(html, "</a></h3>");
    assert_true(full >= 2 && full < 300);
    assert_non_null(strstr(html, ">Tin thứ 0</a></h3>"));
    assert_non_null(strstr(html, ">Tin thứ 299</a> <span"));
    char *text = render_text(&d, &o);
    check_output(text);
    assert_true(strlen(text) > 100000);
    assert_non_null(strstr(text, "Tin thứ 299"));
    free(text);
    free(html);

    /* a small digest is shown whole */
    struct digest small;
    fixture(&small);
    html = render_html(&small, &o);
    assert_null(strstr(html, "</a> <span"));
    free(html);
    digest_free(&small);
    digest_free(&d);
}

static void test_text_weekdays(void **state)
{
    (void)state;
    static const struct {
        const char *date, *line;
    } cases[] = {
        { "2026-11-23", "Bản tin Dân vận – Thứ Hai, 23/11/2026" },
        { "2026-11-24", "Bản tin Dân vận – Thứ Ba, 24/11/2026" },
        { "2026-11-25", "Bản tin Dân vận – Thứ Tư, 25/11/2026" },
        { "2022-09-15", "Bản tin Dân vận – Thứ Năm, 15/09/2022" },
        { "2026-11-27", "Bản tin Dân vận – Thứ Sáu, 27/11/2026" },
        { "2026-11-28", "Bản tin Dân vận – Thứ Bảy, 28/11/2026" },
        { "2026-11-22", "Bản tin Dân vận – Chủ Nhật, 22/11/2026" },
        { "2024-02-29", "Bản tin Dân vận – Thứ Năm, 29/02/2024" },
        { "2000-01-01", "Bản tin Dân vận – Thứ Bảy, 01/01/2000" },
        { "1969-12-31", "Bản tin Dân vận – Thứ Tư, 31/12/1969" },
        { "2026-01-05", "Bản tin Dân vận – Thứ Hai, 05/01/2026" },
        /* Not a date: shown as it is, no weekday invented. */
        { "2025-02-29", "Bản tin Dân vận – 2025-02-29" },
        { "", "Bản tin Dân vận" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct digest d;
        empty_digest(&d, cases[i].date);
        char *s = render_text(&d, NULL);
        char *l = first_line(s);
        assert_string_equal(l, cases[i].line);
        /* The heading is underlined to its width. */
        const char *u = strchr(s, '\n') + 1;
        assert_int_equal(strspn(u, "="), cols(l, strlen(l)));
        free(l);
        free(s);
        /* HTML shows the same day. */
        s = render_html(&d, NULL);
        const char *dash = strstr(cases[i].line, " – ");
        if (dash)
            assert_non_null(strstr(s, dash + strlen(" – ")));
        free(s);
        digest_free(&d);
    }
}

static void test_text_fixture(void **state)
{
    (void)state;
    struct digest d;
    fixture(&d);
    struct render_options o;
    render_options_init(&o);
    o.recipient_name = "Nguyễn Văn A";
    o.unsubscribe_url = "https://bantin.example.vn/huy?t=abc&u=1";
    o.generated = T_GEN;
    char *s = render_text(&d, &o);
    check_output(s);
    check_text_lines(s);
    assert_null(strchr(s, '\r'));
    check_golden("fixture.txt", s);

    assert_non_null(strstr(s, "\nKính gửi Nguyễn Văn A,\n"));
    assert_non_null(strstr(s, "\n3 tin, 2 chủ đề:\n"));
    assert_non_null(strstr(s, "\n  1. Dân vận khéo (2 tin)\n  2. Quy chế dân chủ ở cơ sở (1 tin)\n"));
    assert_non_null(strstr(s, "\n1. Dân vận khéo (2 tin)\n-----------------------\n"));
    /* Vietnam time; a story without time shows none. */
    assert_non_null(strstr(s, "\n     15/09/2022 10:22\n"));
    assert_non_null(strstr(s, "\n     23/11/2026 13:30\n"));
    assert_non_null(strstr(s, "\n1.2. Hội nghị giao ban công tác dân vận quý III\n"
                              "     Tóm tắt ngắn.\n"
                              "     Nguồn: Ban Dân vận Tỉnh ủy Hà Tĩnh\n\n"));
    /* A story without summary. */
    assert_non_null(strstr(s, "\n2.1. Thực hiện Luật Thực hiện dân chủ ở cơ sở\n"
                              "     23/11/2026 13:30\n"
                              "     http://dvtinh.example.vn/c\n"
                              "     Nguồn: Ban Dân vận Tỉnh ủy\n\n"));
    assert_non_null(strstr(s, "(Tổng hợp lúc 06:05 ngày 24/11/2026.)"));
    /* Sources: every name once; links only where they differ from the
     * story's own. */
    assert_non_null(strstr(s, "\n     https://danvan.vn/tin/nghe-an-so-ket-1\n"
                              "     Nguồn: Ban Dân vận Trung ương, Ban Dân vận Tỉnh ủy Nghệ An, bao-a\n"
                              "     - Ban Dân vận Tỉnh ủy Nghệ An:\n"
                              "       https://dvnghean.vn/tin/so-ket-dan-van-kheo\n"
                              "     - bao-a: https://baoa.vn/a/123\n\n"));
    assert_int_equal(count_of(s, "https://danvan.vn/tin/nghe-an-so-ket-1"), 1);
    /* The summary, wrapped at 72 columns, reads back word for word. */
    char *para = paragraph_at(s, "     Sáng 15/9");
    assert_memory_equal(para, SUMMARY_A, strlen(SUMMARY_A));
    free(para);
    const char *p = strstr(s, "     Sáng 15/9");
    for (int i = 0; i < 4; i++) {
        size_t n = strcspn(p, "\n");
        assert_true(cols(p, n) <= 72);
        /* Filled: the next word would not have fitted. */
        if (p[n + 1] == ' ' && p[n + 6] != 'h') {
            size_t w = strcspn(p + n + 6, " \n");
            assert_true(cols(p, n) + 1 + cols(p + n + 6, w) > 72);
        }
        p += n + 1;
    }
    assert_non_null(strstr(s, "\nTrân trọng,\nBản tin Dân vận\n"));
    /* The footer closes the part; its address on a line of its own. */
    const char *foot = "\nBạn nhận được thư này vì đã đăng ký nhận Bản tin Dân vận. "
                       "Để ngừng nhận:\nhttps://bantin.example.vn/huy?t=abc&u=1\n";
    assert_non_null(strstr(s, foot));
    assert_string_equal(strstr(s, foot), foot);
    free(s);

    /* No name, no unsubscribe address, no generated time: the default
     * greeting, no footer. UTC times when asked. */
    render_options_init(&o);
    o.tz_offset = 0;
    s = render_text(&d, &o);
    check_output(s);
    assert_non_null(strstr(s, "\nKính gửi Quý bạn đọc,\n"));
    assert_null(strstr(s, "ngừng nhận"));
    assert_null(strstr(s, "Tổng hợp"));
    assert_non_null(strstr(s, "\n     15/09/2022 03:22\n"));
    assert_non_null(strstr(s, "\nTrân trọng,\n"));
    free(s);

    /* An unsubscribe address that is not one: no footer rather than a
     * footer pointing somewhere odd. */
    o.unsubscribe_url = "javascript:alert(1)";
    s = render_text(&d, &o);
    assert_null(strstr(s, "ngừng nhận"));
    assert_null(strstr(s, "javascript"));
    free(s);
    o.unsubscribe_url = "mailto:huy@bantin.example.vn";
    s = render_text(&d, &o);
    assert_non_null(strstr(s, "ngừng nhận:\nmailto:huy@bantin.example.vn\n"));
    free(s);
    digest_free(&d);
}

static void test_text_empty(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    /* A topic left empty is not counted or shown. */
    add_topic(&d, "khac", "Khác");
    char *s = render_text(&d, NULL);
    check_output(s);
    assert_string_equal(s, "Bản tin Dân vận – Thứ Hai, 23/11/2026\n"
                           "=====================================\n"
                           "\n"
                           "Kính gửi Quý bạn đọc,\n"
                           "\n"
                           "Hôm nay không có tin mới.\n"
                           "\n"
                           "Trân trọng,\n"
                           "Bản tin Dân vận\n");
    free(s);
    s = render_html(&d, NULL);
    check_output(s);
    assert_non_null(strstr(s, ">Hôm nay không có tin mới.</p>"));
    assert_null(strstr(s, "chu-de-"));
    assert_null(strstr(s, "Khác"));
    free(s);
    digest_free(&d);
}

/* Long words, long URLs, zero-width marks and a title over 998 bytes:
 * no line passes 78 columns unless it is a URL, none passes 990 bytes,
 * no character is split. */
static void test_text_long_lines(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    struct digest_topic *tp = add_topic(&d, "khac", "Khác");

    /* 300 "ệ" without a space; a 150-byte URL inside a sentence. */
    char word[300 * 3 + 1];
    for (int i = 0; i < 300; i++)
        memcpy(word + 3 * i, "ệ", 3);
    word[900] = '\0';
    char url[151];
    memcpy(url, "https://danvan.vn/", 18);
    memset(url + 18, 'a', 132);
    url[150] = '\0';
    char *summary = xasprintf("Đầu câu %s giữa câu %s cuối câu.", word, url);
    /* A 2 000-byte link and a title of 400 "Việt Nam " (3 600 bytes). */
    char link[2001];
    memcpy(link, "https://x.vn/", 13);
    memset(link + 13, 'b', 1987);
    link[2000] = '\0';
    char *title = xstrdup("");
    for (int i = 0; i < 400; i++) {
        char *t = xasprintf("%sViệt Nam ", title);
        free(title);
        title = t;
    }
    struct digest_story *st = add_story(tp, title, link, T_A, summary);
    add_source(st, "khac", "Khác", NULL, link);
    /* Zalgo: one letter under 600 combining marks (1 200 bytes, 1 column). */
    char *zalgo = xstrdup("a");
    for (int i = 0; i < 600; i++) {
        char *z = xasprintf("%s\xcc\x81", zalgo);
        free(zalgo);
        zalgo = z;
    }
    struct digest_story *st2 = add_story(tp, zalgo, NULL, TIME_NONE, zalgo);
    add_source(st2, "khac", zalgo, NULL, NULL);

    char *s = render_text(&d, NULL);
    check_output(s);
    size_t lines = check_text_lines(s);
    assert_true(lines > 60);
    /* The URL inside the summary stays whole on a line of its own. */
    char *own = xasprintf("\n     %s\n", url);
    assert_non_null(strstr(s, own));
    free(own);
    /* The word is cut between letters into lines of 72 columns. */
    char *piece = xasprintf("\n     %.*s\n", 67 * 3, word);
    assert_non_null(strstr(s, piece));
    free(piece);
    /* The long link is cut at 990 bytes, indent included. */
    char *cut = xasprintf("\n     %.985s\n", link);
    assert_non_null(strstr(s, cut));
    free(cut);
    /* The title reads back whole. */
    char *head = paragraph_at(s, "1.1. Việt Nam");
    assert_non_null(strstr(head, "1.1. Việt Nam Việt Nam"));
    assert_int_equal(count_of(head, "Việt Nam"), 400);
    free(head);

    /* Wide characters count two columns: 40 CJK ones need two lines. */
    char cjk[40 * 3 + 1];
    for (int i = 0; i < 40; i++)
        memcpy(cjk + 3 * i, "宣", 3);
    cjk[120] = '\0';
    struct digest_story *st3 = add_story(tp, "CJK", NULL, TIME_NONE, cjk);
    add_source(st3, "khac", "Khác", NULL, NULL);
    free(s);
    s = render_text(&d, NULL);
    check_output(s);
    check_text_lines(s);
    const char *w = strstr(s, "\n     宣");
    assert_non_null(w);
    w++;
    size_t n1 = strcspn(w, "\n");
    assert_true(cols(w, n1) <= 72);
    assert_true(cols(w, n1) + 2 > 72);
    assert_int_equal(strspn(w + n1 + 1, " "), 5);
    assert_int_equal(cols(w, n1) - 5 + cols(w + n1 + 6, strcspn(w + n1 + 6, "\n")), 80);
    free(s);

    char *h = render_html(&d, NULL);
    check_output(h);
    /* No link past the 990 bytes is dropped from HTML: href keeps it whole. */
    assert_non_null(strstr(h, link));
    free(h);

    free(zalgo);
    free(title);
    free(summary);
    digest_free(&d);
}

/* Controls in every field of the text part vanish or become spaces. */
static void test_text_controls(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    free(d.title);
    d.title = xstrdup("Bản\ttin\r\n\x1b[31mDân vận");
    struct digest_topic *tp = add_topic(&d, "khac", "Kh\x07ác\xc2\x9b");
    struct digest_story *st = add_story(tp, "A\rB\x0c" "C\xe2\x80\xae" "D",
                                        "https://a.vn/\x01x", T_A, "x\x00y");
    add_source(st, "f\nx", "Nguồn\x1f X", NULL, "https://b.vn/\r\nSet-Cookie: x");
    struct render_options o;
    render_options_init(&o);
    o.recipient_name = "Ông\r\nBcc: a@b.c";
    char *s = render_text(&d, &o);
    check_output(s);
    check_text_lines(s);
    assert_non_null(strstr(s, "Bản tin [31mDân vận – Thứ Hai"));
    assert_non_null(strstr(s, "Kính gửi Ông Bcc: a@b.c,\n"));
    assert_non_null(strstr(s, "\n1.1. A B CD\n"));
    assert_non_null(strstr(s, "1. Khác (1 tin)"));
    /* A link with a space after cleaning is no URL: not shown. */
    /* A control inside a link is dropped like anywhere else; a link that
     * has a space once cleaned is no URL and is not shown. */
    assert_non_null(strstr(s, "\n     https://a.vn/x\n"));
    assert_null(strstr(s, "https://b.vn"));
    assert_null(strstr(s, "Set-Cookie"));
    assert_non_null(strstr(s, "\n     Nguồn: Nguồn X\n"));
    free(s);
    s = render_html(&d, &o);
    check_output(s);
    free(s);
    s = render_json(&d);
    check_output(s);
    free(s);
    digest_free(&d);
}

/* ---- HTML ---- */

/* s with its newlines as spaces: the HTML part breaks long text between
 * words with a newline, which is a space to a browser. Caller frees. */
static char *flat(const char *s)
{
    char *f = xstrdup(s);
    for (char *c = f; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return f;
}

struct parsed {
    htmlDocPtr doc;
    xmlXPathContextPtr xp;
    int errors;
};

static void count_error(void *ctx, xmlErrorPtr e)
{
    struct parsed *p = ctx;
    if (e && e->level >= XML_ERR_ERROR) {
        p->errors++;
        fprintf(stderr, "libxml2: line %d: %s", e->line, e->message);
    }
}

static void parse_html(struct parsed *p, const char *s)
{
    p->errors = 0;
    xmlSetStructuredErrorFunc(p, count_error);
    p->doc = htmlReadMemory(s, (int)strlen(s), NULL, "UTF-8",
                            HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
    xmlSetStructuredErrorFunc(NULL, NULL);
    assert_non_null(p->doc);
    p->xp = xmlXPathNewContext(p->doc);
}

static void parsed_free(struct parsed *p)
{
    xmlXPathFreeContext(p->xp);
    xmlFreeDoc(p->doc);
}

static double xp_number(struct parsed *p, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, p->xp);
    assert_non_null(o);
    double v = xmlXPathCastToNumber(o);
    xmlXPathFreeObject(o);
    return v;
}

static char *xp_string(struct parsed *p, const char *expr)
{
    char *e = xasprintf("normalize-space(%s)", expr);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST e, p->xp);
    free(e);
    assert_non_null(o);
    xmlChar *v = xmlXPathCastToString(o);
    xmlXPathFreeObject(o);
    char *s = xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

/* The text of the body outside the table of contents (the <ul>). */
static char *body_text(struct parsed *p)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression(
        BAD_CAST "//body//text()[not(ancestor::ul)]", p->xp);
    assert_non_null(o);
    char *all = xstrdup("");
    for (int i = 0; o->nodesetval && i < o->nodesetval->nodeNr; i++) {
        xmlChar *t = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
        char *next = xasprintf("%s%s", all, (const char *)t);
        xmlFree(t);
        free(all);
        all = next;
    }
    xmlXPathFreeObject(o);
    /* Source newlines between words are spaces to a reader. */
    for (char *c = all; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return all;
}

static void test_html_fixture(void **state)
{
    (void)state;
    struct digest d;
    fixture(&d);
    struct render_options o;
    render_options_init(&o);
    o.recipient_name = "Nguyễn Văn A";
    o.unsubscribe_url = "https://bantin.example.vn/huy?t=abc&u=1";
    o.generated = T_GEN;
    char *s = render_html(&d, &o);
    check_output(s);
    assert_true(strncmp(s, "<!doctype html>\n", 16) == 0);
    assert_non_null(strstr(s, "<meta charset=\"utf-8\">"));
    check_golden("fixture.html", s);
    /* Short source lines, whatever the client's transfer encoding. */
    for (const char *p = s; *p; p = strchr(p, '\n') + 1)
        assert_true(strcspn(p, "\n") < 300);

    struct parsed p;
    /* The error count below can see errors: a misnested tag is one. */
    parse_html(&p, "<!doctype html><html><body><p><b>x</p></i></body></html>");
    assert_true(p.errors > 0);
    parsed_free(&p);
    parse_html(&p, s);
    assert_int_equal(p.errors, 0);
    char *t = xp_string(&p, "/html/head/title");
    assert_string_equal(t, "Bản tin Dân vận – Thứ Hai, 23/11/2026");
    free(t);
    /* Nothing external, nothing active. */
    assert_int_equal(xp_number(&p, "count(//img|//script|//style|//link|//iframe"
                                   "|//object|//embed|//form|//@src)"), 0);
    assert_int_equal(xp_number(&p, "count(//@*[starts-with(name(), 'on')])"), 0);
    assert_null(strstr(s, "url("));
    /* The table of contents: one entry per topic, each to its heading. */
    assert_int_equal(xp_number(&p, "count(//ul/li/a)"), 2);
    assert_int_equal(xp_number(&p, "count(//h2[@id='chu-de-1'])"), 1);
    assert_int_equal(xp_number(&p, "count(//h2[@id='chu-de-2'])"), 1);
    assert_int_equal(xp_number(&p, "count(//ul/li/a[@href='#chu-de-1'])"), 1);
    t = xp_string(&p, "//ul/li[2]");
    assert_string_equal(t, "Quy chế dân chủ ở cơ sở (1 tin)");
    free(t);
    /* Story titles: linked when they have a link, each once in the body. */
    assert_int_equal(xp_number(&p, "count(//h3)"), 3);
    assert_int_equal(xp_number(&p, "count(//h3/a[@href='https://danvan.vn/tin/nghe-an-so-ket-1'])"), 1);
    assert_int_equal(xp_number(&p, "count(//h3[normalize-space(.)='Hội nghị giao ban công tác dân vận quý III'])"), 1);
    assert_int_equal(xp_number(&p, "count(//h3[normalize-space(.)='Hội nghị giao ban công tác dân vận quý III']/a)"), 0);
    char *body = body_text(&p);
    for (size_t i = 0; i < d.ntopics; i++)
        for (size_t j = 0; j < d.topics[i].nstories; j++)
            assert_int_equal(count_of(body, d.topics[i].stories[j].title), 1);
    assert_non_null(strstr(body, SUMMARY_A));
    assert_non_null(strstr(body, "15/09/2022 10:22"));
    assert_non_null(strstr(body, "Kính gửi Nguyễn Văn A,"));
    assert_non_null(strstr(body, "3 tin, 2 chủ đề:"));
    assert_non_null(strstr(body, "Nguồn: Ban Dân vận Trung ương, Ban Dân vận Tỉnh ủy Nghệ An, bao-a"));
    assert_non_null(strstr(body, "Tổng hợp lúc 06:05 ngày 24/11/2026."));
    free(body);
    /* Each source linked to its own copy. */
    assert_int_equal(xp_number(&p, "count(//a[@href='https://dvnghean.vn/tin/so-ket-dan-van-kheo'])"), 1);
    assert_int_equal(xp_number(&p, "count(//a[normalize-space(.)='bao-a'][@href='https://baoa.vn/a/123'])"), 1);
    assert_int_equal(xp_number(&p, "count(//a[normalize-space(.)='Ban Dân vận Tỉnh ủy Hà Tĩnh'])"), 0);
    /* The footer, with the address unescaped by the parser. */
    assert_int_equal(xp_number(&p, "count(//a[normalize-space(.)='Hủy đăng ký'][@href='https://bantin.example.vn/huy?t=abc&u=1'])"), 1);
    assert_non_null(strstr(s, "href=\"https://bantin.example.vn/huy?t=abc&amp;u=1\""));
    parsed_free(&p);
    free(s);

    s = render_html(&d, NULL);
    check_output(s);
    assert_null(strstr(s, "Hủy đăng ký"));
    assert_non_null(strstr(s, "Kính gửi Quý bạn đọc,"));
    free(s);
    digest_free(&d);
}

static void test_html_hostile(void **state)
{
    (void)state;
    struct digest d;
    empty_digest(&d, "2026-11-23");
    free(d.title);
    d.title = xstrdup("Bản tin <b>Dân vận</b>");
    struct digest_topic *tp = add_topic(&d, "x\" onclick=\"alert(1)", "<i>Chủ đề</i> & \"khác\"");
    struct digest_story *a = add_story(tp, "<script>alert(1)</script>",
                                       "javascript:alert(1)", T_A,
                                       "\"><img src=x onerror=alert(1)>");
    add_source(a, "f1", "Báo 'A' & <B>", "t", "https://ok.vn/a?x=1&y=\"2\"><script>");
    add_source(a, "f2", "Báo C", "t", "data:text/html,<script>alert(1)</script>");
    add_source(a, "f3", "Báo D", "t", " JAVASCRIPT:alert(1)");
    struct digest_story *b = add_story(tp, "Tin thật", "HTTPS://ok.vn/b'onmouseover='alert(1)",
                                       TIME_NONE, "</p></td></table><a href=\"https://evil\">x</a>");
    add_source(b, "f4", "Báo E", "t", "file:///etc/passwd");
    struct digest_story *c = add_story(tp, "Tin vbscript", "vbscript:msgbox", TIME_NONE, NULL);
    add_source(c, "f5", "Báo F", "t", "//evil.example/x");

    struct render_options o;
    render_options_init(&o);
    o.recipient_name = "<svg onload=alert(1)>";
    o.unsubscribe_url = "https://bantin.vn/huy?a=\"><script>alert(1)</script>";
    char *s = render_html(&d, &o);
    check_output(s);
    char *f = flat(s);
    assert_null(strstr(f, "<script"));
    assert_null(strstr(f, "<img"));
    assert_null(strstr(f, "<svg"));
    assert_null(strstr(f, "<b>"));
    assert_null(strstr(f, "<i>"));
    assert_null(strstr(f, "javascript:"));
    assert_null(strstr(f, "JAVASCRIPT:"));
    assert_null(strstr(f, "vbscript:"));
    assert_null(strstr(f, "data:"));
    assert_null(strstr(f, "file:"));
    assert_null(strstr(f, "onclick"));
    assert_non_null(strstr(f, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(f, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(f, "Báo &#39;A&#39; &amp; &lt;B&gt;"));
    assert_non_null(strstr(f, "href=\"https://ok.vn/a?x=1&amp;y=&quot;2&quot;&gt;&lt;script&gt;\""));
    assert_non_null(strstr(f, "href=\"HTTPS://ok.vn/b&#39;onmouseover=&#39;alert(1)\""));

    struct parsed p;
    parse_html(&p, s);
    assert_int_equal(p.errors, 0);
    assert_int_equal(xp_number(&p, "count(//script|//img|//svg|//b|//i)"), 0);
    assert_int_equal(xp_number(&p, "count(//@*[starts-with(name(), 'on')])"), 0);
    /* Every href is ours or a web URL. */
    assert_int_equal(xp_number(&p, "count(//a[@href][not(starts-with(@href, '#chu-de-') "
                                   "or starts-with(@href, 'https://') "
                                   "or starts-with(@href, 'HTTPS://'))])"), 0);
    /* The javascript: story is a title without a link, shown as text. */
    assert_int_equal(xp_number(&p, "count(//h3[normalize-space(.)='<script>alert(1)</script>'])"), 1);
    assert_int_equal(xp_number(&p, "count(//h3[normalize-space(.)='<script>alert(1)</script>']/a)"), 0);
    assert_int_equal(xp_number(&p, "count(//h3[normalize-space(.)='Tin vbscript']/a)"), 0);
    assert_int_equal(xp_number(&p, "count(//h3/a[normalize-space(.)='Tin thật'])"), 1);
    /* Sources whose links are not web URLs are named without a link. */
    assert_int_equal(xp_number(&p, "count(//a[normalize-space(.)='Báo C']|//a[normalize-space(.)='Báo D']|//a[normalize-space(.)='Báo E']"
                                   "|//a[normalize-space(.)='Báo F'])"), 0);
    assert_int_equal(xp_number(&p, "count(//a[normalize-space(.)=\"Báo 'A' & <B>\"])"), 1);
    /* The summary stays text in its paragraph; the story count is 3. */
    assert_int_equal(xp_number(&p, "count(//h3)"), 3);
    assert_int_equal(xp_number(&p, "count(//a[@href='https://evil'])"), 0);
    char *body = body_text(&p);
    assert_non_null(strstr(body, "</p></td></table><a href=\"https://evil\">x</a>"));
    assert_non_null(strstr(body, "Kính gửi <svg onload=alert(1)>,"));
    free(body);
    /* The anchor ids are ours, not the config's. */
    assert_int_equal(xp_number(&p, "count(//@id[not(starts-with(., 'chu-de-'))])"), 0);
    assert_int_equal(xp_number(&p, "count(//a[normalize-space(.)='Hủy đăng ký'])"), 1);
    parsed_free(&p);
    free(f);
    free(s);

    /* The text part shows none of the non-web links either. */
    s = render_text(&d, &o);
    check_output(s);
    assert_null(strstr(s, "javascript:"));
    assert_null(strstr(s, "data:"));
    assert_null(strstr(s, "file:"));
    assert_non_null(strstr(s, "\n1.1. <script>alert(1)</script>\n"));
    free(s);
    digest_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_structure),
        cmocka_unit_test(test_json_empty),
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_guessed_date),
        cmocka_unit_test(test_html_budget),
        cmocka_unit_test(test_text_weekdays),
        cmocka_unit_test(test_text_fixture),
        cmocka_unit_test(test_text_empty),
        cmocka_unit_test(test_text_long_lines),
        cmocka_unit_test(test_text_controls),
        cmocka_unit_test(test_html_fixture),
        cmocka_unit_test(test_html_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
