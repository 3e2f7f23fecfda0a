/* html.h - items from an HTML list page, described by XPath rules.
 *
 * For sites with no feed (issue 4): an admin names the node that repeats
 * for each news item (item) and, relative to it, where its title, link,
 * date, summary, author and id are. The page is decoded to UTF-8 first
 * (charset_to_utf8 with html = 1: BOM, then <meta charset>, then the HTTP
 * charset, as charset.h says) and parsed by libxml2's HTML parser with the
 * encoding forced to UTF-8, so the parser never falls back to Latin-1 in
 * the middle of a page (LIBS.md 3). Nothing reaches stderr: libxml2's
 * messages are collected and the last one ends up in err when it matters.
 *
 * Where a rule is missing or finds nothing, the page's own metadata is used
 * when it describes the item: OpenGraph (og:title, og:description, og:url,
 * article:published_time, article:author) and JSON-LD NewsArticle/Article
 * (headline, description, url, datePublished, author). That is the whole
 * story for a single-article page (item unset, or item matched nothing),
 * and a per-field fallback when the item rule matched exactly one node.
 *
 * Dates: date_parse first, then the relative forms of reldate.h against
 * the fetch time, then a date inside a longer text ("Ngày đăng 15/10/2020 |
 * 13:50 | View count: 1366"). A date after the fetch time is clamped to it;
 * a missing or unparseable date becomes the fetch time, flagged "guessed"
 * in the report so the store and `bantin test-feed` can tell. */
#ifndef BANTIN_HTML_H
#define BANTIN_HTML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>

#include "parse/feed.h"

/* XPath 1.0 expressions (NULL: unset), as in the [feed] section of
 * bantin.conf. item is evaluated on the document; the others relative to
 * each item node. Without item_link, the item's first <a href> (or the item
 * itself when it is an <a>); without item_title, the text of its first
 * <h1>..<h6>, else of that link; without item_id, the link. */
struct html_rules {
    const char *item;
    const char *item_title;
    const char *item_link;
    const char *item_date;
    const char *item_summary;
    const char *item_author;
    const char *item_id;
    size_t max_items;      /* items kept; 0: LIMIT_ITEMS_PER_DOC */
};

enum html_rule {
    HTML_RULE_ITEM,
    HTML_RULE_TITLE,
    HTML_RULE_LINK,
    HTML_RULE_DATE,
    HTML_RULE_SUMMARY,
    HTML_RULE_AUTHOR,
    HTML_RULE_ID,
    HTML_RULE_COUNT
};

/* How an item's published time was found (html_report.date_how). */
enum html_date_how {
    HTML_DATE_PARSED,    /* the item_date text, an absolute date */
    HTML_DATE_RELATIVE,  /* "15 giờ trước", "hôm qua": from the fetch time */
    HTML_DATE_META,      /* article:published_time or JSON-LD datePublished */
    HTML_DATE_CLAMPED,   /* found, but after the fetch time: set to it */
    HTML_DATE_GUESSED,   /* none or unparseable: the fetch time */
};

/* What `bantin test-feed` prints as warnings; filled by html_extract_list
 * even when it fails half-way (what was counted so far). */
struct html_report {
    size_t nodes;                  /* nodes the item rule matched (all of them) */
    size_t hits[HTML_RULE_COUNT];  /* items where that rule gave a non-empty value;
                                      hits[HTML_RULE_ITEM] = items kept */
    size_t empty;          /* item nodes with neither title nor link: dropped */
    size_t no_link;        /* items kept without an absolute http(s) link */
    size_t dup_links;      /* items whose link an earlier item already had */
    size_t bad_dates;      /* date text present but not a date */
    size_t guessed_dates;  /* published = fetch time (bad or missing date) */
    size_t future_dates;   /* dates after the fetch time, clamped */
    size_t relative_dates; /* dates like "15 giờ trước" */
    size_t meta_fields;    /* fields taken from OpenGraph / JSON-LD */
    size_t dropped_limit;  /* item nodes past LIMIT_ITEMS_PER_DOC */
    int from_meta;         /* 1: the single item was built from page metadata */
    char bad_date[96];     /* the first date text that did not parse */
    unsigned char *date_how;  /* per item of the feed: enum html_date_how */
    size_t ndate_how;
};

/* Extract the items of a list page of n bytes. page_url is the URL the page
 * was fetched from (after redirects): with <base href> it makes relative
 * links absolute; only http and https links are kept. http_charset (may be
 * NULL) is the Content-Type charset. r->item may be NULL: then the page is
 * one article and its item comes from the rules evaluated on the document
 * and from its metadata. fetch_time (UTC seconds) anchors relative dates
 * and the clamp. rep may be NULL.
 *
 * Returns 0 and fills *out (release with feed_free; kind is FEED_HTML,
 * title is og:site_name or <title>, link is page_url) -- possibly with no
 * items, which the report tells apart (nodes == 0). Returns -1 with *out
 * empty and one line in err naming the rule when a rule does not compile
 * or fails at run time ("item_date: XPath evaluation failed: undefined
 * variable"), or when the page is not HTML at all. rep is filled either
 * way; release it with html_report_free. */
int html_extract_list(const char *page, size_t n, const char *page_url,
                      const char *http_charset, const struct html_rules *r,
                      int64_t fetch_time, struct feed *out,
                      struct html_report *rep, char *err, size_t errlen);

void html_report_free(struct html_report *rep);

/* The config key of a rule ("item", "item_title", ...). */
const char *html_rule_name(enum html_rule rule);

/* The report as warning lines for an admin ("item_date matched nothing",
 * "3 items without a link", "2 dates did not parse, e.g. \"...\""), in a
 * malloc'd array of *count malloc'd strings (caller frees each and the
 * array); NULL when there is nothing to say. r may be NULL. */
char **html_report_warnings(const struct html_report *rep,
                            const struct html_rules *r, size_t *count);

/* ---- shared with article.c ------------------------------------------- */

/* The node after cur in document order within root, without recursion
 * (pages nest deep): cur's first child when descend and cur is an
 * element with children, else the next sibling of cur or of its nearest
 * ancestor below root; NULL when the walk is done. */
xmlNodePtr html_walk_next(xmlNodePtr cur, xmlNodePtr root, int descend);

/* libxml2 keeps its error handlers per thread; these silence them around a
 * parse or an evaluation and keep the last message. */
struct html_quiet {
    xmlStructuredErrorFunc old_fn;
    xmlGenericErrorFunc old_gen_fn;
    void *old_ctx, *old_gen_ctx;
    char last[160];      /* the last message, trimmed, or "" */
};
void html_quiet_begin(struct html_quiet *q);
void html_quiet_end(struct html_quiet *q);

/* Decode (charset_to_utf8, html = 1) and parse n bytes. Returns the
 * document (xmlFreeDoc) or NULL with err set. encoding (>= 40 bytes, may
 * be NULL) gets the encoding the bytes were read as. */
htmlDocPtr html_read(const char *page, size_t n, const char *page_url,
                     const char *http_charset, char *encoding,
                     char *err, size_t errlen);

/* The base for relative links: <base href> resolved against page_url,
 * else page_url. Returns a malloc'd string or NULL (caller frees). */
char *html_base(htmlDocPtr doc, const char *page_url);

/* href resolved against base (may be NULL) as an absolute http(s) URL with
 * its spaces and non-ASCII bytes percent-encoded; NULL when it is empty, a
 * bare fragment, another scheme (javascript:, mailto:) or unparseable.
 * Caller frees. */
char *html_resolve(const char *href, const char *base);

/* 1 for the elements that do not break a line of text (a, span, b, em,
 * font, ...; HTML5 ones unknown to libxml2 2.9 too), else 0. */
int html_inline_tag(const xmlChar *name);

/* The text under node (text and CDATA descendants, <script>/<style>
 * skipped; elements other than inline ones separate words), cleaned
 * (text_clean_plain: whitespace collapsed, NFC) and cut to max bytes; an
 * attribute node gives its value. Reads at most a bounded number of raw
 * bytes, so a huge subtree costs little. Caller frees. */
char *html_node_text(xmlNodePtr node, size_t max);

/* A page's own description of itself: OpenGraph, then JSON-LD. */
struct html_meta {
    char *title;         /* og:title, else JSON-LD headline; or NULL */
    char *description;   /* og:description / JSON-LD description / meta description */
    char *url;           /* og:url / JSON-LD url, absolute http(s); or NULL */
    char *author;        /* article:author (not a URL) / JSON-LD author name */
    char *site_name;     /* og:site_name, else <title>; or NULL */
    int64_t published;   /* article:published_time / JSON-LD datePublished,
                            or TIME_NONE */
    int article;         /* 1: og:type article or a JSON-LD *Article */
};

/* Fill *m from doc (base resolves og:url). Every string is cleaned text,
 * malloc'd; release with html_meta_free. JSON-LD blocks are read only up to
 * LIMIT_JSONLD_BYTES each and LIMIT_JSONLD_BLOCKS per page. */
void html_meta_read(htmlDocPtr doc, const char *base, struct html_meta *m);
void html_meta_free(struct html_meta *m);

/* A scraped date text to UTC seconds: date_parse on the whole text, then
 * reldate_parse, then date_parse on each date-looking part of a longer
 * text. Returns HTML_DATE_PARSED or HTML_DATE_RELATIVE with *out set, or
 * -1. The future clamp is the caller's. */
int html_date(const char *s, size_t n, int64_t fetch_time, int64_t *out);

#endif
