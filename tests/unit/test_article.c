/* test_article.c - unit tests of parse/article.c: the article text of the
 * five seed pages (tests/data/html/article_*.html, made by
 * make_articles.py from ../shared/seeds), boilerplate removal, and
 * summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse/article.h"
#include "util/limits.h"
#include "util/util.h"

#define DATA "tests/data/html/"

/* Each seed page: the admin's natural `article` rule, the first and the
 * last paragraph of the seed's article (whitespace collapsed), how many
 * paragraphs the article has (body, captions excluded, author lines
 * included), its title, and lines around it that must not reach the text. */
struct seed_page {
    const char *file;
    const char *xpath;
    const char *first;
    const char *last;
    size_t paragraphs;
    const char *title;
    const char *bad[16];
};

static const struct seed_page pages[] = {
    {
        "article_000.html",
        "//div[contains(@class,'news-content')]",
        "Sáng 17/9/2020, Ban Dân vận Tỉnh ủy tổ chức lớp "
        "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020 "
        "cho các cán bộ làm công tác dân vận các cấp, "
        "ngành từ tỉnh đến cơ sở.",
        "Lớp bồi dưỡng diễn ra trong 1 ngày do TS Nguyễn "
        "Minh Thơ - Chánh Văn phòng Ban Dân vận Trung ương "
        "trực tiếp giảng dạy các chuyên đề: công tác "
        "dân vận trong tình hình mới; xây dựng và thực "
        "hiện quy chế dân chủ ở cơ sở. Ngoài ra các "
        "học viên còn được truyền đạt một số kỹ "
        "năng, cách thức triển khai công tác dân vận có "
        "hiệu quả trong thực tiễn.",
        13,
        "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020",
        {"Banner", "Tin cùng chuyên mục",
         "Hội nghị giao ban công tác Mặt trận", "Chủ tịch Hội nông dân",
         "Công an Quế Phong", "Bản quyền", "Giấy phép", "Trang chủ",
         "Giới thiệu", NULL},
    },
    {
        "article_001.html",
        "//div[@id='news-bodyhtml']",
        "Chiều ngày 14/9, Ban Dân vận Tỉnh ủy tổ chức "
        "Hội thảo “Đổi mới công tác nắm tình hình "
        "Nhân dân, tham mưu và tham gia giải quyết các vấn "
        "đề phát sinh ở cơ sở”. Đồng chí Đ/c Đỗ "
        "Việt Anh, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng "
        "Ban Dân vận Tỉnh ủy, Chủ tịch UBMTTQ Việt Nam "
        "tỉnh chủ trì hội nghị. Dự Hội thảo có đại "
        "diện lãnh đạo: Ban Tuyên giáo Tỉnh ủy, Văn phòng "
        "Tỉnh ủy, Sở Nội vụ, Sở Thông tin và Truyền "
        "thông, Ủy ban MTTQ và các tổ chức chính trị - "
        "xã hội tỉnh, các Đảng ủy trực thuộc tỉnh, "
        "Thường trực các huyện, thành ủy, Trưởng Ban "
        "Dân vận các huyện, thành ủy.",
        "Phát biểu kết luận Hội thảo, đồng chí Đỗ "
        "Việt Anh, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng "
        "Ban Dân vận Tỉnh ủy, Chủ tịch UBMTTQ Việt Nam "
        "tỉnh khẳng định: Cấp ủy và cả hệ thống "
        "chính trị trên địa bàn tỉnh luôn coi trọng công "
        "tác dân vận, đặc biệt là việc nắm bắt tình "
        "hình nhân dân. Qua đó, phát huy vai trò của nhân "
        "dân tham gia xây dựng đảng, chính quyền, vững "
        "mạnh, góp phần thực hiện tốt nhiệm vụ phát "
        "triển kinh tế - xã hội, xây dựng nông thôn mới, "
        "đảm bảo an ninh quốc phòng, nâng cao đời sống "
        "nhân dân. Đồng chí Trưởng Ban Dân vận Tỉnh "
        "ủy cũng ghi nhận, đánh giá cao những ý kiến "
        "tham luận tại hội thảo, đồng thời tiếp thu, "
        "tổng hợp, báo cáo Ban Thường vụ Tỉnh ủy tiếp "
        "tục lãnh đạo, chỉ đạo đổi mới công tác "
        "nắm tình hình nhân dân, tham mưu và giải quyết "
        "các vấn đề phát sinh ở cơ sở, góp phần thực "
        "hiện hiệu quả Đề án của Ban Thường vụ Tỉnh "
        "ủy về \"Nâng cao chất lượng và hiệu quả công "
        "tác dân vận trên địa bàn tỉnh, giai đoạn 2021 "
        "- 2025\".",
        7,
        "Hội thảo “Đổi mới công tác nắm tình hình "
        "Nhân dân, tham mưu và tham gia giải quyết các vấn "
        "đề phát sinh ở cơ sở”.",
        {"Nhiệt liệt chào mừng", "Quang cảnh hội thảo", "Thống kê truy cập",
         "Số lượt truy cập", "386677", "Trực tuyến", "Hôm nay", "Hôm qua",
         "Thứ năm, 15/09/2022", "Gửi bài viết", "Bản quyền", "Ghi rõ nguồn",
         "Main", NULL},
    },
    {
        "article_002.html",
        "//div[@class='news_sapo'] | //div[@id='divNoiDung']",
        "LSO-Chiều nay (25/12), Ban Dân vận Tỉnh ủy tổ "
        "chức hội nghị tổng kết công tác dân vận năm "
        "2018, triển khai nhiệm vụ năm 2019.",
        "Nhân dịp này, 34 đồng chí đã được nhận kỷ "
        "niệm chương vì sự nghiệp dân vận của Ban Dân "
        "vận Trung ương.",
        9,
        "Tổng kết công tác dân vận năm 2018",
        {"Thứ bảy", "06/03/2021", "Tỉnh ủy phát biểu tại hội nghị",
         "In bài viết", "Gửi email", "Quay lại", "Chuyên mục", "TRANG CHỦ",
         "Giấy phép", "Ghi rõ nguồn", "Liên hệ", NULL},
    },
    {
        "article_003.html",
        "//td[@class='cot-giua']",
        "Nằm trong khuôn khổ Hội nghị tổng kết công "
        "tác dân vận, chiều 30/12, tại Hà Nội, Ban Dân "
        "vận Trung ương tổ chức Hội nghị Trưởng Ban "
        "Dân vận toàn quốc triển khai nhiệm vụ công tác "
        "dân vận năm 2021. Đồng chí Trương Thị Mai, Ủy "
        "viên Bộ Chính trị, Bí thư Trung ương Đảng, Trưởng "
        "Ban Dân vận Trung ương chủ trì Hội nghị.",
        "Nhân dịp này, Ban Dân vận Trung ương đã công "
        "bố quyết định và trao tặng Bằng khen của Trưởng "
        "Ban Dân vận Trung ương đối với các tập thể "
        "đã có thành tích xuất sắc trong Cuộc thi Báo "
        "chí viết về tấm gương \"Dân vận khéo\" giai "
        "đoạn 2017 - 2020; đối với các tập thể đã có "
        "thành tích xuất sắc đột xuất trong các hoạt "
        "động Kỷ niệm 90 năm Ngày truyền thống công "
        "tác dân vận của Đảng; đối với các tập thể, "
        "cá nhân thuộc Bộ Tư pháp đã có thành tích xuất "
        "sắc trong tham mưu tổ chức Hội nghị công tác "
        "dân vận trong hoạt động hòa giải.",
        13,
        "Hội nghị Trưởng Ban Dân vận toàn quốc triển "
        "khai nhiệm vụ công tác dân vận năm 2021",
        {"Toàn cảnh Hội nghị", "Bài viết khác", "Các bài mới nhất",
         "Phạm Tất Thắng", "Khẩn trương triển khai", "Giấy phép",
         "Trưởng ban biên tập", "Copyright", "Hôm nay", "Liên kết",
         "Giới thiệu", "Website", NULL},
    },
    {
        "article_004.html",
        "//div[contains(@id,'RichHtmlField')]",
        "Ngày 15/10/2020, Ban Dân vận Huyện ủy phối hợp "
        "với Trung tâm bồi dưỡng chính trị huyện khai "
        "mạc lớp tập huấn về công tác Dân vận, việc "
        "xây dựng quy chế dân chủ ở cơ sở năm 2020",
        "Qua đó nhằm bổ sung kiến thức về việc thực "
        "hiện quy chế dân chủ ở xã, phường, thị trấn "
        "gắn với việc thực hiện Pháp lệnh số 34 của "
        "Ủy ban Thường vụ Quốc hội và thực hiện quy "
        "chế dân chủ trong tình hình mới. Quyết định "
        "số 290, ngày 25/2/2010 của Bộ chính trị về “ban "
        "hành quy chế công tác dân vận của hệ thống "
        "chính trị; Kết luận số 114, ngày 14/7/2015 của "
        "Ban Bí thư trung ương Đảng về “Nâng cao hiệu "
        "quả công tác dân vận của cơ quan nhà nước các "
        "cấp”; Chỉ thị số 16, ngày 16/5/2016 của Thủ "
        "tướng Chính phủ về “Tăng cường và đổi mới "
        "công tác dân vận trong cơ quan hành chính chính "
        "nhà nước, chính quyền các cấp trong tình hình "
        "mới”; Nghị định 04 của Chính phủ “Về thực "
        "hiện dân chủ trong hoạt động của cơ quan hành "
        "chính nhà nước và đơn vị sự nghiệp công lập” "
        "gắn với Quy định số 04, ngày 01/3/2000 của Bộ "
        "giáo dục và Đào tạo “Về việc ban hành quy "
        "chế thực hiện dân chủ trong hoạt động của "
        "nhà trường”. Quán triệt Nghị quyết 25, ngày "
        "3/6/2013 của Bộ Chính trị về “Tăng cường và "
        "đổi mới sự lãnh đạo của Đảng đối với "
        "công tác Dân vận trong tình hình mới”. Cách thức "
        "triển khai, thực hiện phong trào Dân vận khéo "
        "tại địa phương, đơn vị.",
        6,
        "Huyện Thanh Trì: Khai mạc lớp tập huấn về công "
        "tác Dân vận",
        {"Đảng, đoàn thể", "View count", "Ngày đăng", "Tin khác",
         "sơ kết công tác dân vận 9 tháng", "Trang chủ", "Ra quân", NULL},
    },
};

#define NPAGES (sizeof pages / sizeof pages[0])

static char *load(const char *name, size_t *n)
{
    char path[256], *buf = NULL;
    snprintf(path, sizeof path, DATA "%s", name);
    if (read_file(path, LIMIT_BODY_BYTES, &buf, n) != 0)
        fail_msg("cannot read %s (run from the repository root)", path);
    return buf;
}

static size_t count_paragraphs(const char *text)
{
    size_t n = *text ? 1 : 0;
    for (const char *p = text; (p = strstr(p, "\n\n")) != NULL; p += 2)
        n++;
    return n;
}

/* Is line one whole paragraph of text? */
static int has_paragraph(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || (p - text >= 2 && p[-1] == '\n' && p[-2] == '\n')) &&
            (p[n] == '\0' || (p[n] == '\n' && p[n + 1] == '\n')))
            return 1;
    return 0;
}

/* What every extraction of a seed page must give. */
static void check_text(const struct seed_page *pg, const char *text,
                       const char *how, int exact)
{
    if (strncmp(text, pg->first, strlen(pg->first)) != 0)
        fail_msg("%s (%s): text does not start with the first paragraph:\n%.300s",
                 pg->file, how, text);
    if (!has_paragraph(text, pg->last))
        fail_msg("%s (%s): last paragraph missing", pg->file, how);
    if (has_paragraph(text, pg->title))
        fail_msg("%s (%s): the title is repeated in the text", pg->file, how);
    for (const char *const *b = pg->bad; *b; b++)
        if (strstr(text, *b))
            fail_msg("%s (%s): boilerplate \"%s\" in the text:\n%s", pg->file,
                     how, *b, text);
    if (exact && count_paragraphs(text) != pg->paragraphs)
        fail_msg("%s (%s): %zu paragraphs, want %zu:\n%s", pg->file, how,
                 count_paragraphs(text), pg->paragraphs, text);
    assert_null(strstr(text, "\n\n\n"));
}

/* The summary the digest gets: the first paragraph, nothing before it,
 * no boilerplate. */
static void check_summary(const struct seed_page *pg, const char *text,
                          const char *how)
{
    char *s = article_summary(text, LIMIT_SUMMARY_BYTES);
    assert_true(strlen(s) <= LIMIT_SUMMARY_BYTES);
    if (strncmp(s, pg->first, strlen(pg->first)) != 0)
        fail_msg("%s (%s): summary does not start with the first paragraph:\n%.300s",
                 pg->file, how, s);
    for (const char *const *b = pg->bad; *b; b++)
        if (strstr(s, *b))
            fail_msg("%s (%s): boilerplate \"%s\" in the summary", pg->file, how, *b);
    assert_null(strchr(s, '\n'));
    free(s);

    /* a short one is the first sentences of the text, on one line */
    char *flat = strdup(text);
    assert_non_null(flat);
    char *o = flat;
    for (const char *p = text; *p; p++)
        if (!(p[0] == '\n' && p[1] == '\n'))
            *o++ = *p == '\n' ? ' ' : *p;
    *o = '\0';
    s = article_summary(text, 300);
    assert_true(strlen(s) <= 300);
    assert_true(strlen(s) > 100);
    size_t k = strlen(s);
    if (k >= 3 && strcmp(s + k - 3, "\xe2\x80\xa6") == 0)
        k -= 3;
    if (strncmp(s, flat, k) != 0 ||
        strncmp(s, pg->first, k < strlen(pg->first) ? k : strlen(pg->first)) != 0)
        fail_msg("%s (%s): short summary is not how the text begins:\n%s",
                 pg->file, how, s);
    free(flat);
    free(s);
}

static void test_seed_pages_xpath(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAGES; i++) {
        size_t n;
        char *page = load(pages[i].file, &n), err[256];
        struct article a;
        assert_int_equal(article_parse(page, n, "https://example.vn/tin/1.html", NULL,
                                       pages[i].xpath, &a, err, sizeof err), 0);
        assert_string_equal(err, "");
        assert_int_equal(a.generic, 0);
        check_text(&pages[i], a.text, "xpath", 1);
        check_summary(&pages[i], a.text, "xpath");
        article_free(&a);
        free(page);
    }
}

static void test_seed_pages_generic(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAGES; i++) {
        size_t n;
        char *page = load(pages[i].file, &n), err[256];
        char *text = article_extract(page, n, "https://example.vn/tin/1.html", NULL,
                                     NULL, err, sizeof err);
        assert_non_null(text);
        check_text(&pages[i], text, "generic", 1);
        check_summary(&pages[i], text, "generic");
        free(text);
        free(page);
    }
}

/* An admin's careless rule, the whole <body>: the menus, lists, counters
 * and footers all fall inside it, and the text filters alone must keep
 * them out of the summary (and the listed lines out of the text, except
 * a site's name line at the very end). */
static void test_seed_pages_whole_body(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAGES; i++) {
        size_t n;
        char *page = load(pages[i].file, &n), err[256];
        char *text = article_extract(page, n, NULL, NULL, "//body", err, sizeof err);
        assert_non_null(text);
        struct seed_page pg = pages[i];
        if (strcmp(pg.file, "article_003.html") == 0)
            pg.bad[11] = NULL; /* "Website Ban Dân Vận Tỉnh Hưng Yên" stays */
        check_text(&pg, text, "//body", 0);
        check_summary(&pg, text, "//body");
        free(text);
        free(page);
    }
}

static void test_title_and_date(void **state)
{
    (void)state;
    size_t n;
    char *page = load("article_000.html", &n), err[256], t[32];
    struct article a;

    /* JSON-LD NewsArticle in an @graph */
    assert_int_equal(article_parse(page, n, NULL, NULL, NULL, &a, err, sizeof err), 0);
    assert_string_equal(a.title, "Bồi dưỡng nghiệp vụ công tác dân vận năm 2020");
    time_format_utc(a.published, t, sizeof t);
    assert_string_equal(t, "2020-09-17T08:30:00Z");
    assert_int_equal(a.generic, 1);
    article_free(&a);
    free(page);

    /* article:published_time */
    page = load("article_004.html", &n);
    assert_int_equal(article_parse(page, n, NULL, NULL, NULL, &a, err, sizeof err), 0);
    assert_string_equal(a.title, "Huyện Thanh Trì: Khai mạc lớp tập huấn về công tác Dân vận");
    time_format_utc(a.published, t, sizeof t);
    assert_string_equal(t, "2020-10-15T06:50:00Z");
    article_free(&a);
    free(page);

    /* no metadata: <title>, no date */
    page = load("article_002.html", &n);
    assert_int_equal(article_parse(page, n, NULL, NULL, NULL, &a, err, sizeof err), 0);
    assert_string_equal(a.title, "Tổng kết công tác dân vận năm 2018");
    assert_true(a.published == TIME_NONE);
    article_free(&a);
    free(page);
}

static void test_xpath_matches_nothing(void **state)
{
    (void)state;
    size_t n;
    char *page = load("article_004.html", &n), err[256];
    struct article a;
    assert_int_equal(article_parse(page, n, NULL, NULL, "//div[@id='noidung']",
                                   &a, err, sizeof err), 0);
    assert_int_equal(a.generic, 1);
    assert_non_null(strstr(err, "XPath matched no text"));
    check_text(&pages[4], a.text, "fallback", 1);
    article_free(&a);
    free(page);
}

static void test_xpath_errors(void **state)
{
    (void)state;
    size_t n;
    char *page = load("article_004.html", &n), err[256];
    struct article a;

    assert_int_equal(article_parse(page, n, NULL, NULL, "//div[@id=$id]", &a,
                                   err, sizeof err), -1);
    assert_non_null(strstr(err, "article: XPath evaluation failed"));
    assert_non_null(strstr(err, "ndefined variable"));
    assert_null(a.text);

    assert_int_equal(article_parse(page, n, NULL, NULL, "//div[", &a, err,
                                   sizeof err), -1);
    assert_non_null(strstr(err, "article: XPath does not compile"));

    assert_int_equal(article_parse("", 0, NULL, NULL, NULL, &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    free(page);
}

static char *extract(const char *html, const char *xpath)
{
    char err[256];
    char *t = article_extract(html, strlen(html), "https://example.vn/a.html",
                              NULL, xpath, err, sizeof err);
    assert_non_null(t);
    return t;
}

#define P1 "Ngày 20/01/2026, Ban Dân vận Tỉnh ủy tổ chức hội nghị sơ kết, " \
           "đánh giá kết quả thực hiện Quy chế dân chủ ở cơ sở."
#define P2 "Hội nghị đã nghe báo cáo, thảo luận và thống nhất các nhiệm vụ, " \
           "giải pháp trọng tâm cho năm 2026."

/* Each boilerplate form on its own, inside the article's node. */
static void test_filters(void **state)
{
    (void)state;
    static const struct {
        const char *name, *html, *gone;
    } cases[] = {
        {"figcaption",
         "<div id=a><p>" P1 "</p><figure><img src=x.jpg><figcaption>Quang cảnh "
         "hội nghị</figcaption></figure><p>" P2 "</p></div>", "Quang cảnh"},
        {"caption after an image",
         "<div id=a><p>" P1 "</p><p><img src=x.jpg></p><p><em>Đồng chí Nguyễn "
         "Văn A phát biểu</em></p><p>" P2 "</p></div>", "phát biểu"},
        {"caption in the image's paragraph",
         "<div id=a><p>" P1 "</p><p><img src=x.jpg><br>Các đại biểu dự hội "
         "nghị</p><p>" P2 "</p></div>", "đại biểu dự"},
        {"caption class",
         "<div id=a><p>" P1 "</p><div class=\"image-caption\">Ảnh minh họa.</div>"
         "<p>" P2 "</p></div>", "minh họa"},
        {"related box in the middle",
         "<div id=a><p>" P1 "</p><div><b>Tin liên quan:</b><ul><li><a href=/1>Tin "
         "một</a></li><li><a href=/2>Tin hai</a></li></ul></div><p>" P2 "</p></div>",
         "Tin "},
        {"related heading and bulleted links",
         "<div id=a><p>" P1 "</p><p>" P2 "</p><h3>Các tin khác</h3><p>• <a href=/1>"
         "Tin một dài dòng</a> (12/01/2026)</p><p>• <a href=/2>Tin hai</a> "
         "(11/01/2026)</p></div>", "Tin "},
        {"counters",
         "<div id=a><p>" P1 "</p><p>" P2 "</p><p>Đang truy cập: 12</p><p>Hôm "
         "nay: 345</p><p>Tổng lượt truy cập: 1.234.567</p></div>", "truy cập"},
        {"counter with glued numbers",
         "<div id=a><p>" P1 "</p><p>" P2 "</p><div>Hôm nay<b>411</b> Hôm qua<b>2,124"
         "</b> Tuần này<b>10,369</b></div></div>", "Hôm"},
        {"licence footer",
         "<div id=a><p>" P1 "</p><p>" P2 "</p><p>© Bản quyền thuộc về Ban Dân vận "
         "Tỉnh ủy. Ghi rõ nguồn khi phát hành lại.</p></div>", "Bản quyền"},
        {"share and print",
         "<div id=a><p>" P1 "</p><p>" P2 "</p><p><a href=#>In bài viết</a> | <a "
         "href=#>Chia sẻ</a></p><p>Chia sẻ: Facebook Zalo</p></div>", "Chia sẻ"},
        {"date line and view count",
         "<div id=a><p>Thứ Hai, 19/01/2026</p><p>Ngày đăng 15/10/2020 | 13:50 | "
         "View count: 1366</p><p>" P1 "</p><p>" P2 "</p></div>", "19/01"},
        {"title repeated, breadcrumb before it",
         "<title>Sơ kết Quy chế dân chủ</title><div id=a><p>Tin tức</p><h1>Sơ kết "
         "Quy chế dân chủ</h1><p>" P1 "</p><p>" P2 "</p></div>", "Tin tức"},
        {"hidden and script",
         "<div id=a><p>" P1 "</p><div style=\"display: none\">Ẩn đi</div>"
         "<script>var x = 'Ẩn';</script><p>" P2 "</p></div>", "Ẩn"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int mode = 0; mode < 2; mode++) {
            char *t = extract(cases[i].html, mode ? "//div[@id='a']" : NULL);
            if (strcmp(t, P1 "\n\n" P2) != 0)
                fail_msg("%s (%s): got\n%s", cases[i].name, mode ? "xpath" : "generic", t);
            assert_null(strstr(t, cases[i].gone));
            free(t);
        }
    }
}

/* What the filters must leave alone. */
static void test_filters_keep(void **state)
{
    (void)state;
    /* a paragraph mentioning "chia sẻ", "hôm nay", "giấy phép" is text */
    const char *html =
        "<div id=a><p>" P1 "</p><p>Hôm nay, các đại biểu chia sẻ kinh nghiệm về "
        "cấp giấy phép xây dựng cho người dân.</p><p>" P2 "</p></div>";
    char *t = extract(html, "//div[@id='a']");
    assert_string_equal(t, P1 "\n\nHôm nay, các đại biểu chia sẻ kinh nghiệm về "
                           "cấp giấy phép xây dựng cho người dân.\n\n" P2);
    free(t);
    /* one <br> continues a paragraph, two end it */
    t = extract("<div id=a>" P1 "<br>" P2 "<br><br>" P1 "</div>", "//div[@id='a']");
    assert_string_equal(t, P1 " " P2 "\n\n" P1);
    free(t);
}

/* Generic extraction picks the dense block over a link-heavy sidebar with
 * more text in total, whatever the order. */
static void test_generic_density(void **state)
{
    (void)state;
    struct buf_like {
        char s[16384];
        size_t n;
    } *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->n += (size_t)snprintf(b->s + b->n, sizeof b->s - b->n, "<body><div id=x>");
    for (int i = 0; i < 30; i++)
        b->n += (size_t)snprintf(b->s + b->n, sizeof b->s - b->n,
                                 "<div><a href=/t/%d>Tin số %d về công tác dân vận "
                                 "ở cơ sở trong năm</a></div>", i, i);
    b->n += (size_t)snprintf(b->s + b->n, sizeof b->s - b->n,
                             "</div><div id=y><p>" P1 "</p><p>" P2 "</p><p>" P1
                             " " P2 "</p></div></body>");
    char *t = extract(b->s, NULL);
    assert_string_equal(t, P1 "\n\n" P2 "\n\n" P1 " " P2);
    free(t);
    free(b);
}

static void test_summary(void **state)
{
    (void)state;
    const char *text = "Câu thứ nhất khá ngắn. Câu thứ hai dài hơn một chút, "
                       "có dấu phẩy.\n\nĐoạn hai bắt đầu ở đây.";
    char *s;

    /* fits: whole, paragraphs joined by a space */
    s = article_summary(text, 4096);
    assert_string_equal(s, "Câu thứ nhất khá ngắn. Câu thứ hai dài hơn một chút, "
                           "có dấu phẩy. Đoạn hai bắt đầu ở đây.");
    free(s);

    /* whole sentences that fit */
    s = article_summary(text, 90);
    assert_string_equal(s, "Câu thứ nhất khá ngắn. Câu thứ hai dài hơn một chút, "
                           "có dấu phẩy.");
    free(s);

    /* the first sentence fills less than 40%: cut on a word, with "…" */
    s = article_summary("Một. Hai ba bốn năm sáu bảy tám chín mười mười một "
                        "mười hai mười ba.", 40);
    assert_true(strlen(s) <= 40);
    assert_string_equal(s, "Một. Hai ba bốn năm sáu bảy…");
    free(s);

    /* never mid-character, never mid-word, for any max */
    const char *vn = "Đồng chí Trương Thị Mai nhấn mạnh cần tiếp tục nắm tình "
                     "hình nhân dân trong và sau Đại hội XIII của Đảng";
    for (size_t max = 8; max < strlen(vn); max++) {
        s = article_summary(vn, max);
        size_t k = strlen(s);
        assert_true(k <= max);
        assert_true(k >= 3 && strcmp(s + k - 3, "\xe2\x80\xa6") == 0);
        if (k > 3) {
            size_t body = k - 3;
            assert_true(strncmp(s, vn, body) == 0);
            /* the cut is at a space of the original (or the whole word
             * did not fit in 8 bytes) */
            assert_true(vn[body] == ' ' || max < 12);
        }
        free(s);
    }

    /* "TP. Hưng Yên" is not the end of a sentence */
    s = article_summary("Hội nghị tổ chức tại TP. Hưng Yên vào sáng nay với "
                        "nhiều đại biểu. Câu sau.", 95);
    assert_string_equal(s, "Hội nghị tổ chức tại TP. Hưng Yên vào sáng nay với "
                           "nhiều đại biểu.");
    free(s);

    /* a sentence ending in a closing quote */
    s = article_summary("Bác dạy: “Dân vận khéo thì việc gì cũng thành công.” "
                        "Từ đó đến nay phong trào lan tỏa rộng khắp.", 70);
    assert_string_equal(s, "Bác dạy: “Dân vận khéo thì việc gì cũng thành công.”");
    free(s);

    s = article_summary("", 100);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_pages_xpath),
        cmocka_unit_test(test_seed_pages_generic),
        cmocka_unit_test(test_seed_pages_whole_body),
        cmocka_unit_test(test_title_and_date),
        cmocka_unit_test(test_xpath_matches_nothing),
        cmocka_unit_test(test_xpath_errors),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_filters_keep),
        cmocka_unit_test(test_generic_density),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
