/* test_html.c - unit tests of parse/html.c and parse/reldate.c: items of
 * list pages with XPath rules, links, dates, charsets, metadata, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>
#include <libxml/xpath.h>

#include "parse/feed.h"
#include "parse/html.h"
#include "parse/reldate.h"
#include "util/limits.h"
#include "util/util.h"

#define DATA "tests/data/html/"

/* 2026-10-04T05:00:00Z: noon in Vietnam. */
#define FETCH_TIME 1791090000

static char *load(const char *name, size_t *n)
{
    char path[256], *buf = NULL;
    snprintf(path, sizeof path, DATA "%s", name);
    if (read_file(path, LIMIT_BODY_BYTES, &buf, n) != 0)
        fail_msg("cannot read %s (run from the repository root)", path);
    return buf;
}

static const char *utc(int64_t t)
{
    static char buf[32];
    if (t == TIME_NONE)
        return "none";
    time_format_utc(t, buf, sizeof buf);
    return buf;
}

struct want {
    const char *title, *link, *date;
    int how;
    const char *summary;   /* NULL: none */
};

static void check_items(const struct feed *f, const struct html_report *rep,
                        const struct want *w, size_t n)
{
    if (f->nitems != n)
        fail_msg("%zu items, want %zu", f->nitems, n);
    assert_int_equal(rep->ndate_how, n);
    for (size_t i = 0; i < n; i++) {
        const struct feed_item *it = &f->items[i];
        if (!it->title || strcmp(it->title, w[i].title) != 0)
            fail_msg("item %zu title:\n  got  '%s'\n  want '%s'", i,
                     it->title ? it->title : "(null)", w[i].title);
        if (w[i].link) {
            if (!it->link || strcmp(it->link, w[i].link) != 0)
                fail_msg("item %zu link:\n  got  '%s'\n  want '%s'", i,
                         it->link ? it->link : "(null)", w[i].link);
            assert_string_equal(it->id, w[i].link);
        } else {
            assert_null(it->link);
            assert_non_null(it->id);
        }
        if (strcmp(utc(it->published), w[i].date) != 0)
            fail_msg("item %zu date: got %s, want %s", i, utc(it->published), w[i].date);
        if (rep->date_how[i] != w[i].how)
            fail_msg("item %zu date_how: got %d, want %d", i, rep->date_how[i], w[i].how);
        /* the store and later stages see the guess on the item itself */
        assert_int_equal(it->published_guessed, w[i].how == HTML_DATE_GUESSED);
        if (w[i].summary)
            assert_string_equal(it->summary, w[i].summary);
        else
            assert_null(it->summary);
        assert_true(it->updated == TIME_NONE);
    }
}

static int has_warning(const struct html_report *rep, const struct html_rules *r,
                       const char *part)
{
    size_t n;
    char **w = html_report_warnings(rep, r, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        found |= strstr(w[i], part) != NULL;
        free(w[i]);
    }
    free(w);
    return found;
}

/* ---- NukeViet ----------------------------------------------------------- */

#define NV_PAGE "https://bdvtu.nghean.dcs.vn/vi/news/dan-van-kheo/"
#define NV_BASE "https://bdvtu.nghean.dcs.vn/vi/news/dan-van-kheo/"

static const struct html_rules nv_rules = {
    .item = "//div[@class='news_column']",
    .item_title = ".//h3/a",
    .item_link = ".//h3/a/@href",
    .item_date = ".//ul[contains(@class,'list-inline')]/li[1]",
    .item_summary = ".//div[contains(@class,'text-justify')]",
};

static const struct want nv_items[] = {
    {"Kết quả phong trào “Dân vận khéo” ở huyện Yên Thành",
     NV_BASE "ket-qua-phong-trao-dan-van-kheo-o-huyen-yen-thanh-2261.html",
     "2022-09-15T03:22:00Z", HTML_DATE_PARSED,
     "Những năm qua, phong trào thi đua “Dân vận khéo” ở huyện Yên Thành được "
     "triển khai sâu rộng, tạo sự lan tỏa trong cán bộ và nhân dân."},
    {"Chủ tịch Hội nông dân làm dân vận khéo",
     NV_BASE "chu-tich-hoi-nong-dan-lam-dan-van-kheo-2258.html",
     "2022-09-13T09:05:00Z", HTML_DATE_PARSED,
     "Ông Nguyễn Văn Hải, Chủ tịch Hội Nông dân xã Diễn Lâm, được bà con tin "
     "yêu nhờ cách làm gần dân, hiểu dân."},
    /* an absolute path */
    {"Mô hình dân vận khéo về dạy tiếng Việt cho dân Lào ở vùng biên giới",
     NV_BASE "mo-hinh-dan-van-kheo-ve-day-tieng-viet-cho-dan-lao-o-vung-bien-gioi-2250.html",
     "2022-09-04T01:00:00Z", HTML_DATE_PARSED,
     "Bộ đội Biên phòng tỉnh mở lớp dạy tiếng Việt cho người dân hai bản giáp "
     "biên của nước bạn Lào."},
    /* "../" above the root, and a fragment */
    {"Sự lan tỏa của phong trào thi đua “Dân vận khéo” ở huyện Tương Dương",
     NV_BASE "su-lan-toa-cua-phong-trao-thi-dua-dan-van-kheo-o-huyen-tuong-duong-2247.html#binh-luan",
     "2022-08-29T07:30:00Z", HTML_DATE_PARSED,
     "Tương Dương là huyện miền núi có đông đồng bào dân tộc thiểu số sinh sống."},
    /* spaces and raw UTF-8 in the href, percent-encoded as a browser does */
    {"Kết quả bước đầu thực hiện “năm dân vận khéo” 2020 ở Con Cuông",
     NV_BASE "ket%20qua%20buoc%20dau%20nam%20dan%20van%20kheo%202020%20o%20Con%20Cu%C3%B4ng-2239.html",
     "2020-08-21T02:15:00Z", HTML_DATE_PARSED,
     "Huyện Con Cuông chọn việc dễ làm trước, khó làm sau để xây dựng mô hình."},
};

static void test_nukeviet(void **state)
{
    (void)state;
    size_t n;
    char *page = load("nukeviet_list.html", &n), err[256];
    struct feed f;
    struct html_report rep;

    assert_int_equal(html_extract_list(page, n, NV_PAGE, NULL, &nv_rules, FETCH_TIME,
                                       &f, &rep, err, sizeof err), 0);
    assert_string_equal(err, "");
    check_items(&f, &rep, nv_items, sizeof nv_items / sizeof nv_items[0]);
    assert_string_equal(f.title, "Ban Dân vận Tỉnh ủy Nghệ An");
    assert_string_equal(f.link, NV_PAGE);
    assert_string_equal(f.encoding, "UTF-8");
    assert_int_equal(f.kind, FEED_HTML);
    {
        char *json = NULL;
        size_t jn = 0;
        FILE *mf = open_memstream(&json, &jn);
        assert_non_null(mf);
        assert_int_equal(feed_json_write(&f, mf), 0);
        fclose(mf);
        assert_non_null(strstr(json, "\"kind\":\"html\""));
        free(json);
    }
    /* the sixth news_column holds only a ul.related: no title, no link */
    assert_int_equal(rep.nodes, 6);
    assert_int_equal(rep.empty, 1);
    assert_int_equal(f.dropped_empty, 1);
    assert_int_equal(rep.hits[HTML_RULE_ITEM], 5);
    assert_int_equal(rep.hits[HTML_RULE_TITLE], 5);
    assert_int_equal(rep.hits[HTML_RULE_DATE], 5);
    assert_int_equal(rep.guessed_dates, 0);
    assert_int_equal(rep.bad_dates, 0);
    assert_true(has_warning(&rep, &nv_rules, "1 item node with neither a title nor a link"));
    assert_false(has_warning(&rep, &nv_rules, "matched nothing"));
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* <base href> wins over the page URL: without it the same relative links
 * resolve under the page's directory. */
static void test_base_href(void **state)
{
    (void)state;
    size_t n;
    char *page = load("nukeviet_list.html", &n), err[256];
    char *b = strstr(page, "<base href=");
    struct feed f;
    struct html_report rep;

    assert_non_null(b);
    memset(b, ' ', (size_t)(strchr(b, '>') - b + 1));
    assert_int_equal(html_extract_list(page, n, NV_PAGE, NULL, &nv_rules, FETCH_TIME,
                                       &f, &rep, err, sizeof err), 0);
    assert_string_equal(f.items[0].link,
                        NV_PAGE "vi/news/dan-van-kheo/ket-qua-phong-trao-dan-van-kheo-o-huyen-yen-thanh-2261.html");
    /* an absolute path does not care */
    assert_string_equal(f.items[2].link, nv_items[2].link);
    feed_free(&f);
    html_report_free(&rep);

    /* no page URL and no base: relative links cannot be made absolute */
    assert_int_equal(html_extract_list(page, n, NULL, NULL, &nv_rules, FETCH_TIME,
                                       &f, &rep, err, sizeof err), 0);
    assert_int_equal(f.nitems, 5);
    for (size_t i = 0; i < f.nitems; i++)
        assert_null(f.items[i].link);
    assert_int_equal(rep.no_link, 5);
    assert_true(has_warning(&rep, &nv_rules, "5 items without a link"));
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* A union rule over the news columns and the ul.related list, with the
 * default title and link (first heading, first <a href>): the related list
 * repeats a link of the columns. */
static void test_defaults_and_duplicates(void **state)
{
    (void)state;
    static const struct html_rules r = {
        .item = "//div[@class='news_column']//div[contains(@class,'panel-body')][h3]"
                " | //ul[@class='related']/li",
        .item_date = "(.//ul[contains(@class,'list-inline')]/li)[1]"
                     " | .//em[contains(@class,'text-muted')]",
    };
    static const struct want w[] = {
        {"Kết quả phong trào “Dân vận khéo” ở huyện Yên Thành", NULL,
         "2022-09-15T03:22:00Z", HTML_DATE_PARSED, NULL},
        {"Chủ tịch Hội nông dân làm dân vận khéo", NULL, "2022-09-13T09:05:00Z",
         HTML_DATE_PARSED, NULL},
        {"Mô hình dân vận khéo về dạy tiếng Việt cho dân Lào ở vùng biên giới", NULL,
         "2022-09-04T01:00:00Z", HTML_DATE_PARSED, NULL},
        {"Sự lan tỏa của phong trào thi đua “Dân vận khéo” ở huyện Tương Dương", NULL,
         "2022-08-29T07:30:00Z", HTML_DATE_PARSED, NULL},
        {"Kết quả bước đầu thực hiện “năm dân vận khéo” 2020 ở Con Cuông", NULL,
         "2020-08-21T02:15:00Z", HTML_DATE_PARSED, NULL},
        /* "(05/08/2020)": a date inside parentheses */
        {"“Chú trọng chọn việc để xây dựng mô hình dân vận khéo”",
         NV_BASE "chu-trong-chon-viec-de-xay-dung-mo-hinh-dan-van-kheo-2231.html",
         "2020-08-04T17:00:00Z", HTML_DATE_PARSED, NULL},
        {"Công an Quế Phong làm tốt công tác dân vận",
         NV_BASE "cong-an-que-phong-lam-tot-cong-tac-dan-van-2224.html",
         "2020-07-27T17:00:00Z", HTML_DATE_PARSED, NULL},
    };
    size_t n;
    char *page = load("nukeviet_list.html", &n), err[256];
    struct feed f;
    struct html_report rep;
    struct want want[sizeof w / sizeof w[0]];

    memcpy(want, w, sizeof w);
    for (int i = 0; i < 5; i++)
        want[i].link = nv_items[i].link;
    assert_int_equal(html_extract_list(page, n, NV_PAGE, NULL, &r, FETCH_TIME,
                                       &f, &rep, err, sizeof err), 0);
    check_items(&f, &rep, want, sizeof want / sizeof want[0]);
    assert_int_equal(rep.nodes, 8);
    assert_int_equal(rep.dup_links, 1);
    assert_true(has_warning(&rep, &r, "1 duplicate link"));
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* ---- SharePoint / ASP.NET ----------------------------------------------- */

static void test_sharepoint(void **state)
{
    (void)state;
    static const struct html_rules r = {
        .item = "//tr[@class='news-row']",
        .item_title = ".//a[contains(@id,'_hplTitle')]",
        .item_link = ".//a[contains(@id,'_hplTitle')]/@href",
        .item_date = ".//span[contains(@id,'_lblDate')]",
        .item_summary = ".//div[contains(@id,'_divSummary')]",
    };
    static const struct want w[] = {
        {"Huyện Thanh Trì: Khai mạc lớp tập huấn về công tác Dân vận",
         "https://vpcp.chinhphu.vn/Pages/chi-tiet-tin.aspx?ItemID=4512&CateID=5",
         "2020-10-15T06:50:00Z", HTML_DATE_PARSED,
         "Ngày 15/10/2020, Ban Dân vận Huyện ủy phối hợp với Trung tâm bồi dưỡng "
         "chính trị huyện khai mạc lớp tập huấn về công tác Dân vận."},
        {"Hội nghị giao ban công tác dân vận chính quyền quý III năm 2020",
         "https://vpcp.chinhphu.vn/Pages/chi-tiet-tin.aspx?ItemID=4507&CateID=5",
         "2020-10-09T01:05:00Z", HTML_DATE_PARSED,
         "Văn phòng Chính phủ tổ chức hội nghị giao ban công tác dân vận chính "
         "quyền quý III."},
        {"Đẩy mạnh thực hiện Quy chế dân chủ ở cơ sở trong cơ quan hành chính nhà nước",
         "https://vpcp.chinhphu.vn/Pages/chi-tiet-tin.aspx?ItemID=4498&CateID=5",
         "2020-01-20T01:28:04Z", HTML_DATE_PARSED, NULL},
        /* a javascript: postback is no link; "(cập nhật)" after the date */
        {"Thông báo lịch tiếp công dân tháng 11/2020", NULL, "2020-10-02T10:20:00Z",
         HTML_DATE_PARSED, "Lịch tiếp công dân định kỳ của lãnh đạo Văn phòng."},
    };
    size_t n;
    char *page = load("sharepoint_list.html", &n), err[256];
    struct feed f;
    struct html_report rep;

    assert_int_equal(html_extract_list(page, n, "https://vpcp.chinhphu.vn/Pages/TinHoatDong.aspx",
                                       "utf-8", &r, FETCH_TIME, &f, &rep, err, sizeof err), 0);
    check_items(&f, &rep, w, sizeof w / sizeof w[0]);
    /* entity-encoded og:site_name */
    assert_string_equal(f.title, "Văn phòng Chính phủ");
    assert_int_equal(rep.no_link, 1);
    /* No link: the id hashes the title alone, not the guessed date, so
     * it is the same at every fetch. */
    char *id = feed_fallback_id(f.items[3].title, TIME_NONE);
    assert_string_equal(f.items[3].id, id);
    assert_non_null(strstr(id, "urn:bantin:"));
    free(id);
    assert_int_equal(rep.hits[HTML_RULE_SUMMARY], 3);
    assert_true(has_warning(&rep, &r, "item_summary found in only 3 of 4 items"));
    assert_true(has_warning(&rep, &r, "1 item without a link"));
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* ---- HTML5, relative dates ---------------------------------------------- */

static const struct html_rules modern_rules = {
    .item = "//article[contains(@class,'story')]",
    .item_title = ".//h2/a",
    .item_link = ".//h2/a/@href",
    .item_date = ".//*[contains(@class,'story__time')]",
    .item_summary = ".//p[@class='story__sapo']",
};

static void test_modern(void **state)
{
    (void)state;
#define DV "https://www.danvanonline.vn/"
    static const struct want w[] = {
        {"Triển khai nhiệm vụ công tác dân vận năm 2027",
         DV "thoi-su/trien-khai-nhiem-vu-cong-tac-dan-van-nam-2027-98231.html",
         "2026-10-04T04:57:00Z", HTML_DATE_RELATIVE, /* 3 phút trước */
         "Ban Dân vận Trung ương tổ chức hội nghị trực tuyến toàn quốc triển khai "
         "nhiệm vụ năm 2027."},
        {"Đối thoại giữa người đứng đầu cấp ủy với Nhân dân",
         DV "thoi-su/doi-thoai-giua-nguoi-dung-dau-cap-uy-voi-nhan-dan-98220.html",
         "2026-10-03T14:00:00Z", HTML_DATE_RELATIVE, /* 15 giờ trước */
         "Hơn 300 ý kiến của người dân được ghi nhận, trả lời ngay tại hội nghị."},
        {"Mặt trận Tổ quốc giám sát chính sách an sinh",
         DV "mat-tran/mat-tran-to-quoc-giam-sat-chinh-sach-an-sinh-98207.html",
         "2026-10-02T17:00:00Z", HTML_DATE_RELATIVE, NULL}, /* Hôm qua: 3 Oct 00:00 +07 */
        {"Mô hình “Dân vận khéo” ở vùng đồng bào",
         DV "dan-van-kheo/mo-hinh-dan-van-kheo-o-vung-dong-bao-98199.html",
         "2026-10-03T11:20:00Z", HTML_DATE_PARSED, NULL}, /* 18:20 ngày 03/10/2026 */
        {"Hội nghị báo cáo viên tháng 10", DV "thoi-su/hoi-nghi-bao-cao-vien-98190.html",
         "2026-10-04T02:15:00Z", HTML_DATE_PARSED, NULL}, /* <time datetime> */
        {"Lịch tiếp công dân định kỳ", DV "thoi-su/lich-tiep-cong-dan-98188.html",
         "2026-10-04T05:00:00Z", HTML_DATE_CLAMPED, NULL}, /* 20/10/2026 */
        {"Tổng kết phong trào thi đua", DV "thoi-su/tong-ket-phong-trao-thi-dua-98180.html",
         "2026-10-04T05:00:00Z", HTML_DATE_GUESSED, NULL}, /* no date */
        {"Ban Dân vận làm việc với các địa phương",
         DV "thoi-su/ban-dan-van-lam-viec-voi-cac-dia-phuong-98171.html",
         "2026-10-04T05:00:00Z", HTML_DATE_GUESSED, NULL}, /* not a date */
    };
    size_t n;
    char *page = load("modern_list.html", &n), err[256];
    struct feed f;
    struct html_report rep;

    assert_int_equal(html_extract_list(page, n, DV "thoi-su/", NULL, &modern_rules,
                                       FETCH_TIME, &f, &rep, err, sizeof err), 0);
    check_items(&f, &rep, w, sizeof w / sizeof w[0]);
    assert_string_equal(f.title, "Báo Dân Vận Online");
    assert_int_equal(rep.relative_dates, 3);
    assert_int_equal(rep.future_dates, 1);
    assert_int_equal(rep.guessed_dates, 2);
    assert_int_equal(rep.bad_dates, 1);
    assert_int_equal(f.bad_dates, 1);
    assert_string_equal(rep.bad_date, "Cập nhật: đang cập nhật");
    assert_int_equal(rep.hits[HTML_RULE_DATE], 7);
    assert_true(has_warning(&rep, &modern_rules,
                            "1 date did not parse, e.g. \"Cập nhật: đang cập nhật\""));
    assert_true(has_warning(&rep, &modern_rules, "2 items without a usable date"));
    assert_true(has_warning(&rep, &modern_rules, "1 date in the future"));
    assert_true(has_warning(&rep, &modern_rules, "item_date found in only 7 of 8 items"));
    feed_free(&f);
    html_report_free(&rep);
    free(page);
#undef DV
}

/* A rule that finds nothing, and a rule unset. */
static void test_rule_matches_nothing(void **state)
{
    (void)state;
    struct html_rules r = modern_rules;
    size_t n;
    char *page = load("modern_list.html", &n), err[256];
    struct feed f;
    struct html_report rep;

    r.item_author = ".//span[@class='author']";
    assert_int_equal(html_extract_list(page, n, "https://www.danvanonline.vn/thoi-su/",
                                       NULL, &r, FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_int_equal(f.nitems, 8);
    assert_true(has_warning(&rep, &r, "item_author matched nothing in 8 items"));
    feed_free(&f);
    html_report_free(&rep);

    /* the item rule finds nothing on a page that is no article: no items */
    r.item = "//div[@class='news-item']";
    assert_int_equal(html_extract_list(page, n, "https://www.danvanonline.vn/thoi-su/",
                                       NULL, &r, FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_int_equal(f.nitems, 0);
    assert_int_equal(rep.nodes, 0);
    assert_true(has_warning(&rep, &r, "item matched nothing"));
    assert_false(has_warning(&rep, &r, "metadata"));
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* ---- page metadata -------------------------------------------------------- */

static void test_single_article_from_metadata(void **state)
{
    (void)state;
    static const struct html_rules none = {0};
    static const struct html_rules missing = {.item = "//div[@class='news-item']"};
    size_t n;
    char *page = load("article_000.html", &n), err[256];
    struct feed f;
    struct html_report rep;

    for (int pass = 0; pass < 2; pass++) {
        const struct html_rules *r = pass ? &missing : &none;
        assert_int_equal(html_extract_list(page, n, "https://nghean.dcs.vn/x.aspx", NULL, r,
                                           FETCH_TIME, &f, &rep, err, sizeof err), 0);
        assert_int_equal(f.nitems, 1);
        /* og:title, og:url, JSON-LD datePublished, author and description */
        assert_string_equal(f.items[0].title, "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020");
        assert_string_equal(f.items[0].link,
                            "https://nghean.dcs.vn/sub-site-1/Pages/"
                            "boi-duong-nghiep-vu-cong-tac-dan-van-nam-2020.aspx");
        assert_string_equal(utc(f.items[0].published), "2020-09-17T08:30:00Z");
        assert_int_equal(rep.date_how[0], HTML_DATE_META);
        assert_string_equal(f.items[0].author, "Quỳnh Anh");
        assert_non_null(strstr(f.items[0].summary, "Sáng 17/9/2020, Ban Dân vận Tỉnh ủy"));
        assert_int_equal(rep.from_meta, 1);
        assert_true(rep.meta_fields >= 4);
        if (pass)
            assert_true(has_warning(&rep, r, "item matched nothing; the page's metadata was used"));
        feed_free(&f);
        html_report_free(&rep);
    }

    /* one item node on an article page: its missing fields from metadata */
    static const struct html_rules one = {.item = "//div[@class='news-detail']",
                                          .item_title = "h1"};
    assert_int_equal(html_extract_list(page, n, "https://nghean.dcs.vn/x.aspx", NULL, &one,
                                       FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_int_equal(f.nitems, 1);
    assert_int_equal(rep.hits[HTML_RULE_TITLE], 1);
    assert_non_null(strstr(f.items[0].link, "boi-duong-nghiep-vu-cong-tac-dan-van-nam-2020.aspx"));
    assert_int_equal(rep.date_how[0], HTML_DATE_META);
    assert_int_equal(rep.from_meta, 0);
    feed_free(&f);
    html_report_free(&rep);

    /* a rule that finds something wins over the metadata */
    static const struct html_rules h1 = {.item_title = "//h1"};
    assert_int_equal(html_extract_list(page, n, "https://nghean.dcs.vn/x.aspx", NULL, &h1,
                                       FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_string_equal(f.items[0].title, "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020");
    assert_int_equal(rep.hits[HTML_RULE_TITLE], 1);
    feed_free(&f);
    html_report_free(&rep);
    free(page);

    /* article:published_time, on a page without an og:url: the page URL */
    page = load("article_004.html", &n);
    assert_int_equal(html_extract_list(page, n, "https://thanhtri.hanoi.gov.vn/a.aspx", NULL,
                                       &none, FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_string_equal(f.items[0].link, "https://thanhtri.hanoi.gov.vn/a.aspx");
    assert_string_equal(utc(f.items[0].published), "2020-10-15T06:50:00Z");
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

static void test_meta_read(void **state)
{
    (void)state;
    const char *html =
        "<html><head><title>Trang - Site</title>"
        "<meta property='og:title' content='Ti&#234;u đề OG'>"
        "<meta property='article:author' content='https://facebook.com/x'>"
        "<meta name='description' content='Mô tả meta'>"
        "<script type='application/ld+json'>[{\"@type\":\"Organization\"},"
        "{\"@type\":[\"Thing\",\"NewsArticle\"],\"headline\":\"JSON headline\","
        "\"url\":\"/bai/1.html\",\"author\":[{\"name\":\"Lan Anh\"}],"
        "\"datePublished\":\"2026-01-19T08:00:00+07:00\","
        "\"description\":\"M&ocirc; tả <b>JSON</b>\"}]</script>"
        "<script type='application/ld+json'>{broken json</script>"
        "</head><body><p>x</p></body></html>";
    char err[128];
    htmlDocPtr doc = html_read(html, strlen(html), "https://a.vn/", NULL, NULL, err, sizeof err);
    struct html_meta m;
    assert_non_null(doc);
    html_meta_read(doc, "https://a.vn/c/", &m);
    assert_string_equal(m.title, "Tiêu đề OG");        /* og first */
    assert_string_equal(m.description, "Mô tả JSON");   /* JSON-LD over <meta name> */
    assert_string_equal(m.url, "https://a.vn/bai/1.html");
    assert_string_equal(m.author, "Lan Anh");            /* not the profile URL */
    assert_string_equal(m.site_name, "Trang - Site");
    assert_string_equal(utc(m.published), "2026-01-19T01:00:00Z");
    assert_int_equal(m.article, 1);
    html_meta_free(&m);
    xmlFreeDoc(doc);
}

/* ---- charsets ------------------------------------------------------------- */

static const char *const cp1258_titles[] = {
    "Hội nghị tổng kết công tác dân vận năm 2019",
    "Quy chế dân chủ ở cơ sở: những chuyển biến tích cực",
    "Phong trào thi đua “Dân vận khéo” ở huyện Khoái Châu",
};

static const struct html_rules cp1258_rules = {
    .item = "//td[@class='tieude']",
    .item_title = "a",
    .item_link = "a/@href",
    .item_date = "span[@class='ngay']",
};

static int cp1258_ok(const char *page, size_t n, const char *http, char *enc)
{
    char err[256];
    struct feed f;
    struct html_report rep;
    int ok;
    assert_int_equal(html_extract_list(page, n, "http://bdv.hungyen.vn/tintuc.asp", http,
                                       &cp1258_rules, FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_int_equal(f.nitems, 3);
    ok = 1;
    for (size_t i = 0; i < 3; i++)
        ok &= strcmp(f.items[i].title, cp1258_titles[i]) == 0;
    if (ok) {
        assert_string_equal(f.items[0].link, "http://bdv.hungyen.vn/chitiet.asp?id=101&cat=2");
        assert_string_equal(utc(f.items[0].published), "2020-01-19T17:00:00Z");
    }
    snprintf(enc, 40, "%s", f.encoding);
    feed_free(&f);
    html_report_free(&rep);
    return ok;
}

static void test_windows1258(void **state)
{
    (void)state;
    size_t n;
    char *page = load("list_cp1258.html", &n), enc[40];

    /* the bytes really are legacy: "ậ" is "a" + 0xE2 ... not UTF-8 */
    assert_null(strstr(page, "Dân"));
    /* <meta http-equiv> names it; no HTTP charset */
    assert_true(cp1258_ok(page, n, NULL, enc));
    assert_int_equal(ascii_casecmp(enc, "windows-1258"), 0);
    free(page);
}

/* charset.h: the document's own declaration (BOM, then <meta>) wins over
 * the HTTP header, which is only used when the page declares nothing. */
static void test_meta_vs_http(void **state)
{
    (void)state;
    size_t n;
    char *page = load("list_cp1258.html", &n), enc[40], err[256];

    /* the server says UTF-8, the page says windows-1258: the page wins */
    assert_true(cp1258_ok(page, n, "utf-8", enc));
    assert_int_equal(ascii_casecmp(enc, "windows-1258"), 0);

    /* without the <meta>, the HTTP charset decides */
    char *m = strstr(page, "<meta http-equiv");
    assert_non_null(m);
    memset(m, ' ', (size_t)(strchr(m, '>') - m + 1));
    assert_true(cp1258_ok(page, n, "windows-1258", enc));
    /* and with neither, the bytes are read as UTF-8 and come out wrong */
    assert_false(cp1258_ok(page, n, NULL, enc));
    assert_string_equal(enc, "UTF-8");
    free(page);

    /* UTF-8 page, <meta charset="utf-8">, a server that says Latin-1 */
    page = load("meta_vs_http.html", &n);
    static const struct html_rules r = {
        .item = "//div[@class='item']", .item_date = "p[@class='date']"};
    struct feed f;
    struct html_report rep;
    assert_int_equal(html_extract_list(page, n, "https://thanhtri.hanoi.gov.vn/tin/",
                                       "iso-8859-1", &r, FETCH_TIME, &f, &rep, err, sizeof err), 0);
    assert_int_equal(f.nitems, 2);
    assert_string_equal(f.items[0].title, "Ban Dân vận Huyện ủy sơ kết công tác 9 tháng");
    assert_string_equal(f.items[1].title, "Khai mạc lớp tập huấn về công tác Dân vận");
    assert_string_equal(f.items[1].link,
                        "https://thanhtri.hanoi.gov.vn/tin/khai-mac-lop-tap-huan-cong-tac-dan-van.html");
    assert_string_equal(utc(f.items[0].published), "2020-10-18T17:00:00Z");
    assert_string_equal(f.title, "Tin hoạt động - Ban Dân vận Huyện ủy Thanh Trì");
    assert_string_equal(f.encoding, "UTF-8");
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* ---- bounds ------------------------------------------------------------- */

static char *big_page(size_t items, size_t *len)
{
    size_t cap = items * 200 + 512, n = 0;
    char *p = malloc(cap);
    assert_non_null(p);
    n += (size_t)snprintf(p + n, cap - n, "<html><head><meta charset=\"utf-8\">"
                          "<title>Tin</title></head><body><ul class=\"list\">\n");
    for (size_t i = 0; i < items; i++)
        n += (size_t)snprintf(p + n, cap - n,
                              "<li class=\"item\"><a href=\"/tin/%zu.html\">Tin số %zu: Ban "
                              "Dân vận tổ chức hội nghị</a> <span class=\"date\">%02zu/%02zu/2025"
                              " 10:%02zu</span></li>\n",
                              i, i, i % 28 + 1, i % 12 + 1, i % 60);
    n += (size_t)snprintf(p + n, cap - n, "</ul></body></html>\n");
    *len = n;
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_item_limit(void **state)
{
    (void)state;
    static const struct html_rules r = {
        .item = "//ul[@class='list']/li",
        .item_title = "a",
        .item_link = "a/@href",
        .item_date = "span[@class='date']",
    };
    size_t n;
    char *page = big_page(10000, &n), err[256];
    struct feed f;
    struct html_report rep;
    long rss0 = maxrss_kb();
    double t0 = now_s();

    assert_int_equal(html_extract_list(page, n, "https://a.vn/tin/", NULL, &r, FETCH_TIME,
                                       &f, &rep, err, sizeof err), 0);
    double dt = now_s() - t0;
    long drss = maxrss_kb() - rss0;
    assert_int_equal(rep.nodes, 10000);
    assert_int_equal(f.nitems, LIMIT_ITEMS_PER_DOC);
    assert_int_equal(rep.dropped_limit, 10000 - LIMIT_ITEMS_PER_DOC);
    assert_int_equal(f.dropped_limit, 10000 - LIMIT_ITEMS_PER_DOC);
    assert_string_equal(f.items[0].title, "Tin số 0: Ban Dân vận tổ chức hội nghị");
    assert_string_equal(f.items[1999].title, "Tin số 1999: Ban Dân vận tổ chức hội nghị");
    assert_string_equal(f.items[1999].link, "https://a.vn/tin/1999.html");
    assert_string_equal(utc(f.items[1999].published), "2025-08-12T03:19:00Z");
    assert_true(has_warning(&rep, &r, "8000 items past the limit of 2000 were dropped"));
    /* ~1.3 MB page: well under a second optimized, a few under ASan */
    if (dt > 10.0)
        fail_msg("10 000 items took %.1f s", dt);
    /* the parsed tree and 2 000 items; the ASan build doubles it */
    if (drss > 200 * 1024)
        fail_msg("10 000 items grew the RSS by %ld KB", drss);
    print_message("10 000 items: %.2f s, RSS +%ld KB\n", dt, drss);
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* A quadratic rule on a big page stops at LIMIT_XPATH_OPS. */
static void test_xpath_op_limit(void **state)
{
    (void)state;
    static const struct html_rules r = {
        .item = "//ul[@class='list']/li[count(../li) > 1]",
    };
    size_t n;
    char *page = big_page(10000, &n), err[256];
    struct feed f;
    struct html_report rep;
    double t0 = now_s();

    assert_int_equal(html_extract_list(page, n, "https://a.vn/", NULL, &r, FETCH_TIME,
                                       &f, &rep, err, sizeof err), -1);
    double dt = now_s() - t0;
    assert_non_null(strstr(err, "item: XPath evaluation failed"));
    assert_non_null(strstr(err, "limit exceeded"));
    assert_int_equal(f.nitems, 0);
    assert_null(f.items);
    if (dt > 10.0)
        fail_msg("stopping a quadratic rule took %.1f s", dt);
    print_message("op limit hit after %.2f s\n", dt);
    html_report_free(&rep);
    free(page);
}

/* Date fields full of numbers that are no date: the search for a date
 * inside a longer text is bounded per field. */
static void test_hostile_dates(void **state)
{
    (void)state;
    static const struct html_rules r = {.item = "//li", .item_date = "span"};
    size_t cap = 2000 * 400 + 64, n = 0;
    char *page = malloc(cap), err[256];
    struct feed f;
    struct html_report rep;

    assert_non_null(page);
    n += (size_t)snprintf(page + n, cap - n, "<ul>");
    for (int i = 0; i < 2000; i++) {
        n += (size_t)snprintf(page + n, cap - n, "<li><a href=\"/t/%d\">T %d</a><span>", i, i);
        for (int k = 0; k < 120; k++)
            n += (size_t)snprintf(page + n, cap - n, "%d ", k % 10);
        n += (size_t)snprintf(page + n, cap - n, "</span></li>");
    }
    double t0 = now_s();
    assert_int_equal(html_extract_list(page, n, "https://a.vn/", NULL, &r, FETCH_TIME,
                                       &f, &rep, err, sizeof err), 0);
    double dt = now_s() - t0;
    assert_int_equal(f.nitems, 2000);
    assert_int_equal(rep.bad_dates, 2000);
    assert_int_equal(rep.guessed_dates, 2000);
    if (dt > 5.0)
        fail_msg("2 000 number-filled date fields took %.1f s", dt);
    feed_free(&f);
    html_report_free(&rep);
    free(page);
}

/* ---- rule errors ---------------------------------------------------------- */

static void test_runtime_xpath_errors(void **state)
{
    (void)state;
    static const struct {
        enum html_rule rule;
        const char *expr, *want;
    } cases[] = {
        /* compile fine (bantin check accepts them), fail when evaluated */
        {HTML_RULE_DATE, ".//span[@class=$undefinedvar]",
         "item_date: XPath evaluation failed: undefined variable"},
        {HTML_RULE_TITLE, "foo(.)", "item_title: XPath evaluation failed: unregistered function"},
        {HTML_RULE_LINK, "count(1)", "item_link: XPath evaluation failed: invalid type"},
        {HTML_RULE_ITEM, "//li[$n]", "item: XPath evaluation failed: undefined variable"},
        /* does not compile at all */
        {HTML_RULE_SUMMARY, ".//div[", "item_summary: XPath does not compile"},
        /* compiles, evaluates, but gives no nodes */
        {HTML_RULE_ITEM, "count(//li)", "item: the XPath gives a number, not a set of nodes"},
    };
    size_t n;
    char *page = load("modern_list.html", &n), err[256];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct html_rules r = modern_rules;
        const char **slot[] = {&r.item, &r.item_title, &r.item_link, &r.item_date,
                               &r.item_summary, &r.item_author, &r.item_id};
        struct feed f;
        struct html_report rep;

        *slot[cases[i].rule] = cases[i].expr;
        if (i < 4) {
            /* they really compile: the config check cannot catch them */
            xmlXPathCompExprPtr c = xmlXPathCompile(BAD_CAST cases[i].expr);
            assert_non_null(c);
            xmlXPathFreeCompExpr(c);
        }
        assert_int_equal(html_extract_list(page, n, "https://a.vn/", NULL, &r, FETCH_TIME,
                                           &f, &rep, err, sizeof err), -1);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].expr, err, cases[i].want);
        assert_int_equal(f.nitems, 0);
        assert_null(f.items);
        html_report_free(&rep);
    }
    free(page);
}

static void test_not_html(void **state)
{
    (void)state;
    char err[128];
    struct feed f;
    struct html_report rep;
    assert_int_equal(html_extract_list("", 0, NULL, NULL, &modern_rules, FETCH_TIME, &f,
                                       &rep, err, sizeof err), -1);
    assert_string_equal(err, "empty page");
    html_report_free(&rep);
    /* rep may be NULL */
    const char *p = "<p>no items here</p>";
    assert_int_equal(html_extract_list(p, strlen(p), NULL, NULL, &modern_rules, FETCH_TIME,
                                       &f, NULL, err, sizeof err), 0);
    assert_int_equal(f.nitems, 0);
    feed_free(&f);
}

/* Inline tags do not split words; block tags separate them; script and
 * style text is not text. */
static void test_node_text(void **state)
{
    (void)state;
    static const struct html_rules r = {.item = "//li"};
    const char *p = "<ul><li><a href='/x'>D&acirc;n v<b>ận</b> <span>kh</span>éo<script>x()"
                    "</script></a></li><li><h3>Tin<br>mới</h3><a href='/y'>"
                    "<div>Hội</div><div>nghị</div></a></li></ul>";
    char err[128];
    struct feed f;
    assert_int_equal(html_extract_list(p, strlen(p), "https://a.vn/", NULL, &r, FETCH_TIME,
                                       &f, NULL, err, sizeof err), 0);
    assert_int_equal(f.nitems, 2);
    assert_string_equal(f.items[0].title, "Dân vận khéo");
    assert_string_equal(f.items[1].title, "Tin mới");  /* the heading first */
    assert_string_equal(f.items[1].link, "https://a.vn/y");
    feed_free(&f);
}

/* ---- links ------------------------------------------------------------------ */

static void test_resolve(void **state)
{
    (void)state;
    static const struct {
        const char *href, *base, *want;
    } cases[] = {
        {"a.html", "https://a.vn/x/y.html", "https://a.vn/x/a.html"},
        {"/a.html", "https://a.vn/x/y.html", "https://a.vn/a.html"},
        {"//b.vn/a.html", "https://a.vn/x/", "https://b.vn/a.html"},
        {"?page=2", "https://a.vn/x/y.aspx?page=1", "https://a.vn/x/y.aspx?page=2"},
        {"  \n a.html \t", "https://a.vn/", "https://a.vn/a.html"},
        {"HTTP://A.vn/b", NULL, "HTTP://A.vn/b"},
        {"tin tức/bài 1.html", "https://a.vn/", "https://a.vn/tin%20t%E1%BB%A9c/b%C3%A0i%201.html"},
        {"#top", "https://a.vn/", NULL},
        {"", "https://a.vn/", NULL},
        {"javascript:void(0)", "https://a.vn/", NULL},
        {"mailto:a@b.vn", "https://a.vn/", NULL},
        {"ftp://a.vn/x", "https://a.vn/", NULL},
        {"a.html", NULL, NULL},
        {"http:///nohost", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = html_resolve(cases[i].href, cases[i].base);
        if (!cases[i].want) {
            if (got)
                fail_msg("'%s': expected NULL, got '%s'", cases[i].href, got);
            continue;
        }
        if (!got || strcmp(got, cases[i].want) != 0)
            fail_msg("'%s' on '%s':\n  got  '%s'\n  want '%s'", cases[i].href,
                     cases[i].base ? cases[i].base : "(null)", got ? got : "(null)",
                     cases[i].want);
        free(got);
    }
}

/* ---- dates ------------------------------------------------------------------ */

static void check_rel(const char *s, int64_t now, const char *want)
{
    int64_t t = 0;
    int rc = reldate_parse(s, strlen(s), now, &t);
    if (!want) {
        if (rc == 0)
            fail_msg("'%s': expected no date, got %s", s, utc(t));
        return;
    }
    if (rc != 0)
        fail_msg("'%s': not parsed, want %s", s, want);
    if (strcmp(utc(t), want) != 0)
        fail_msg("'%s': got %s, want %s", s, utc(t), want);
}

static void test_reldate(void **state)
{
    (void)state;
    const int64_t now = FETCH_TIME; /* 2026-10-04 12:00 in Vietnam */

    check_rel("15 giờ trước", now, "2026-10-03T14:00:00Z");
    check_rel("3 phút trước", now, "2026-10-04T04:57:00Z");
    check_rel("2 ngày trước", now, "2026-10-02T05:00:00Z");
    check_rel("45 giây trước", now, "2026-10-04T04:59:15Z");
    check_rel("1 tuần trước", now, "2026-09-27T05:00:00Z");
    check_rel("2 tháng trước", now, "2026-08-05T05:00:00Z");
    check_rel("1 năm trước", now, "2025-10-04T05:00:00Z");
    check_rel("cách đây 2 tiếng", now, "2026-10-04T03:00:00Z");
    check_rel("Thời sự · 3 phút trước", now, "2026-10-04T04:57:00Z");
    check_rel("15giờ trước", now, "2026-10-03T14:00:00Z");
    check_rel("15 GIỜ TRƯỚC", now, "2026-10-03T14:00:00Z");
    /* NFD input: "giờ trước" with combining marks */
    check_rel("15 gio\xcc\x9b\xcc\x80 tru\xcc\x9bo\xcc\x9b\xcc\x81" "c", now,
              "2026-10-03T14:00:00Z");
    check_rel("vừa xong", now, "2026-10-04T05:00:00Z");
    check_rel("Hôm nay", now, "2026-10-03T17:00:00Z");
    check_rel("hôm nay 10:22", now, "2026-10-04T03:22:00Z");
    check_rel("10:22 hôm nay", now, "2026-10-04T03:22:00Z");
    check_rel("Hôm qua", now, "2026-10-02T17:00:00Z");
    check_rel("hôm qua lúc 8h30", now, "2026-10-03T01:30:00Z");
    check_rel("18:20 hôm qua", now, "2026-10-03T11:20:00Z");
    check_rel("hôm kia", now, "2026-10-01T17:00:00Z");
    check_rel("2 hours ago", now, "2026-10-04T03:00:00Z");
    check_rel("yesterday", now, "2026-10-02T17:00:00Z");
    /* the day is Vietnam's: 2026-10-03T18:30Z is already 4 Oct, 01:30 */
    check_rel("hôm qua", 1791052200, "2026-10-02T17:00:00Z");
    check_rel("hôm nay", 1791052200, "2026-10-03T17:00:00Z");
    check_rel("hôm nay", 1791046799, "2026-10-02T17:00:00Z");

    check_rel("", now, NULL);
    check_rel("15/09/2022", now, NULL);
    check_rel("15 giờ", now, NULL);          /* no "trước" */
    check_rel("giờ trước", now, NULL);       /* no number */
    check_rel("1234567 giờ trước", now, NULL);
    check_rel("Cập nhật: đang cập nhật", now, NULL);
    check_rel("hôm sau", now, NULL);
}

static void test_html_date(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
        int how;
    } cases[] = {
        {"Thứ năm - 15/09/2022 10:22", "2022-09-15T03:22:00Z", HTML_DATE_PARSED},
        {"15/10/2020 | 13:50", "2020-10-15T06:50:00Z", HTML_DATE_PARSED},
        {"Ngày đăng 15/10/2020 | 13:50 | View count: 1366", "2020-10-15T06:50:00Z",
         HTML_DATE_PARSED},
        {"(05/08/2020)", "2020-08-04T17:00:00Z", HTML_DATE_PARSED},
        {"Cập nhật lúc 18:20 ngày 03/10/2026", "2026-10-03T11:20:00Z", HTML_DATE_PARSED},
        {"Đăng ngày: 20/01/2020 - 8:28:04 AM | Lượt xem: 1231", "2020-01-20T01:28:04Z",
         HTML_DATE_PARSED},
        {"Bóng đá · 15 giờ trước", "2026-10-03T14:00:00Z", HTML_DATE_RELATIVE},
        {"2026-10-04T09:15:00+07:00", "2026-10-04T02:15:00Z", HTML_DATE_PARSED},
        {"Lượt xem: 1366", NULL, -1},
        {"99/99/2020", NULL, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 0;
        int how = html_date(cases[i].in, strlen(cases[i].in), FETCH_TIME, &t);
        if (how != cases[i].how)
            fail_msg("'%s': how %d, want %d", cases[i].in, how, cases[i].how);
        if (cases[i].want && strcmp(utc(t), cases[i].want) != 0)
            fail_msg("'%s': got %s, want %s", cases[i].in, utc(t), cases[i].want);
    }
}

/* Nothing of libxml2's reaches stderr, and its handlers are restored. */
static void test_quiet(void **state)
{
    (void)state;
    struct html_quiet q;
    xmlStructuredErrorFunc before = xmlStructuredError;
    html_quiet_begin(&q);
    xmlXPathContextPtr ctx = xmlXPathNewContext(NULL);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "$nothing", ctx);
    assert_null(o);
    xmlXPathFreeContext(ctx);
    html_quiet_end(&q);
    assert_non_null(strstr(q.last, "ndefined variable"));
    assert_true(xmlStructuredError == before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nukeviet),
        cmocka_unit_test(test_base_href),
        cmocka_unit_test(test_defaults_and_duplicates),
        cmocka_unit_test(test_sharepoint),
        cmocka_unit_test(test_modern),
        cmocka_unit_test(test_rule_matches_nothing),
        cmocka_unit_test(test_single_article_from_metadata),
        cmocka_unit_test(test_meta_read),
        cmocka_unit_test(test_windows1258),
        cmocka_unit_test(test_meta_vs_http),
        cmocka_unit_test(test_item_limit),
        cmocka_unit_test(test_xpath_op_limit),
        cmocka_unit_test(test_hostile_dates),
        cmocka_unit_test(test_runtime_xpath_errors),
        cmocka_unit_test(test_not_html),
        cmocka_unit_test(test_node_text),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_reldate),
        cmocka_unit_test(test_html_date),
        cmocka_unit_test(test_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
