/* article.c - the body text of an article page, boilerplate removed. */
#include "article.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <utf8proc.h>

#include "parse/date.h"
#include "parse/html.h"
#include "parse/text.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

/* Deeper nodes are not looked at: real pages nest 20-40 levels. */
#define MAX_DEPTH 256
/* A "short" line, where the line filters below may act. */
#define SHORT_LINE 200

static void set_err(char *err, size_t errlen, const char *msg, const char *detail)
{
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", msg, detail && *detail ? ": " : "",
                 detail ? detail : "");
}

/* ---- element classes ---------------------------------------------------- */

static int name_in(const xmlChar *name, const char *const *list)
{
    for (; *list; list++)
        if (xmlStrcasecmp(name, BAD_CAST *list) == 0)
            return 1;
    return 0;
}

/* Never text: dropped with their content. <form> is not here: ASP.NET
 * pages wrap the whole body in one. */
static int junk_tag(const xmlChar *name)
{
    static const char *const tags[] = {
        "script", "style", "noscript", "template", "iframe", "button",
        "select", "input", "textarea", "object", "embed", "svg", "map",
        "marquee", "nav", "footer", "aside", "head", "link", "meta",
        "canvas", "video", "audio", "dialog", NULL};
    return name_in(name, tags);
}

/* The class and id of an element, lower-cased, in buf. */
static void class_id(xmlNodePtr n, char *buf, size_t size)
{
    xmlChar *c = xmlGetProp(n, BAD_CAST "class");
    xmlChar *i = xmlGetProp(n, BAD_CAST "id");
    snprintf(buf, size, "%s %s", c ? (const char *)c : "", i ? (const char *)i : "");
    for (char *p = buf; *p; p++)
        *p = (char)TO_LOWER((unsigned char)*p);
    xmlFree(c);
    xmlFree(i);
}

static int has_any(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strstr(s, *list))
            return 1;
    return 0;
}

/* Class/id hints, as substrings: Readability's lists plus the names
 * Vietnamese CMSs use (NukeViet, SharePoint portals, VNPT portals). */
static const char *const strong_negative[] = {
    "sidebar", "side-bar", "footer", "comment", "related", "lienquan",
    "lien-quan", "lien_quan", "tinkhac", "tin-khac", "tin_khac", "othernews",
    "other-news", "other_news", "news-other", "news_other", "cungchuyenmuc",
    "cung-chuyen-muc", "share", "social", "banner", "advert", "quangcao",
    "quang-cao", "breadcrumb", "counter", "thongke", "thong-ke", "visitor",
    "statistic", "copyright", "sponsor", "popup", "tinmoi", "tin-moi",
    "newest", "latest", "mostread", "most-read", "docnhieu", NULL};
static const char *const weak_negative[] = {
    "menu", "header", "widget", "tags", "rating", "login", "search",
    "weather", "logo", "slogan", "pagination", "pager", "toolbar", "navbar",
    "masthead", "hidden", "combx", "shoutbox", "skyscraper", "-ad-", NULL};
static const char *const positive[] = {
    "article", "content", "detail", "chitiet", "chi-tiet", "noidung",
    "noi-dung", "noi_dung", "body", "main", "entry", "post", "story",
    "fulltext", "news-text", "newstext", "baiviet", "bai-viet", NULL};
static const char *const caption_hint[] = {
    "caption", "chuthich", "chu-thich", "image-desc", "img-desc", "imgdesc",
    "image_desc", "photo-desc", "figcaption", "pic-desc", "desc-img",
    "note-img", "imagecaption", "image-caption", NULL};

static int is_hidden(xmlNodePtr n)
{
    xmlChar *st = xmlGetProp(n, BAD_CAST "style");
    int h = 0;
    if (st) {
        char buf[256];
        size_t j = 0;
        for (const xmlChar *p = st; *p && j + 1 < sizeof buf; p++)
            if (!IS_SPACE(*p))
                buf[j++] = (char)TO_LOWER(*p);
        buf[j] = '\0';
        h = strstr(buf, "display:none") || strstr(buf, "visibility:hidden");
        xmlFree(st);
    }
    return h || xmlHasProp(n, BAD_CAST "hidden");
}

/* Text bytes under n (bounded work: stops counting at limit). */
static size_t text_bytes(xmlNodePtr n, size_t limit, int depth)
{
    size_t t = 0;
    for (xmlNodePtr c = n->children; c && t < limit; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content)
            t += strlen((const char *)c->content);
        else if (c->type == XML_ELEMENT_NODE && depth < MAX_DEPTH &&
                 !junk_tag(c->name))
            t += text_bytes(c, limit - t, depth + 1);
    }
    return t;
}

/* Remove what is never article text under root (root itself stays):
 * junk tags, hidden elements, elements whose class/id says sidebar,
 * related list, counter... -- unless one holds most of the text, which
 * means its class lied. */
static void strip(xmlNodePtr root, size_t total, int depth)
{
    xmlNodePtr c = root->children, next;
    char ci[512];

    for (; c; c = next) {
        next = c->next;
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int drop = junk_tag(c->name) || is_hidden(c);
        if (!drop) {
            class_id(c, ci, sizeof ci);
            if (has_any(ci, strong_negative) ||
                (has_any(ci, weak_negative) && !has_any(ci, positive)))
                drop = text_bytes(c, total / 2 + 1, 0) <= total / 2;
        }
        if (drop) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (depth < MAX_DEPTH) {
            strip(c, total, depth + 1);
        }
    }
}

/* ---- paragraphs ----------------------------------------------------------- */

enum {
    P_CAPTION = 1,   /* inside <figcaption> or a caption class */
    P_HAS_IMG = 2,   /* an <img> inside the paragraph */
    P_AFTER_IMG = 4, /* the first text after an image */
    P_LIST = 8,      /* inside <li> */
};

struct para {
    char *text;
    size_t raw, link;   /* raw text bytes, of which inside <a> */
    unsigned flags;
};

struct walk {
    struct buf cur;
    size_t cur_link;
    unsigned cur_flags;
    int cur_text;       /* non-space text seen in cur */
    int br;             /* the last thing was a <br> */
    int img_pending;    /* an image and no text since */
    struct para *v;
    size_t n, cap, bytes;
};

static int ends_sentence(const char *s);

static void flush(struct walk *w)
{
    if (w->cur_text && w->bytes < LIMIT_ARTICLE_BYTES) {
        char *t = text_clean_plain(w->cur.data, w->cur.len, LIMIT_ARTICLE_BYTES);
        if (*t) {
            if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 32;
                w->v = xrealloc(w->v, w->cap * sizeof *w->v);
            }
            w->v[w->n++] = (struct para){t, w->cur.len, w->cur_link, w->cur_flags};
            w->bytes += strlen(t) + 2;
            /* an image may have several short lines under it (a repeat
             * of the title, then "Toàn cảnh Hội nghị"): all captions */
            if (strlen(t) >= 250 || ends_sentence(t))
                w->img_pending = 0;
        } else {
            free(t);
        }
    }
    buf_reset(&w->cur);
    w->cur_link = 0;
    w->cur_flags = 0;
    w->cur_text = 0;
    w->br = 0;
}

static void add_text(struct walk *w, const char *s, int in_link, unsigned flags)
{
    size_t n = strlen(s);
    int text = 0;
    /* anything but ASCII spaces and NBSP (C2 A0) */
    for (size_t i = 0; i < n && !text; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC2 && (unsigned char)s[i + 1] == 0xA0)
            i++;
        else
            text = !IS_SPACE(c);
    }
    if (text) {
        if (!w->cur_text && w->img_pending)
            w->cur_flags |= P_AFTER_IMG;
        w->cur_text = 1;
        w->br = 0;
        w->cur_flags |= flags;
    }
    if (buf_add(&w->cur, s, n) == 0 && in_link)
        w->cur_link += n;
}

static void walk_node(struct walk *w, xmlNodePtr n, int in_link,
                      unsigned flags, int depth)
{
    char ci[512];
    for (xmlNodePtr c = n->children; c && w->bytes < LIMIT_ARTICLE_BYTES; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            add_text(w, (const char *)c->content, in_link, flags);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE || depth >= MAX_DEPTH || junk_tag(c->name))
            continue;
        if (xmlStrcasecmp(c->name, BAD_CAST "br") == 0) {
            /* one <br> is a line break inside a paragraph, two end it */
            if (w->br && w->cur_text)
                flush(w);
            else
                buf_addc(&w->cur, ' ');
            w->br = 1;
            continue;
        }
        if (xmlStrcasecmp(c->name, BAD_CAST "img") == 0) {
            w->img_pending = 1;
            w->cur_flags |= P_HAS_IMG;
            continue;
        }
        unsigned f = flags;
        class_id(c, ci, sizeof ci);
        if (xmlStrcasecmp(c->name, BAD_CAST "figcaption") == 0 ||
            has_any(ci, caption_hint))
            f |= P_CAPTION;
        if (xmlStrcasecmp(c->name, BAD_CAST "li") == 0)
            f |= P_LIST;
        int a = in_link || (xmlStrcasecmp(c->name, BAD_CAST "a") == 0 &&
                            xmlHasProp(c, BAD_CAST "href"));
        if (html_inline_tag(c->name)) {
            if (f != flags && w->cur_text)
                flush(w);
            walk_node(w, c, a, f, depth + 1);
            if (f != flags)
                flush(w);
        } else {
            flush(w);
            walk_node(w, c, a, f, depth + 1);
            flush(w);
        }
    }
}

/* ---- paragraph filters ---------------------------------------------------- */

/* Match keys (text_match_key) of the phrases; computed once per call. */
struct phrases {
    char **k;
    size_t n;
};

static void phrases_init(struct phrases *p, const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    p->k = xmalloc(n * sizeof *p->k);
    p->n = n;
    for (size_t i = 0; i < n; i++)
        p->k[i] = text_match_key(list[i], strlen(list[i]));
}

static void phrases_free(struct phrases *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->k[i]);
    free(p->k);
}

/* key starts with phrase k at a token boundary. */
static int starts(const char *key, const char *k)
{
    size_t n = strlen(k);
    return strncmp(key, k, n) == 0 && (key[n] == '\0' || key[n] == ' ');
}

/* k occurs in key at token boundaries. */
static int contains(const char *key, const char *k)
{
    size_t n = strlen(k);
    for (const char *p = key; (p = strstr(p, k)) != NULL; p++)
        if ((p == key || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return 1;
    return 0;
}

static int any_start(const char *key, const struct phrases *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (starts(key, p->k[i]))
            return 1;
    return 0;
}

static int any_contains(const char *key, const struct phrases *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (contains(key, p->k[i]))
            return 1;
    return 0;
}

/* Headings of the lists that follow an article on these sites. */
static const char *const section_list[] = {
    "Tin cùng chuyên mục", "Tin cùng danh mục", "Bài cùng chuyên mục",
    "Bài viết khác", "Các bài viết khác", "Bài khác", "Các bài mới nhất",
    "Bài mới nhất", "Tin mới nhất", "Tin mới", "Tin mới hơn", "Tin cũ hơn",
    "Tin liên quan", "Bài liên quan", "Các tin liên quan", "Tin khác",
    "Các tin khác", "Tin tức khác", "Tin bài khác", "Xem thêm", "Tin đã đưa",
    "Các tin đã đưa", "Tin nổi bật", "Tin đọc nhiều", "Đọc nhiều nhất",
    "Xem nhiều nhất", "Bài đọc nhiều", "Tin tiêu điểm", "Có thể bạn quan tâm",
    "Related", "Related news", "Read more", NULL};
/* Lines that begin with these are page furniture, not text. */
static const char *const furniture_list[] = {
    "In bài viết", "In bài", "Bản in", "Chia sẻ", "Gửi bài viết", "Gửi email",
    "Gửi cho bạn bè", "Lưu bài viết", "Quay lại", "Trở về", "Về đầu trang",
    "Lên đầu trang", "Cỡ chữ", "Bình luận", "Ý kiến bạn đọc", "Đánh giá",
    "Ngày đăng", "Đăng ngày", "Ngày cập nhật", "Cập nhật", "Ngày xuất bản",
    "Lượt xem", "Số lượt xem", "View count", "Tags", "Từ khóa", "Từ khoá",
    "Facebook", "Twitter", "Zalo", "Print", "Share", "Trang chủ", NULL};
/* Lines that contain these (short ones) are counters or licence footers. */
static const char *const footer_list[] = {
    "Bản quyền thuộc về", "Bản quyền", "Copyright", "All rights reserved",
    "Giấy phép số", "Giấy phép thiết lập", "Giấy phép hoạt động",
    "Ghi rõ nguồn", "Thiết kế bởi", "Phát triển bởi", "Trưởng ban biên tập",
    "Chịu trách nhiệm nội dung", "Chịu trách nhiệm xuất bản",
    "Chịu trách nhiệm chính", "Lượt truy cập", "Lượt xem", "View count",
    "Thống kê truy cập", "Đang truy cập", "Đang online", NULL};
/* Every token of a visitor-counter line is one of these, or a number. */
static const char *const counter_words[] = {
    "thông1", "kê", "truy", "câp5", "sô1", "lươt5", "tông3", "hôm", "nay",
    "qua", "kia", "đang", "trưc5", "tuyên1", "online", "tuân2", "thang1",
    "năm", "trươc1", "nay2", "tât1", "ca3", "view", "views", "count", "xem",
    "khach1", "thanh2", "viên", "visitors", "visitor", "today", "yesterday",
    "total", "hits", "week", "month", "this", "last", "cộng", "công5", NULL};

struct filters {
    struct phrases section, furniture, footer;
    char *titles[4];
};

/* A counter word, possibly with its number glued on: the key puts the
 * tone digit after the whole run, so "Tuần trước16,768" gives "trươc161". */
static int is_counter_word(const char *t, size_t n)
{
    for (const char *const *w = counter_words; *w; w++) {
        size_t k = strlen(*w), i;
        while (k > 0 && IS_DIGIT((*w)[k - 1]))
            k--;
        if (k > n || memcmp(*w, t, k) != 0)
            continue;
        i = k;
        while (i < n && IS_DIGIT(t[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* "Hôm nay: 56", "Số lượt truy cập 386677", "Hôm nay411 Hôm qua2,124 ...",
 * "Thống kê truy cập": counter words and numbers only, at least one
 * number or the word "truy cập". */
static int counter_line(const char *key)
{
    int words = 0, nums = 0;
    for (const char *p = key; *p;) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q == p)
            break;
        size_t n = (size_t)(q - p), d = 0;
        while (d < n && IS_DIGIT(p[d]))
            d++;
        if (d == n)
            nums++;
        else if (is_counter_word(p, n))
            words++, nums += IS_DIGIT(p[n - 1]);
        else
            return 0;
        p = q;
    }
    return words > 0 && (nums > 0 || contains(key, "truy câp5"));
}

/* Nothing but digits, punctuation and spaces ("386677", "1 | 2 | 3"). */
static int no_letters(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (IS_ALPHA(*p) || *p >= 0xC0)
            return 0;
    return 1;
}

static int ends_sentence(const char *s)
{
    size_t n = strlen(s);
    static const char *const ends[] = {".", "!", "?", ":", ";", "\"",
                                       "\xe2\x80\xa6", "\xe2\x80\x9d", ")", NULL};
    for (const char *const *e = ends; *e; e++) {
        size_t k = strlen(*e);
        if (n >= k && memcmp(s + n - k, *e, k) == 0)
            return 1;
    }
    return 0;
}

static int is_title(const struct filters *f, const char *key)
{
    for (int i = 0; i < 4; i++)
        if (f->titles[i] && *f->titles[i] && strcmp(f->titles[i], key) == 0)
            return 1;
    return 0;
}

/* Remove paragraph i's text (kept in place, NULL) */
static void drop(struct para *v, size_t i)
{
    free(v[i].text);
    v[i].text = NULL;
}

static int link_heavy(const struct para *p, double ratio)
{
    return p->raw > 0 && (double)p->link >= ratio * (double)p->raw;
}

static void filter(struct para *v, size_t n, const struct filters *f)
{
    size_t first_title = SIZE_MAX;
    char **keys = xcalloc(n ? n : 1, sizeof *keys);

    for (size_t i = 0; i < n; i++)
        keys[i] = text_match_key(v[i].text, strlen(v[i].text));

    for (size_t i = 0; i < n; i++) {
        const char *t = v[i].text, *k = keys[i];
        size_t len;
        int64_t when;
        if (!t)
            continue;
        len = strlen(t);
        if (len < 80 && any_start(k, &f->section)) {
            /* the heading and the list after it */
            size_t j = i + 1;
            drop(v, i);
            while (j < n && v[j].text &&
                   (link_heavy(&v[j], 0.4) || (v[j].flags & P_LIST) ||
                    (strlen(v[j].text) < SHORT_LINE &&
                     (!strncmp(v[j].text, "\xe2\x80\xa2", 3) || v[j].text[0] == '-'))))
                drop(v, j++);
            i = j - 1;
            continue;
        }
        if (is_title(f, k)) {
            if (first_title == SIZE_MAX)
                first_title = i;
            drop(v, i);
            continue;
        }
        if ((v[i].flags & P_CAPTION) ||
            ((v[i].flags & (P_HAS_IMG | P_AFTER_IMG)) && len < 250 &&
             !ends_sentence(t)) ||
            (len < SHORT_LINE && any_start(k, &f->furniture)) ||
            (len < 700 && (any_contains(k, &f->footer) || strstr(t, "\xc2\xa9"))) ||
            (len < 300 && counter_line(k)) || no_letters(t) ||
            (len < 80 && date_parse(t, len, &when) == 0) ||
            link_heavy(&v[i], 0.6) ||
            (i > 0 && v[i - 1].text && strcmp(keys[i - 1], k) == 0))
            drop(v, i);
    }
    /* What comes before the title (breadcrumb, category, date) is not the
     * article, when it is short. */
    if (first_title != SIZE_MAX) {
        size_t before = 0;
        for (size_t i = 0; i < first_title; i++)
            before += v[i].text ? strlen(v[i].text) : 0;
        if (before < 400)
            for (size_t i = 0; i < first_title; i++)
                if (v[i].text)
                    drop(v, i);
    }
    /* Short unpunctuated lines before the first real paragraph: kickers,
     * categories, the section name. */
    for (size_t i = 0; i < n; i++) {
        if (!v[i].text)
            continue;
        if (strlen(v[i].text) >= 60 || ends_sentence(v[i].text))
            break;
        drop(v, i);
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

static char *join(struct para *v, size_t n)
{
    struct buf b;
    buf_init(&b, LIMIT_ARTICLE_BYTES);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].text)
            continue;
        size_t len = strlen(v[i].text);
        if (b.len + (b.len ? 2 : 0) + len > LIMIT_ARTICLE_BYTES)
            break;
        if (b.len)
            buf_add(&b, "\n\n", 2);
        buf_add(&b, v[i].text, len);
    }
    return b.data;  /* the buffer is ours: hand its bytes over */
}

/* ---- generic extraction (text density, link density) -------------------- */

struct ninfo {
    size_t text, link;   /* raw text bytes under the node, of which in <a> */
    size_t own, commas;  /* text of the paragraph the node is (not via blocks) */
    double score;
    int scored;
};

struct scorer {
    struct ninfo *info;
    size_t n, cap;
    xmlNodePtr *nodes;
};

static struct ninfo *info(struct scorer *s, xmlNodePtr n)
{
    if (!n->_private) {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 1024;
            s->info = xrealloc(s->info, s->cap * sizeof *s->info);
            s->nodes = xrealloc(s->nodes, s->cap * sizeof *s->nodes);
        }
        memset(&s->info[s->n], 0, sizeof s->info[s->n]);
        s->nodes[s->n] = n;
        /* an index + 1, so that 0 stays "none" */
        n->_private = (void *)(uintptr_t)(++s->n);
    }
    return &s->info[(uintptr_t)n->_private - 1];
}

static size_t index_of(struct scorer *s, xmlNodePtr n)
{
    info(s, n);
    return (uintptr_t)n->_private - 1;
}

/* Count text and link text under n; own text goes to the nearest
 * non-inline ancestor (block). Indexes, not pointers: info() may move the
 * array. */
static void measure(struct scorer *s, xmlNodePtr n, xmlNodePtr block,
                    int in_link, int depth)
{
    size_t me = index_of(s, n), blk = index_of(s, block);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content) {
            const char *t = (const char *)c->content;
            size_t len = 0, commas = 0;
            int sp = 1;
            /* whitespace runs count as one byte */
            for (; *t; t++) {
                int is_sp = IS_SPACE((unsigned char)*t);
                if (!is_sp || !sp)
                    len++;
                sp = is_sp;
                if (*t == ',' || *t == '.')
                    commas++;
            }
            s->info[me].text += len;
            if (in_link)
                s->info[me].link += len;
            s->info[blk].own += len;
            s->info[blk].commas += commas;
        } else if (c->type == XML_ELEMENT_NODE && depth < MAX_DEPTH) {
            int a = in_link || xmlStrcasecmp(c->name, BAD_CAST "a") == 0;
            measure(s, c, html_inline_tag(c->name) ? block : c, a, depth + 1);
            size_t ci = index_of(s, c);
            s->info[me].text += s->info[ci].text;
            s->info[me].link += s->info[ci].link;
        }
    }
}

static double tag_weight(xmlNodePtr n)
{
    static const char *const plus5[] = {"div", "article", "section", "main", NULL};
    static const char *const plus3[] = {"pre", "td", "blockquote", NULL};
    static const char *const minus3[] = {"address", "ol", "ul", "dl", "dd",
                                         "dt", "li", "form", NULL};
    static const char *const minus5[] = {"h1", "h2", "h3", "h4", "h5", "h6",
                                         "th", NULL};
    char ci[512];
    double w = 0;
    if (name_in(n->name, plus5))
        w = 5;
    else if (name_in(n->name, plus3))
        w = 3;
    else if (name_in(n->name, minus3))
        w = -3;
    else if (name_in(n->name, minus5))
        w = -5;
    class_id(n, ci, sizeof ci);
    if (has_any(ci, positive))
        w += 25;
    if (has_any(ci, strong_negative) || has_any(ci, weak_negative))
        w -= 25;
    return w;
}

static double final_score(struct scorer *s, xmlNodePtr n)
{
    struct ninfo *i = info(s, n);
    double ld = i->text ? (double)i->link / (double)i->text : 0;
    return i->score * (1 - ld);
}

/* Give each paragraph's score to its ancestors: parent full, grandparent
 * half, then a third (Readability). */
static void score(struct scorer *s, xmlNodePtr root)
{
    size_t count = s->n;
    for (size_t k = 0; k < count; k++) {
        xmlNodePtr n = s->nodes[k];
        struct ninfo *i = &s->info[k];
        if (i->own < 25 || n == root)
            continue;
        double add = 1 + (double)i->commas + (double)(i->own / 100 > 3 ? 3 : i->own / 100);
        xmlNodePtr a = n->parent;
        for (int level = 0; a && a->type == XML_ELEMENT_NODE && level < 3;
             level++, a = a->parent) {
            struct ninfo *ai = info(s, a);
            if (!ai->scored) {
                ai->scored = 1;
                ai->score = tag_weight(a);
            }
            ai->score += add / (level == 0 ? 1 : level == 1 ? 2 : 3 * level);
            if (a == root)
                break;
        }
    }
}

/* Collect the nodes of the article: the best candidate and the siblings
 * that look like more of it. */
static size_t pick(struct scorer *s, xmlNodePtr root, xmlNodePtr *out, size_t max)
{
    xmlNodePtr top = NULL;
    double best = 0;
    size_t k = 0;

    for (size_t j = 0; j < s->n; j++) {
        if (!s->info[j].scored)
            continue;
        double f = final_score(s, s->nodes[j]);
        if (!top || f > best) {
            top = s->nodes[j];
            best = f;
        }
    }
    if (!top) {
        out[0] = root;
        return 1;
    }
    if (!top->parent || top == root) {
        out[0] = top;
        return 1;
    }
    double threshold = best * 0.2 > 10 ? best * 0.2 : 10;
    for (xmlNodePtr c = top->parent->children; c && k < max; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int keep = c == top;
        if (!keep && c->_private) {
            struct ninfo *i = info(s, c);
            double ld = i->text ? (double)i->link / (double)i->text : 0;
            if (i->scored && final_score(s, c) >= threshold)
                keep = 1;
            else if (i->own > 80 && ld < 0.25)
                keep = 1;
            else if (i->own > 0 && i->own <= 80 && i->link == 0 && i->commas > 0)
                keep = 1;
        }
        if (keep)
            out[k++] = c;
    }
    return k;
}

static void clear_private(struct scorer *s)
{
    for (size_t j = 0; j < s->n; j++)
        s->nodes[j]->_private = NULL;
    free(s->info);
    free(s->nodes);
}

/* ---- the article -------------------------------------------------------- */

static void filters_init(struct filters *f, const struct html_meta *m,
                         htmlDocPtr doc, char **h1_out)
{
    memset(f, 0, sizeof *f);
    phrases_init(&f->section, section_list);
    phrases_init(&f->furniture, furniture_list);
    phrases_init(&f->footer, footer_list);
    if (m->title)
        f->titles[0] = text_match_key(m->title, strlen(m->title));
    if (m->site_name) {
        /* "Title - Site" and "Site | Title" in <title> */
        f->titles[1] = text_match_key(m->site_name, strlen(m->site_name));
        const char *sep = strstr(m->site_name, " - ");
        if (!sep)
            sep = strstr(m->site_name, " | ");
        if (sep)
            f->titles[2] = text_match_key(m->site_name, (size_t)(sep - m->site_name));
    }
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xp ? xmlXPathEvalExpression(BAD_CAST "//h1", xp) : NULL;
    if (o && o->nodesetval && o->nodesetval->nodeNr > 0) {
        char *h1 = html_node_text(o->nodesetval->nodeTab[0], LIMIT_TITLE_BYTES);
        f->titles[3] = text_match_key(h1, strlen(h1));
        *h1_out = h1;
    }
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(xp);
}

static void filters_free(struct filters *f)
{
    phrases_free(&f->section);
    phrases_free(&f->furniture);
    phrases_free(&f->footer);
    for (int i = 0; i < 4; i++)
        free(f->titles[i]);
}

static char *text_of(xmlNodePtr *nodes, size_t count, const struct filters *f)
{
    struct walk w;
    memset(&w, 0, sizeof w);
    buf_init(&w.cur, LIMIT_ARTICLE_BYTES);
    for (size_t i = 0; i < count; i++) {
        flush(&w);
        walk_node(&w, nodes[i], 0, 0, 0);
        flush(&w);
    }
    buf_release(&w.cur);
    filter(w.v, w.n, f);
    char *text = join(w.v, w.n);
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].text);
    free(w.v);
    return text;
}

static char *generic(htmlDocPtr doc, const struct filters *f)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr body = root, picked[64];
    struct scorer s;
    size_t k;

    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcasecmp(c->name, BAD_CAST "body") == 0)
            body = c;
    strip(body, text_bytes(body, SIZE_MAX, 0), 0);
    memset(&s, 0, sizeof s);
    measure(&s, body, body, 0, 0);
    score(&s, body);
    k = pick(&s, body, picked, sizeof picked / sizeof picked[0]);
    clear_private(&s);
    return text_of(picked, k, f);
}

/* Is n inside one of the nodes before it in v? */
static int nested(xmlNodePtr n, xmlNodePtr *v, size_t k)
{
    for (xmlNodePtr a = n->parent; a; a = a->parent)
        for (size_t i = 0; i < k; i++)
            if (v[i] == a)
                return 1;
    return 0;
}

/* The text of what xpath matches: 0 with *text set ("" when it matched
 * nothing), or -1 with err set. */
static int by_xpath(htmlDocPtr doc, const char *xpath, const struct filters *f,
                    char **text, char *err, size_t errlen)
{
    struct html_quiet q;
    xmlXPathContextPtr xp;
    xmlXPathCompExprPtr comp;
    xmlXPathObjectPtr o = NULL;
    int rc = 0;

    *text = NULL;
    html_quiet_begin(&q);
    xp = xmlXPathNewContext(doc);
    xp->opLimit = LIMIT_XPATH_OPS;
    comp = xmlXPathCtxtCompile(xp, BAD_CAST xpath);
    if (!comp) {
        set_err(err, errlen, "article: XPath does not compile", q.last[0] ? q.last : "syntax error");
        rc = -1;
    } else if (!(o = xmlXPathCompiledEval(comp, xp))) {
        set_err(err, errlen, "article: XPath evaluation failed",
                q.last[0] ? q.last : "unknown error");
        rc = -1;
    }
    html_quiet_end(&q);
    if (rc == 0 && o->type == XPATH_NODESET) {
        size_t nn = o->nodesetval ? (size_t)o->nodesetval->nodeNr : 0, k = 0;
        xmlNodePtr *v = xmalloc((nn ? nn : 1) * sizeof *v);
        for (size_t i = 0; i < nn; i++) {
            xmlNodePtr n = o->nodesetval->nodeTab[i];
            if (n->type == XML_ELEMENT_NODE && !nested(n, v, k))
                v[k++] = n;
        }
        for (size_t i = 0; i < k; i++)
            strip(v[i], text_bytes(v[i], SIZE_MAX, 0), 0);
        *text = k ? text_of(v, k, f) : xstrdup("");
        free(v);
    } else if (rc == 0) {
        xmlChar *s = xmlXPathCastToString(o);
        *text = text_clean_plain(s ? (const char *)s : "", s ? strlen((const char *)s) : 0,
                                 LIMIT_ARTICLE_BYTES);
        xmlFree(s);
    }
    xmlXPathFreeObject(o);
    if (comp)
        xmlXPathFreeCompExpr(comp);
    xmlXPathFreeContext(xp);
    return rc;
}

int article_parse(const char *page, size_t n, const char *page_url,
                  const char *http_charset, const char *xpath,
                  struct article *out, char *err, size_t errlen)
{
    struct html_meta m;
    struct filters f;
    char *base, *h1 = NULL;
    htmlDocPtr doc;

    memset(out, 0, sizeof *out);
    out->published = TIME_NONE;
    if (err && errlen)
        err[0] = '\0';
    doc = html_read(page, n, page_url, http_charset, NULL, err, errlen);
    if (!doc)
        return -1;
    base = html_base(doc, page_url);
    html_meta_read(doc, base, &m);
    filters_init(&f, &m, doc, &h1);

    if (xpath && *xpath) {
        if (by_xpath(doc, xpath, &f, &out->text, err, errlen) < 0) {
            filters_free(&f);
            html_meta_free(&m);
            free(h1);
            free(base);
            xmlFreeDoc(doc);
            return -1;
        }
        if (!*out->text) {
            set_err(err, errlen, "article: XPath matched no text; "
                    "the text was found by the generic extraction", NULL);
            free(out->text);
            out->text = NULL;
        }
    }
    if (!out->text) {
        out->text = generic(doc, &f);
        out->generic = 1;
    }
    out->published = m.published;
    out->title = m.title ? xstrdup(m.title) : h1 && *h1 ? xstrdup(h1) :
                 m.site_name ? xstrdup(m.site_name) : NULL;
    filters_free(&f);
    html_meta_free(&m);
    free(h1);
    free(base);
    xmlFreeDoc(doc);
    return 0;
}

void article_free(struct article *a)
{
    free(a->text);
    free(a->title);
    memset(a, 0, sizeof *a);
    a->published = TIME_NONE;
}

char *article_extract(const char *page, size_t n, const char *page_url,
                      const char *http_charset, const char *xpath,
                      char *err, size_t errlen)
{
    struct article a;
    if (article_parse(page, n, page_url, http_charset, xpath, &a, err, errlen) < 0)
        return NULL;
    char *t = a.text;
    a.text = NULL;
    article_free(&a);
    return t;
}

/* ---- summary -------------------------------------------------------------- */

/* The code point at s (valid UTF-8: the text is clean). */
static int32_t cp_at(const char *s)
{
    utf8proc_int32_t cp = -1;
    if (utf8proc_iterate((const utf8proc_uint8_t *)s, 4, &cp) < 0)
        return -1;
    return cp;
}

/* Can a sentence start at s? An upper-case letter, a digit, a quote. */
static int sentence_start(const char *s)
{
    int32_t cp = cp_at(s);
    if (cp < 0)
        return 0;
    if (IS_DIGIT(cp) || cp == '"' || cp == '\'' || cp == '(' || cp == 0x201C ||
        cp == '[')
        return 1;
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

/* Length of a sentence ending at s[i] (punctuation, then closing quotes),
 * or 0 when s[i] does not end one. */
static size_t sentence_end(const char *s, size_t n, size_t i)
{
    size_t j;
    if (s[i] == '.' || s[i] == '!' || s[i] == '?')
        j = i + 1;
    else if (i + 3 <= n && memcmp(s + i, "\xe2\x80\xa6", 3) == 0)
        j = i + 3;
    else
        return 0;
    while (j < n && (s[j] == '"' || s[j] == '\'' || s[j] == ')' ||
                     (j + 3 <= n && memcmp(s + j, "\xe2\x80\x9d", 3) == 0)))
        j += s[j] == '\xe2' ? 3 : 1;
    if (j == n)
        return j;
    if (s[j] != ' ' && s[j] != '\n')
        return 0;
    if (s[j] == '\n')
        return j;
    /* "TP. Hưng Yên", "TS. Nguyễn": a short all-capital word before the
     * dot is an abbreviation, not the end of a sentence. */
    size_t w = i;
    while (w > 0 && s[w - 1] != ' ' && s[w - 1] != '\n')
        w--;
    if (s[i] == '.' && i - w <= 3 && i > w) {
        int caps = 1;
        for (size_t k = w; k < i; k++)
            caps &= s[k] >= 'A' && s[k] <= 'Z';
        if (caps)
            return 0;
    }
    return j + 1 < n && sentence_start(s + j + 1) ? j : 0;
}

char *article_summary(const char *text, size_t max)
{
    struct buf b;
    size_t n, best = 0;
    char *s;

    if (!text)
        return xstrdup("");
    if (max < 8)
        max = 8;
    /* paragraphs become one line; the "\n\n" is still a sentence end */
    s = xstrdup(text);
    n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    if (n <= max) {
        for (size_t i = 0; i < n; i++)
            if (s[i] == '\n')
                s[i] = ' ';
        buf_init(&b, n);
        for (size_t i = 0; i < n; i++)
            if (!(s[i] == ' ' && i + 1 < n && s[i + 1] == ' '))
                buf_addc(&b, s[i]);
        free(s);
        return b.data;
    }
    for (size_t i = 0; i < n && i < max; i++) {
        size_t e;
        if (s[i] == '\n') {
            e = i;
            while (e > 0 && s[e - 1] == '\n')
                e--;
        } else {
            e = sentence_end(s, n, i);
        }
        if (e && e <= max && e > best)
            best = e;
    }
    buf_init(&b, max);
    if (best * 10 >= max * 4) {
        buf_add(&b, s, best);
    } else {
        size_t cut = text_utf8_cut(s, n, max - 3);
        size_t w = cut;
        if (cut < n && s[cut] != ' ' && s[cut] != '\n') {
            while (w > 0 && s[w - 1] != ' ' && s[w - 1] != '\n')
                w--;
            if (w == 0)     /* one word longer than max */
                w = cut;
        }
        while (w > 0 && (s[w - 1] == ' ' || s[w - 1] == '\n' || s[w - 1] == ',' ||
                         s[w - 1] == ';' || s[w - 1] == ':' || s[w - 1] == '-'))
            w--;
        buf_add(&b, s, w);
        buf_add(&b, "\xe2\x80\xa6", 3);
    }
    /* the kept paragraphs on one line */
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\n')
            b.data[i] = ' ';
    free(s);
    char *r = b.data;
    /* "a\n\nb" became "a  b" */
    char *o = r;
    for (char *p = r; *p; p++)
        if (!(*p == ' ' && p[1] == ' '))
            *o++ = *p;
    *o = '\0';
    return r;
}
