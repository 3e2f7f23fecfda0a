/* html.c - news items from HTML list pages with XPath rules, page metadata. */
#include "html.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/HTMLtree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "parse/charset.h"
#include "parse/date.h"
#include "parse/reldate.h"
#include "parse/text.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/url.h"
#include "util/util.h"

#define HTML_OPTIONS                                                      \
    (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |         \
     HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED | HTML_PARSE_IGNORE_ENC)

/* A date field longer than this is not a date field; looked at no further. */
#define DATE_TEXT_MAX 256
/* A date inside a longer text is looked for in its first bytes, with at
 * most this many calls of date_parse. */
#define DATE_SEARCH_MAX 128
#define DATE_TRIES 200

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- libxml2's messages ------------------------------------------------ */

static void quiet_collect(void *ctx, xmlErrorPtr e)
{
    struct html_quiet *q = ctx;
    if (!q || !e || !e->message)
        return;
    snprintf(q->last, sizeof q->last, "%s", e->message);
    size_t n = strlen(q->last);
    while (n && IS_SPACE((unsigned char)q->last[n - 1]))
        q->last[--n] = '\0';
    if (n && q->last[0] >= 'A' && q->last[0] <= 'Z')
        q->last[0] = (char)TO_LOWER((unsigned char)q->last[0]);
}

/* Some XPath paths (an unknown function) print through the generic handler
 * before raising the structured error: swallow those. */
static void quiet_generic(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

void html_quiet_begin(struct html_quiet *q)
{
    q->last[0] = '\0';
    q->old_fn = xmlStructuredError;
    q->old_ctx = xmlStructuredErrorContext;
    q->old_gen_fn = xmlGenericError;
    q->old_gen_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(q, quiet_collect);
    xmlSetGenericErrorFunc(q, quiet_generic);
}

void html_quiet_end(struct html_quiet *q)
{
    xmlSetStructuredErrorFunc(q->old_ctx, q->old_fn);
    xmlSetGenericErrorFunc(q->old_gen_ctx, q->old_gen_fn);
}

/* ---- reading ------------------------------------------------------------ */

htmlDocPtr html_read(const char *page, size_t n, const char *page_url,
                     const char *http_charset, char *encoding,
                     char *err, size_t errlen)
{
    struct charset_result cr;
    struct html_quiet q;
    char cerr[160] = "";
    htmlDocPtr doc;

    if (encoding)
        encoding[0] = '\0';
    if (!page || n == 0) {
        set_err(err, errlen, "empty page");
        return NULL;
    }
    if (n > LIMIT_BODY_BYTES) {
        set_err(err, errlen, "page larger than %u bytes",
                (unsigned)LIMIT_BODY_BYTES);
        return NULL;
    }
    memset(&cr, 0, sizeof cr);
    if (charset_to_utf8(page, n, http_charset, 1, &cr, cerr, sizeof cerr) != 0 ||
        !cr.data) {
        set_err(err, errlen, "cannot decode the page: %s",
                cerr[0] ? cerr : "unknown encoding");
        free(cr.data);
        return NULL;
    }
    if (encoding)
        snprintf(encoding, 40, "%s", cr.encoding);
    if (cr.len > INT_MAX) {
        free(cr.data);
        set_err(err, errlen, "page too large once decoded");
        return NULL;
    }
    /* The bytes are UTF-8 now: say so, and ignore <meta charset>, which
     * described the bytes before decoding. */
    html_quiet_begin(&q);
    doc = htmlReadMemory(cr.data, (int)cr.len, page_url, "UTF-8", HTML_OPTIONS);
    html_quiet_end(&q);
    free(cr.data);
    if (!doc || !xmlDocGetRootElement(doc)) {
        set_err(err, errlen, "not HTML%s%s", q.last[0] ? ": " : "", q.last);
        if (doc)
            xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ---- links -------------------------------------------------------------- */

/* libxml2's URI parser refuses spaces, raw UTF-8 and a few ASCII marks that
 * real pages put in links; browsers percent-encode them. */
static char *uri_escape(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    struct buf b;
    buf_init(&b, LIMIT_FIELD_BYTES * 3);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' ||
            c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
            c == '}') {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (buf_add(&b, e, 3) < 0)
                break;
        } else if (buf_addc(&b, (char)c) < 0) {
            break;
        }
    }
    return b.data;  /* the buffer is ours: hand its bytes over */
}

char *html_resolve(const char *href, const char *base)
{
    const char *s, *e;
    char *esc, *out = NULL;
    xmlChar *abs;

    if (!href)
        return NULL;
    s = href;
    e = href + strlen(href);
    while (s < e && IS_SPACE((unsigned char)*s))
        s++;
    while (e > s && IS_SPACE((unsigned char)e[-1]))
        e--;
    if (s == e || *s == '#' || (size_t)(e - s) > LIMIT_FIELD_BYTES)
        return NULL;
    esc = uri_escape(s, (size_t)(e - s));
    if (base && *base)
        abs = xmlBuildURI(BAD_CAST esc, BAD_CAST base);
    else
        abs = xmlStrdup(BAD_CAST esc);
    free(esc);
    if (abs && url_is_http((const char *)abs) &&
        strlen((const char *)abs) <= LIMIT_FIELD_BYTES)
        out = xstrdup((const char *)abs);
    xmlFree(abs);
    return out;
}

static xmlNodePtr find_element(xmlNodePtr node, const char *name, int depth)
{
    for (xmlNodePtr c = node; c && depth < 64; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcasecmp(c->name, BAD_CAST name) == 0)
            return c;
        /* <base> lives in <head>, near the top: do not search the body */
        if (xmlStrcasecmp(c->name, BAD_CAST "body") == 0)
            continue;
        xmlNodePtr f = find_element(c->children, name, depth + 1);
        if (f)
            return f;
    }
    return NULL;
}

char *html_base(htmlDocPtr doc, const char *page_url)
{
    xmlNodePtr b = find_element(xmlDocGetRootElement(doc), "base", 0);
    if (b) {
        xmlChar *href = xmlGetProp(b, BAD_CAST "href");
        char *r = href ? html_resolve((const char *)href, page_url) : NULL;
        xmlFree(href);
        if (r)
            return r;
    }
    return page_url && url_is_http(page_url) ? xstrdup(page_url) : NULL;
}

/* ---- text --------------------------------------------------------------- */

static int skipped_element(const xmlChar *name)
{
    return xmlStrcasecmp(name, BAD_CAST "script") == 0 ||
           xmlStrcasecmp(name, BAD_CAST "style") == 0 ||
           xmlStrcasecmp(name, BAD_CAST "noscript") == 0 ||
           xmlStrcasecmp(name, BAD_CAST "template") == 0;
}

/* Inline elements keep the paragraph going; every other element breaks
 * it. HTML5 inline tags unknown to libxml2 2.9 are listed too. */
int html_inline_tag(const xmlChar *name)
{
    static const char *const tags[] = {
        "a", "span", "strong", "b", "i", "em", "u", "font", "sup", "sub",
        "small", "big", "abbr", "acronym", "label", "code", "q", "cite",
        "mark", "time", "s", "strike", "del", "ins", "kbd", "var", "tt",
        "bdi", "bdo", "wbr", "data", "dfn", "nobr", "o:p", "p:colorscheme",
        NULL};
    for (const char *const *t = tags; *t; t++)
        if (xmlStrcasecmp(name, BAD_CAST *t) == 0)
            return 1;
    return 0;
}

char *html_node_text(xmlNodePtr node, size_t max)
{
    size_t raw_max = max * 4 + 256;
    struct buf b;
    xmlNodePtr cur;

    if (!node)
        return xstrdup("");
    if (node->type == XML_ATTRIBUTE_NODE || node->type == XML_TEXT_NODE ||
        node->type == XML_CDATA_SECTION_NODE) {
        xmlChar *v = xmlNodeGetContent(node);
        size_t len = v ? strlen((const char *)v) : 0;
        char *r = text_clean_plain(v ? (const char *)v : "",
                                   len < raw_max ? len : text_utf8_cut((const char *)v, len, raw_max),
                                   max);
        xmlFree(v);
        return r;
    }
    buf_init(&b, raw_max);
    cur = node->children;
    /* Iterative walk: pages nest deep enough to worry a recursive one. */
    while (cur && b.len < raw_max) {
        if ((cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) &&
            cur->content) {
            const char *t = (const char *)cur->content;
            size_t len = strlen(t);
            if (b.len + len > raw_max)
                len = text_utf8_cut(t, len, raw_max - b.len);
            buf_add(&b, t, len);
        } else if (cur->type == XML_ELEMENT_NODE && !skipped_element(cur->name)) {
            /* <p>a</p><p>b</p> reads "a b", not "ab"; v<b>ận</b> stays "vận" */
            if (!html_inline_tag(cur->name))
                buf_addc(&b, ' ');
            if (cur->children) {
                cur = cur->children;
                continue;
            }
        }
        while (cur && cur != node && !cur->next) {
            cur = cur->parent;
            if (cur && cur->type == XML_ELEMENT_NODE && !html_inline_tag(cur->name))
                buf_addc(&b, ' ');
        }
        if (!cur || cur == node)
            break;
        cur = cur->next;
    }
    char *r = text_clean_plain(b.data, b.len, max);
    buf_release(&b);
    return r;
}

/* ---- dates -------------------------------------------------------------- */

/* Where a date may start inside a longer text: a digit after a non-digit,
 * or a letter after a space (a weekday, "ngày"). */
static int date_start(const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    unsigned char p = i ? (unsigned char)s[i - 1] : ' ';
    if (IS_DIGIT(c))
        return !IS_DIGIT(p);
    return (IS_SPACE(p) || p == '|' || p == ':' || p == '(') &&
           (IS_ALPHA(c) || c >= 0xC0);
}

/* Where it may end (s[0..j)): after the last digit of a number, or after
 * an ASCII word ("AM", "GMT"). */
static int date_end(const char *s, size_t n, size_t j)
{
    unsigned char c = (unsigned char)s[j - 1];
    unsigned char next = j < n ? (unsigned char)s[j] : ' ';
    if (IS_DIGIT(c))
        return !IS_DIGIT(next);
    return IS_ALPHA(c) && !IS_ALPHA(next) && next < 0x80;
}

int html_date(const char *s, size_t n, int64_t fetch_time, int64_t *out)
{
    int budget = DATE_TRIES;

    if (!s || n == 0)
        return -1;
    if (n > DATE_TEXT_MAX)
        n = text_utf8_cut(s, n, DATE_TEXT_MAX);
    if (date_parse(s, n, out) == 0)
        return HTML_DATE_PARSED;
    if (reldate_parse(s, n, fetch_time, out) == 0)
        return HTML_DATE_RELATIVE;
    /* "Ngày đăng 15/10/2020 | 13:50 | View count: 1366": the longest part
     * that parses, from the first place one does. A hostile page could
     * make this quadratic in the field's length for each of 2 000 items:
     * the tries are counted. */
    if (n > DATE_SEARCH_MAX)
        n = text_utf8_cut(s, n, DATE_SEARCH_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!date_start(s, i))
            continue;
        for (size_t j = n; j > i + 5; j--) {
            if (!date_end(s, n, j))
                continue;
            if (budget-- <= 0)
                return -1;
            if (date_parse(s + i, j - i, out) == 0)
                return HTML_DATE_PARSED;
        }
    }
    return -1;
}

/* ---- page metadata ------------------------------------------------------ */

static void set_once(char **dst, char *v)
{
    if (!*dst && v && *v)
        *dst = v;
    else
        free(v);
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *r = NULL;
    if (v) {
        size_t len = strlen((const char *)v);
        r = text_clean_plain((const char *)v,
                             len > LIMIT_SUMMARY_BYTES * 4
                                 ? text_utf8_cut((const char *)v, len, LIMIT_SUMMARY_BYTES * 4)
                                 : len,
                             LIMIT_SUMMARY_BYTES);
    }
    xmlFree(v);
    return r;
}

static int is_article_type(json_t *t)
{
    if (json_is_string(t)) {
        const char *s = json_string_value(t);
        size_t n = strlen(s);
        return (n >= 7 && strcmp(s + n - 7, "Article") == 0) ||
               strcmp(s, "BlogPosting") == 0 ||
               strcmp(s, "ReportageNews") == 0;
    }
    if (json_is_array(t)) {
        size_t i;
        json_t *v;
        json_array_foreach(t, i, v) {
            if (i >= 8)
                break;
            if (is_article_type(v))
                return 1;
        }
    }
    return 0;
}

/* The first *Article object in a JSON-LD value: the value itself, an
 * element of a top-level array, or of "@graph". */
static json_t *find_article(json_t *v, int depth, int *budget)
{
    if (depth > 3 || --*budget < 0)
        return NULL;
    if (json_is_object(v)) {
        if (is_article_type(json_object_get(v, "@type")))
            return v;
        json_t *g = json_object_get(v, "@graph");
        return g ? find_article(g, depth + 1, budget) : NULL;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            json_t *a = find_article(e, depth + 1, budget);
            if (a)
                return a;
            if (*budget < 0)
                break;
        }
    }
    return NULL;
}

static char *json_text(json_t *v, size_t max)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n > max * 4)
            n = text_utf8_cut(s, n, max * 4);
        return text_clean(s, n, max);
    }
    if (json_is_object(v)) {
        json_t *name = json_object_get(v, "name");
        if (!name)
            name = json_object_get(v, "@id");
        return name ? json_text(name, max) : NULL;
    }
    if (json_is_array(v) && json_array_size(v) > 0)
        return json_text(json_array_get(v, 0), max);
    return NULL;
}

static void meta_jsonld(const char *s, size_t n, const char *base,
                        struct html_meta *m)
{
    json_error_t jerr;
    json_t *root = json_loadb(s, n, JSON_DECODE_ANY, &jerr);
    int budget = 64;
    json_t *a;
    char *v;

    if (!root)
        return;
    a = find_article(root, 0, &budget);
    if (a) {
        m->article = 1;
        set_once(&m->title, json_text(json_object_get(a, "headline"), LIMIT_TITLE_BYTES));
        set_once(&m->description,
                 json_text(json_object_get(a, "description"), LIMIT_SUMMARY_BYTES));
        set_once(&m->author, json_text(json_object_get(a, "author"), LIMIT_FIELD_BYTES));
        v = json_text(json_object_get(a, "url"), LIMIT_FIELD_BYTES);
        if (!v)
            v = json_text(json_object_get(a, "mainEntityOfPage"), LIMIT_FIELD_BYTES);
        if (v) {
            set_once(&m->url, html_resolve(v, base));
            free(v);
        }
        v = json_text(json_object_get(a, "datePublished"), 64);
        if (v && m->published == TIME_NONE) {
            int64_t t;
            if (date_parse(v, strlen(v), &t) == 0)
                m->published = t;
        }
        free(v);
    }
    json_decref(root);
}

static int key_is(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (ascii_casecmp(k, *list) == 0)
            return 1;
    return 0;
}

/* One <meta>: property= (OpenGraph), name= or itemprop= with content=. */
static void meta_tag(xmlNodePtr n, const char *base, struct html_meta *m,
                     char **description)
{
    static const char *const published[] = {
        "article:published_time", "og:published_time", "datePublished",
        "pubdate", "publishdate", "dc.date.issued", "dcterms.created",
        "date", NULL};
    char *key = attr(n, "property"), *content;

    if (!key || !*key) {
        free(key);
        key = attr(n, "name");
    }
    if (!key || !*key) {
        free(key);
        key = attr(n, "itemprop");
    }
    if (!key || !*key) {
        free(key);
        return;
    }
    content = attr(n, "content");
    if (!content || !*content)
        goto out;
    if (ascii_casecmp(key, "og:title") == 0) {
        set_once(&m->title, text_clean_plain(content, strlen(content), LIMIT_TITLE_BYTES));
    } else if (ascii_casecmp(key, "og:description") == 0) {
        set_once(&m->description, xstrdup(content));
    } else if (ascii_casecmp(key, "description") == 0) {
        set_once(description, xstrdup(content));
    } else if (ascii_casecmp(key, "og:url") == 0) {
        set_once(&m->url, html_resolve(content, base));
    } else if (ascii_casecmp(key, "og:site_name") == 0) {
        set_once(&m->site_name, text_clean_plain(content, strlen(content), LIMIT_TITLE_BYTES));
    } else if (ascii_casecmp(key, "og:type") == 0) {
        if (ascii_casecmp(content, "article") == 0)
            m->article = 1;
    } else if (ascii_casecmp(key, "article:author") == 0 ||
               ascii_casecmp(key, "author") == 0) {
        /* article:author is often a profile URL: that is not a name */
        if (!strstr(content, "://"))
            set_once(&m->author, text_clean_plain(content, strlen(content),
                                                  LIMIT_FIELD_BYTES));
    } else if (key_is(key, published) && m->published == TIME_NONE) {
        int64_t t;
        if (date_parse(content, strlen(content), &t) == 0)
            m->published = t;
    }
out:
    free(content);
    free(key);
}

xmlNodePtr html_walk_next(xmlNodePtr cur, xmlNodePtr root, int descend)
{
    if (descend && cur->type == XML_ELEMENT_NODE && cur->children)
        return cur->children;
    while (cur && cur != root && !cur->next)
        cur = cur->parent;
    if (!cur || cur == root)
        return NULL;
    return cur->next;
}

/* Walk the document for <meta>, <title> and JSON-LD <script>s. */
static void meta_walk(xmlNodePtr root, const char *base, struct html_meta *m,
                      char **description, char **title)
{
    int jsonld = 0;
    xmlNodePtr cur = root;

    while (cur) {
        int descend = 1;
        if (cur->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)cur->name;
            if (ascii_casecmp(name, "meta") == 0) {
                meta_tag(cur, base, m, description);
            } else if (ascii_casecmp(name, "title") == 0 && !*title) {
                *title = html_node_text(cur, LIMIT_TITLE_BYTES);
                descend = 0;
            } else if (ascii_casecmp(name, "script") == 0) {
                char *type = attr(cur, "type");
                if (type && ascii_casecmp(type, "application/ld+json") == 0 &&
                    jsonld < LIMIT_JSONLD_BLOCKS) {
                    xmlChar *s = xmlNodeGetContent(cur);
                    size_t len = s ? strlen((const char *)s) : 0;
                    jsonld++;
                    if (len > 0 && len <= LIMIT_JSONLD_BYTES)
                        meta_jsonld((const char *)s, len, base, m);
                    xmlFree(s);
                }
                free(type);
                descend = 0;
            } else if (skipped_element(cur->name)) {
                descend = 0;
            }
        }
        cur = html_walk_next(cur, root, descend);
    }
}

void html_meta_read(htmlDocPtr doc, const char *base, struct html_meta *m)
{
    char *description = NULL, *title = NULL;

    memset(m, 0, sizeof *m);
    m->published = TIME_NONE;
    if (!doc)
        return;
    meta_walk(xmlDocGetRootElement(doc), base, m, &description, &title);
    set_once(&m->description, description);
    set_once(&m->site_name, title);
}

void html_meta_free(struct html_meta *m)
{
    free(m->title);
    free(m->description);
    free(m->url);
    free(m->author);
    free(m->site_name);
    memset(m, 0, sizeof *m);
    m->published = TIME_NONE;
}

/* ---- list extraction ---------------------------------------------------- */

const char *html_rule_name(enum html_rule rule)
{
    static const char *const names[HTML_RULE_COUNT] = {
        "item", "item_title", "item_link", "item_date",
        "item_summary", "item_author", "item_id"};
    return (unsigned)rule < HTML_RULE_COUNT ? names[rule] : "?";
}

static const char *rule_expr(const struct html_rules *r, enum html_rule k)
{
    switch (k) {
    case HTML_RULE_ITEM: return r->item;
    case HTML_RULE_TITLE: return r->item_title;
    case HTML_RULE_LINK: return r->item_link;
    case HTML_RULE_DATE: return r->item_date;
    case HTML_RULE_SUMMARY: return r->item_summary;
    case HTML_RULE_AUTHOR: return r->item_author;
    case HTML_RULE_ID: return r->item_id;
    default: return NULL;
    }
}

struct extract {
    xmlXPathContextPtr xp;
    xmlXPathCompExprPtr comp[HTML_RULE_COUNT];
    struct html_quiet quiet;
    const char *base;
    int64_t fetch_time;
    struct html_report *rep;
    struct html_meta meta;
    char *err;
    size_t errlen;
    /* links seen, an open-addressing set of indexes into the feed's items */
    size_t *seen;
    size_t nseen;
};

/* Evaluate rule k with node as the context node. A node-set yields its
 * first node in *node; a string, number or boolean yields *str (caller
 * frees). Returns 0, or -1 with err naming the rule. */
static int eval(struct extract *x, enum html_rule k, xmlNodePtr node,
                xmlNodePtr *first, char **str)
{
    xmlXPathObjectPtr o;

    *first = NULL;
    *str = NULL;
    if (!x->comp[k])
        return 0;
    x->xp->node = node;
    x->quiet.last[0] = '\0';
    o = xmlXPathCompiledEval(x->comp[k], x->xp);
    if (!o) {
        set_err(x->err, x->errlen, "%s: XPath evaluation failed: %s",
                html_rule_name(k), x->quiet.last[0] ? x->quiet.last : "unknown error");
        return -1;
    }
    if (o->type == XPATH_NODESET) {
        if (o->nodesetval && o->nodesetval->nodeNr > 0)
            *first = o->nodesetval->nodeTab[0];
    } else {
        xmlChar *s = xmlXPathCastToString(o);
        if (s && *s)
            *str = xstrdup((const char *)s);
        xmlFree(s);
    }
    xmlXPathFreeObject(o);
    return 0;
}

static int is_named(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           xmlStrcasecmp(n->name, BAD_CAST name) == 0;
}

/* The first descendant element of node that pred accepts, in document
 * order, visiting at most a bounded number of nodes. */
static xmlNodePtr first_desc(xmlNodePtr node, int (*pred)(xmlNodePtr))
{
    size_t budget = 20000;
    xmlNodePtr cur = node ? node->children : NULL;
    while (cur && budget--) {
        if (cur->type == XML_ELEMENT_NODE && pred(cur))
            return cur;
        cur = html_walk_next(cur, node, cur->type == XML_ELEMENT_NODE &&
                                            !skipped_element(cur->name));
    }
    return NULL;
}

static int pred_href(xmlNodePtr n)
{
    return is_named(n, "a") && xmlHasProp(n, BAD_CAST "href");
}

static int pred_heading(xmlNodePtr n)
{
    if (n->name[0] != 'h' || n->name[1] < '1' || n->name[1] > '6' || n->name[2])
        return 0;
    char *t = html_node_text(n, 16);
    int ok = t[0] != '\0';
    free(t);
    return ok;
}

static int pred_time(xmlNodePtr n)
{
    return is_named(n, "time");
}

/* A link from what a rule found: an attribute's value, an element's href,
 * the href of its first <a>, else its text. */
static char *link_of(xmlNodePtr n)
{
    xmlChar *h;
    char *r;
    if (!n)
        return NULL;
    if (n->type == XML_ELEMENT_NODE) {
        xmlNodePtr a = xmlHasProp(n, BAD_CAST "href") ? n : first_desc(n, pred_href);
        if (a) {
            h = xmlGetProp(a, BAD_CAST "href");
            r = h ? xstrdup((const char *)h) : NULL;
            xmlFree(h);
            return r;
        }
    }
    return html_node_text(n, LIMIT_FIELD_BYTES);
}

/* Date text from what a rule found: a datetime=, content= or title=
 * attribute that parses wins over the element's text (<time datetime>). */
static int date_of(struct extract *x, xmlNodePtr n, const char *str,
                   int64_t *t, char **text)
{
    static const char *const attrs[] = {"datetime", "content", "title"};
    int how;
    *text = NULL;
    if (str) {
        *text = text_clean_plain(str, strlen(str), DATE_TEXT_MAX);
    } else if (n) {
        if (n->type == XML_ELEMENT_NODE) {
            for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
                char *v = attr(n, attrs[i]);
                if (v && *v && (how = html_date(v, strlen(v), x->fetch_time, t)) >= 0) {
                    *text = v;
                    return how;
                }
                free(v);
            }
        }
        *text = html_node_text(n, DATE_TEXT_MAX);
    }
    if (!*text || !**text)
        return -1;
    return html_date(*text, strlen(*text), x->fetch_time, t);
}

static size_t hash_str(const char *s)
{
    size_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Returns 1 if link was already seen, else records index i and returns 0. */
static int seen_link(struct extract *x, const struct feed *f, size_t i)
{
    const char *link = f->items[i].link;
    size_t mask = x->nseen - 1, h = hash_str(link) & mask;
    while (x->seen[h] != SIZE_MAX) {
        if (strcmp(f->items[x->seen[h]].link, link) == 0)
            return 1;
        h = (h + 1) & mask;
    }
    x->seen[h] = i;
    return 0;
}

/* Build the item for node (NULL for the page itself) into *it. single: the
 * page's metadata may stand in for what the rules did not find. Returns 0,
 * 1 (no title and no link: nothing to keep), or -1 on a rule error. */
static int build_item(struct extract *x, xmlNodePtr node, int single,
                      struct feed_item *it, unsigned char *how)
{
    struct html_report *rep = x->rep;
    xmlNodePtr ctx = node ? node : xmlDocGetRootElement(x->xp->doc);
    xmlNodePtr n;
    char *s, *v;
    int64_t t = TIME_NONE;
    int dh = -1;
    int use_meta = single && (!node || x->meta.article);

    memset(it, 0, sizeof *it);
    it->published = it->updated = TIME_NONE;

    /* title */
    if (eval(x, HTML_RULE_TITLE, ctx, &n, &s) < 0)
        return -1;
    if (s)
        it->title = text_clean(s, strlen(s), LIMIT_TITLE_BYTES);
    else if (n)
        it->title = html_node_text(n, LIMIT_TITLE_BYTES);
    free(s);
    if (it->title && *it->title) {
        rep->hits[HTML_RULE_TITLE]++;
    } else if (!x->comp[HTML_RULE_TITLE] && node) {
        free(it->title);
        xmlNodePtr h = first_desc(node, pred_heading);
        if (!h)
            h = is_named(node, "a") ? node : first_desc(node, pred_href);
        it->title = h ? html_node_text(h, LIMIT_TITLE_BYTES) : NULL;
    }
    if ((!it->title || !*it->title) && use_meta && x->meta.title) {
        free(it->title);
        it->title = xstrdup(x->meta.title);
        rep->meta_fields++;
    }

    /* link */
    if (eval(x, HTML_RULE_LINK, ctx, &n, &s) < 0)
        return -1;
    v = s ? s : link_of(n);
    if (!x->comp[HTML_RULE_LINK] && node && !v)
        v = link_of(is_named(node, "a") ? node : first_desc(node, pred_href));
    it->link = html_resolve(v, x->base);
    if (it->link && x->comp[HTML_RULE_LINK])
        rep->hits[HTML_RULE_LINK]++;
    free(v);
    if (!it->link && use_meta && x->meta.url) {
        it->link = xstrdup(x->meta.url);
        rep->meta_fields++;
    }
    if (!it->link && !node && x->base)
        it->link = xstrdup(x->base);

    /* date */
    if (eval(x, HTML_RULE_DATE, ctx, &n, &s) < 0)
        return -1;
    if (!x->comp[HTML_RULE_DATE] && node)
        n = first_desc(node, pred_time);
    if (s || n) {
        char *text;
        dh = date_of(x, n, s, &t, &text);
        if (text && *text && x->comp[HTML_RULE_DATE])
            rep->hits[HTML_RULE_DATE]++;
        if (dh < 0 && text && *text) {
            rep->bad_dates++;
            if (!rep->bad_date[0])
                snprintf(rep->bad_date, sizeof rep->bad_date, "%.*s",
                         (int)text_utf8_cut(text, strlen(text), sizeof rep->bad_date - 1),
                         text);
        }
        free(text);
    }
    free(s);
    if (dh < 0 && use_meta && x->meta.published != TIME_NONE) {
        t = x->meta.published;
        dh = HTML_DATE_META;
        rep->meta_fields++;
    }
    if (dh == HTML_DATE_RELATIVE)
        rep->relative_dates++;
    if (dh < 0) {
        t = x->fetch_time;
        dh = HTML_DATE_GUESSED;
        rep->guessed_dates++;
    } else if (t > x->fetch_time) {
        t = x->fetch_time;
        dh = HTML_DATE_CLAMPED;
        rep->future_dates++;
    }
    it->published = t;
    it->published_guessed = dh == HTML_DATE_GUESSED;
    *how = (unsigned char)dh;

    /* summary */
    if (eval(x, HTML_RULE_SUMMARY, ctx, &n, &s) < 0)
        return -1;
    if (s)
        it->summary = text_clean(s, strlen(s), LIMIT_SUMMARY_BYTES);
    else if (n)
        it->summary = html_node_text(n, LIMIT_SUMMARY_BYTES);
    free(s);
    if (it->summary && *it->summary) {
        rep->hits[HTML_RULE_SUMMARY]++;
    } else {
        free(it->summary);
        it->summary = NULL;
        if (use_meta && x->meta.description) {
            it->summary = xstrdup(x->meta.description);
            rep->meta_fields++;
        }
    }

    /* author */
    if (eval(x, HTML_RULE_AUTHOR, ctx, &n, &s) < 0)
        return -1;
    if (s)
        it->author = text_clean_plain(s, strlen(s), LIMIT_FIELD_BYTES);
    else if (n)
        it->author = html_node_text(n, LIMIT_FIELD_BYTES);
    free(s);
    if (it->author && *it->author) {
        rep->hits[HTML_RULE_AUTHOR]++;
    } else {
        free(it->author);
        it->author = use_meta && x->meta.author ? xstrdup(x->meta.author) : NULL;
    }

    /* id */
    if (eval(x, HTML_RULE_ID, ctx, &n, &s) < 0)
        return -1;
    if (s)
        it->id = text_clean_plain(s, strlen(s), LIMIT_FIELD_BYTES);
    else if (n)
        it->id = html_node_text(n, LIMIT_FIELD_BYTES);
    free(s);
    if (it->id && *it->id) {
        rep->hits[HTML_RULE_ID]++;
    } else {
        free(it->id);
        it->id = NULL;
    }

    if (it->title && !*it->title) {
        free(it->title);
        it->title = NULL;
    }
    if (!it->title && !it->link)
        return 1;
    if (!it->id)
        /* A list page's dates may be guessed (the fetch time): the id of
         * an item without a link hashes its title alone. */
        it->id = it->link ? xstrdup(it->link) : feed_fallback_id(it->title, TIME_NONE);
    return 0;
}

static void feed_clear(struct feed *f)
{
    for (size_t i = 0; i < f->nitems; i++)
        feed_item_release(&f->items[i]);
    free(f->items);
    free(f->title);
    free(f->link);
    memset(f, 0, sizeof *f);
}

/* Add the item built from node (or the page) to f. Returns -1 on a rule
 * error. */
static int add_item(struct extract *x, xmlNodePtr node, int single,
                    struct feed *f)
{
    struct feed_item *it = &f->items[f->nitems];
    struct html_report before = *x->rep;
    unsigned char how = HTML_DATE_GUESSED;
    int rc = build_item(x, node, single, it, &how);

    if (rc < 0) {
        feed_item_release(it);
        return -1;
    }
    if (rc > 0) {
        /* nothing to keep, and nothing of it counts */
        *x->rep = before;
        x->rep->empty++;
        feed_item_release(it);
        f->dropped_empty++;
        return 0;
    }
    if (!it->link) {
        x->rep->no_link++;
    } else if (seen_link(x, f, f->nitems)) {
        *x->rep = before;
        x->rep->dup_links++;
        feed_item_release(it);
        return 0;
    }
    x->rep->date_how[f->nitems] = how;
    f->nitems++;
    x->rep->ndate_how = f->nitems;
    return 0;
}

static int run(struct extract *x, htmlDocPtr doc, const struct html_rules *r,
               struct feed *f)
{
    struct html_report *rep = x->rep;
    xmlXPathObjectPtr items = NULL;
    size_t nnodes = 0, cap;
    int rc = 0;

    for (int k = 0; k < HTML_RULE_COUNT; k++) {
        const char *e = rule_expr(r, (enum html_rule)k);
        if (!e)
            continue;
        x->quiet.last[0] = '\0';
        x->comp[k] = xmlXPathCtxtCompile(x->xp, BAD_CAST e);
        if (!x->comp[k]) {
            set_err(x->err, x->errlen, "%s: XPath does not compile: %s",
                    html_rule_name((enum html_rule)k),
                    x->quiet.last[0] ? x->quiet.last : "syntax error");
            return -1;
        }
    }
    if (x->comp[HTML_RULE_ITEM]) {
        x->xp->node = (xmlNodePtr)doc;
        items = xmlXPathCompiledEval(x->comp[HTML_RULE_ITEM], x->xp);
        if (!items) {
            set_err(x->err, x->errlen, "item: XPath evaluation failed: %s",
                    x->quiet.last[0] ? x->quiet.last : "unknown error");
            return -1;
        }
        if (items->type != XPATH_NODESET) {
            set_err(x->err, x->errlen,
                    "item: the XPath gives a %s, not a set of nodes",
                    items->type == XPATH_STRING ? "string" :
                    items->type == XPATH_NUMBER ? "number" :
                    items->type == XPATH_BOOLEAN ? "boolean" : "value");
            xmlXPathFreeObject(items);
            return -1;
        }
        if (items->nodesetval)
            nnodes = (size_t)items->nodesetval->nodeNr;
    }
    rep->nodes = nnodes;
    size_t limit = r->max_items ? r->max_items : LIMIT_ITEMS_PER_DOC;
    f->item_limit = limit;
    cap = nnodes > limit ? limit : nnodes;
    if (cap == 0)
        cap = 1;
    f->items = xcalloc(cap, sizeof *f->items);
    rep->date_how = xcalloc(cap, 1);
    for (x->nseen = 16; x->nseen < cap * 2; x->nseen *= 2)
        ;
    x->seen = xmalloc(x->nseen * sizeof *x->seen);
    memset(x->seen, 0xFF, x->nseen * sizeof *x->seen);

    if (nnodes > 0) {
        size_t i;
        for (i = 0; i < nnodes && f->nitems < limit; i++) {
            rc = add_item(x, items->nodesetval->nodeTab[i], nnodes == 1, f);
            if (rc < 0)
                break;
        }
        if (rc == 0 && i < nnodes) {
            rep->dropped_limit = nnodes - i;
            f->dropped_limit = nnodes - i;
        }
    } else if (!x->comp[HTML_RULE_ITEM] || x->meta.article) {
        /* A single article page: the rules on the document, then its
         * metadata. With an item rule that found nothing, only a page that
         * says it is an article stands in. */
        size_t before = rep->meta_fields;
        rc = add_item(x, NULL, 1, f);
        rep->from_meta = rc == 0 && f->nitems == 1 && rep->meta_fields > before;
    }
    rep->hits[HTML_RULE_ITEM] = f->nitems;
    xmlXPathFreeObject(items);
    return rc;
}

int html_extract_list(const char *page, size_t n, const char *page_url,
                      const char *http_charset, const struct html_rules *r,
                      int64_t fetch_time, struct feed *out,
                      struct html_report *rep, char *err, size_t errlen)
{
    static const struct html_rules none;
    struct html_report local;
    struct extract x;
    htmlDocPtr doc;
    char *base;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (!r)
        r = &none;
    doc = html_read(page, n, page_url, http_charset, out->encoding, err, errlen);
    if (!doc) {
        if (rep == &local)
            html_report_free(rep);
        return -1;
    }
    base = html_base(doc, page_url);
    memset(&x, 0, sizeof x);
    x.base = base;
    x.fetch_time = fetch_time;
    x.rep = rep;
    x.err = err;
    x.errlen = errlen;
    html_meta_read(doc, base, &x.meta);

    html_quiet_begin(&x.quiet);
    x.xp = xmlXPathNewContext(doc);
    /* A hostile page or rule must not spin: bound the work per document. */
    x.xp->opLimit = LIMIT_XPATH_OPS;
    x.xp->opCount = 0;
    rc = run(&x, doc, r, out);
    html_quiet_end(&x.quiet);

    if (rc == 0) {
        out->kind = FEED_HTML;
        out->title = x.meta.site_name ? xstrdup(x.meta.site_name) : NULL;
        out->link = page_url && url_is_http(page_url) ? xstrdup(page_url) : NULL;
        out->bad_dates = rep->bad_dates;
    } else {
        char enc[sizeof out->encoding];
        memcpy(enc, out->encoding, sizeof enc);
        feed_clear(out);
        memcpy(out->encoding, enc, sizeof enc);
        rep->ndate_how = 0;
    }
    for (int k = 0; k < HTML_RULE_COUNT; k++)
        if (x.comp[k])
            xmlXPathFreeCompExpr(x.comp[k]);
    xmlXPathFreeContext(x.xp);
    free(x.seen);
    html_meta_free(&x.meta);
    free(base);
    xmlFreeDoc(doc);
    if (rep == &local)
        html_report_free(rep);
    return rc;
}

void html_report_free(struct html_report *rep)
{
    if (!rep)
        return;
    free(rep->date_how);
    rep->date_how = NULL;
    rep->ndate_how = 0;
}

static void push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = s;
}

char **html_report_warnings(const struct html_report *rep,
                            const struct html_rules *r, size_t *count)
{
    char **v = NULL;
    size_t n = 0, items = rep->hits[HTML_RULE_ITEM];

    if (r && r->item && rep->nodes == 0)
        push(&v, &n, xasprintf("item matched nothing%s",
                               rep->from_meta ? "; the page's metadata was used" : ""));
    for (int k = HTML_RULE_TITLE; r && items > 0 && k < HTML_RULE_COUNT; k++) {
        const char *name = html_rule_name((enum html_rule)k);
        if (!rule_expr(r, (enum html_rule)k))
            continue;
        if (rep->hits[k] == 0)
            push(&v, &n, xasprintf("%s matched nothing in %zu item%s", name,
                                   items, items == 1 ? "" : "s"));
        else if (rep->hits[k] < items)
            push(&v, &n, xasprintf("%s found in only %zu of %zu items", name,
                                   rep->hits[k], items));
    }
    if (rep->empty)
        push(&v, &n, xasprintf("%zu item node%s with neither a title nor a link (dropped)",
                               rep->empty, rep->empty == 1 ? "" : "s"));
    if (rep->no_link)
        push(&v, &n, xasprintf("%zu item%s without a link", rep->no_link,
                               rep->no_link == 1 ? "" : "s"));
    if (rep->dup_links)
        push(&v, &n, xasprintf("%zu duplicate link%s (later items dropped)",
                               rep->dup_links, rep->dup_links == 1 ? "" : "s"));
    if (rep->bad_dates)
        push(&v, &n, xasprintf("%zu date%s did not parse, e.g. \"%s\"",
                               rep->bad_dates, rep->bad_dates == 1 ? "" : "s",
                               rep->bad_date));
    if (rep->guessed_dates)
        push(&v, &n, xasprintf("%zu item%s without a usable date: the fetch time is used",
                               rep->guessed_dates, rep->guessed_dates == 1 ? "" : "s"));
    if (rep->future_dates)
        push(&v, &n, xasprintf("%zu date%s in the future, set to the fetch time",
                               rep->future_dates, rep->future_dates == 1 ? "" : "s"));
    if (rep->dropped_limit)
        push(&v, &n, xasprintf("%zu items past the limit of %zu were dropped",
                               rep->dropped_limit,
                               r->max_items ? r->max_items : (size_t)LIMIT_ITEMS_PER_DOC));
    *count = n;
    return v;
}
