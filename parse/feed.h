/* feed.h - parse one RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom document.
 *
 * The parser sees bytes and hands back plain data: it never touches the
 * network, never loads a DTD, never substitutes entities, and refuses a
 * document that declares entities (LIBS.md 3). It parses strictly first and
 * retries in recovery mode only on failure, marking the result degraded. */
#ifndef BANTIN_FEED_H
#define BANTIN_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* FEED_HTML: a list page read with XPath rules (parse/html.h). */
enum feed_kind { FEED_RSS, FEED_RDF, FEED_ATOM, FEED_HTML };

struct feed_item {
    char *id;            /* guid/id, else link, else a hash of title+date */
    char *title;         /* plain text, NFC, <= LIMIT_TITLE_BYTES, or NULL */
    char *link;          /* absolute http(s) URL, or NULL */
    int64_t published;   /* UTC seconds, or TIME_NONE */
    int published_guessed; /* 1: the source gave no usable date and published
                              is the fetch time, i.e. when first seen (HTML
                              list pages); such an item is undated for the
                              store's backfill */
    int64_t updated;     /* UTC seconds, or TIME_NONE */
    char *author;        /* plain text, or NULL */
    char *summary;       /* plain text, NFC, <= LIMIT_SUMMARY_BYTES, or NULL */
    char *content;       /* HTML as published (content:encoded, atom:content), or NULL */
    char **categories;   /* plain text each */
    size_t ncategories;
};

struct feed {
    enum feed_kind kind;
    char *title;         /* plain text, or NULL */
    char *link;          /* the site's absolute URL, or NULL */
    int degraded;        /* parsed in recovery mode: the XML was broken */
    char encoding[40];   /* the encoding the bytes were read as */
    struct feed_item *items;
    size_t nitems;
    size_t dropped_empty;  /* items with neither title nor link, dropped */
    size_t dropped_limit;  /* items past item_limit, dropped */
    size_t item_limit;     /* the limit applied: feed_options.max_items */
    size_t bad_dates;      /* dates present but unparseable (left null) */
};

/* Why a document was refused. */
enum feed_error {
    FEED_OK = 0,
    FEED_ERR_NOT_FEED,   /* well-formed, but its root is not rss/RDF/feed */
    FEED_ERR_MALFORMED,  /* not XML even in recovery mode (empty, JSON, ...) */
    FEED_ERR_HOSTILE,    /* declares entities, or trips a parser limit */
    FEED_ERR_TOO_BIG,    /* larger than LIMIT_BODY_BYTES */
};

struct feed_options {
    const char *base_url;      /* resolves relative links and xml:base; may be NULL */
    const char *http_charset;  /* charset from Content-Type; may be NULL */
    size_t max_items;          /* items kept; 0: LIMIT_ITEMS_PER_DOC */
};

/* Parse n bytes. On FEED_OK, *out holds the feed (release with feed_free).
 * On error, *out is empty and err holds one line naming the problem, e.g.
 * "not a feed (root element <html>)". */
enum feed_error feed_parse(const char *doc, size_t n,
                           const struct feed_options *opt, struct feed *out,
                           char *err, size_t errlen);

void feed_free(struct feed *f);

/* Free the strings of one item and zero it (feed_free does this for each). */
void feed_item_release(struct feed_item *it);

/* The id of an item that carries neither guid nor link: "urn:bantin:" and
 * a 64-bit FNV-1a hash of its title and, unless TIME_NONE, its published
 * time (pass TIME_NONE for a time that was guessed, so that the id stays
 * the same from one fetch to the next). Returns a malloc'd string. */
char *feed_fallback_id(const char *title, int64_t published);

/* Write f as the JSON object of DESIGN.md ("bantin parse") to out, with a
 * "degraded": true member on the feed object when f->degraded. Returns 0,
 * or -1 on a write error. */
int feed_json_write(const struct feed *f, FILE *out);

/* Process-wide setup of libxml2: call once before any parse (and before
 * threads): init the parser and install a deny-all external entity loader. */
void feed_global_init(void);

#endif
