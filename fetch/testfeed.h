/* testfeed.h - `bantin test-feed`: the admin's dry run of one source.
 *
 * Fetch one source (or read saved pages), apply its rules exactly as
 * `bantin fetch` would, and print what tomorrow's digest would get from
 * it: each item's title, link, date with how it was found, and the start
 * of its summary (from the article page when the source has an `article`
 * rule), then the warnings an admin acts on (a rule that matched nothing,
 * items without links, duplicate links, dates that did not parse).
 * Nothing is stored: the database is never opened. */
#ifndef BANTIN_TESTFEED_H
#define BANTIN_TESTFEED_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "fetch/fetch.h"

/* Article pages fetched by default after a fetched list page. */
#define TESTFEED_DEFAULT_ARTICLES 3

struct testfeed_options {
    const char *id;            /* the feed's id, for messages; NULL: "--url" */
    const char *url;           /* the source; with files, the page's own URL
                                  (the base of its relative links), or NULL */
    enum config_feed_type type;
    struct config_rules rules; /* borrowed; article may be CONFIG_ARTICLE_AUTO */
    const char *charset;       /* stands in for the HTTP charset, or NULL */
    char *const *files;        /* list pages read from these files instead
                                  of fetching url, each reported in turn */
    size_t nfiles;
    char *const *article_files;/* article pages read from these files */
    size_t narticle_files;
    long articles;             /* article pages fetched at most, from the
                                  first items with a link (needs an article
                                  rule); 0: none */
    struct fetch_options fetch;/* limits for every request and file */
    int tz_offset;             /* dates are shown in this offset (seconds) */
    size_t items_max;          /* items kept per page; 0: LIMIT_ITEMS_PER_DOC */
};

enum testfeed_status {
    TESTFEED_OK = 0,      /* items (or article text) found */
    TESTFEED_EMPTY,       /* read, but nothing found: no items, a rule that
                             failed at run time, not a feed (EX_DATAERR) */
    TESTFEED_BAD_RULE,    /* a rule does not compile (EX_USAGE) */
    TESTFEED_NETWORK,     /* the source could not be fetched (EX_TEMPFAIL) */
    TESTFEED_NOINPUT,     /* a file could not be read (EX_NOINPUT) */
    TESTFEED_ERROR,       /* libcurl could not be set up (EX_SOFTWARE) */
};

/* Run the dry run of o, writing the report to out. Returns a status above;
 * for any but TESTFEED_OK, err holds one line naming the feed and, for a
 * rule, the rule ("feed nghean: item_date: XPath evaluation failed:
 * undefined variable"). What was read is reported on out even when the
 * status is TESTFEED_EMPTY. */
enum testfeed_status fetch_test_feed(const struct testfeed_options *o,
                                     FILE *out, char *err, size_t errlen);

#endif
