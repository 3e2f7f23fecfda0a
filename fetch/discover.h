/* discover.h - `bantin discover URL`: the feeds a web page declares.
 *
 * A site announces its feeds in its <head> as
 *     <link rel="alternate" type="application/rss+xml" title="..." href="...">
 * discover fetches the page (fetch_run, with the fetcher's limits), reads
 * it with the HTML parser (html_read) and lists those links, absolute. A
 * URL that already is a feed is recognized as such (feed_parse). */
#ifndef BANTIN_DISCOVER_H
#define BANTIN_DISCOVER_H

#include <stddef.h>

#include "fetch/fetch.h"

struct fetch_discovered {
    char *url;      /* absolute http(s), resolved against <base> / the page */
    char *type;     /* the declared MIME type, lower case, no parameters */
    char *title;    /* the link's title attribute as one clean line, or NULL */
};

struct fetch_discovery {
    char *final_url;    /* the page's URL after redirects */
    int is_feed;        /* the URL itself is a feed: links then holds just
                           it, with the type of its kind and its title */
    struct fetch_discovered *links;  /* in page order, no duplicate URLs */
    size_t nlinks;
    size_t dropped_limit;   /* feed links past LIMIT_DISCOVER_LINKS */
    int http_status;    /* of the last response; 0 when there was none */
    int temporary;      /* FETCH_DISCOVER_FAILED: trying later may work
                           (network, time-out, 5xx, 408, 429); 0 for a
                           lasting refusal (another 4xx, a body past the
                           size cap, a redirect loop or to another scheme,
                           a redirect the guard of fetch.h refused) */
};

enum fetch_discover_status {
    FETCH_DISCOVER_OK = 0,     /* see is_feed and nlinks (may be 0) */
    FETCH_DISCOVER_FAILED,     /* the fetch failed: err says why, and
                                  temporary whether to try again later */
    FETCH_DISCOVER_NOT_HTML,   /* neither a feed nor an HTML page: err */
    FETCH_DISCOVER_ERROR,      /* libcurl could not be set up: err */
};

/* Fetch url with opt (NULL: fetch_options_default) and list its feeds into
 * *out. Returns a status above with *out filled as far as it got (release
 * it with fetch_discovery_free in every case); err holds one line for
 * every status but OK. */
enum fetch_discover_status fetch_discover(const char *url,
                                          const struct fetch_options *opt,
                                          struct fetch_discovery *out,
                                          char *err, size_t errlen);

/* The feed links of an HTML page of n bytes already fetched from page_url
 * (http_charset may be NULL), appended to out->links. Returns 0, or -1
 * with err when the page is not HTML at all. For the tests and for
 * fetch_discover. */
int fetch_discover_page(const char *page, size_t n, const char *page_url,
                        const char *http_charset, struct fetch_discovery *out,
                        char *err, size_t errlen);

void fetch_discovery_free(struct fetch_discovery *d);

#endif
