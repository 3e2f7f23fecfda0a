/* discover.c - `bantin discover URL`: list the feeds a page declares. */
#include "fetch/discover.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "parse/feed.h"
#include "parse/html.h"
#include "parse/text.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

/* The types a feed link may declare. application/xml and text/xml are
 * generic, but old CMSes (and some provincial portals) use them for RSS. */
static const char *const feed_types[] = {
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/xml", "text/xml", NULL,
};

/* 1 when the space-separated token list has tok (ASCII case-insensitive). */
static int has_token(const char *list, const char *tok)
{
    size_t tn = strlen(tok);
    const char *p = list;
    while (*p) {
        while (*p && IS_SPACE((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && !IS_SPACE((unsigned char)*p))
            p++;
        if ((size_t)(p - s) == tn && ascii_ncasecmp(s, tok, tn) == 0)
            return 1;
    }
    return 0;
}

/* The MIME type of a type attribute, lower case, without parameters, if
 * it is a feed type; else NULL. */
static const char *feed_type(const char *type)
{
    const char *s = type, *e;
    while (*s && IS_SPACE((unsigned char)*s))
        s++;
    e = s + strcspn(s, ";");
    while (e > s && IS_SPACE((unsigned char)e[-1]))
        e--;
    for (const char *const *t = feed_types; *t; t++)
        if (strlen(*t) == (size_t)(e - s) && ascii_ncasecmp(s, *t, (size_t)(e - s)) == 0)
            return *t;
    return NULL;
}

static char *prop(xmlNodePtr node, const char *name)
{
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (ascii_casecmp((const char *)a->name, name) != 0)
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        char *r = v ? xstrdup((const char *)v) : NULL;
        xmlFree(v);
        return r;
    }
    return NULL;
}

static void add_link(struct fetch_discovery *out, char *url, const char *type,
                     char *title)
{
    for (size_t i = 0; i < out->nlinks; i++) {
        if (strcmp(out->links[i].url, url) == 0) {
            free(url);
            free(title);
            return;
        }
    }
    if (out->nlinks >= LIMIT_DISCOVER_LINKS) {
        out->dropped_limit++;
        free(url);
        free(title);
        return;
    }
    out->links = xrealloc(out->links, (out->nlinks + 1) * sizeof *out->links);
    struct fetch_discovered *l = &out->links[out->nlinks++];
    l->url = url;
    l->type = xstrdup(type);
    l->title = title;
}

/* One <link> element: keep it when it declares a feed. */
static void consider(xmlNodePtr node, const char *base,
                     struct fetch_discovery *out)
{
    char *rel = prop(node, "rel");
    char *type = prop(node, "type");
    const char *ft = type ? feed_type(type) : NULL;
    if (rel && ft && has_token(rel, "alternate")) {
        char *href = prop(node, "href");
        char *url = href ? html_resolve(href, base) : NULL;
        free(href);
        if (url) {
            char *raw = prop(node, "title");
            char *title = NULL;
            if (raw) {
                title = text_clean_plain(raw, strlen(raw), LIMIT_TITLE_BYTES);
                free(raw);
                if (!title[0]) {
                    free(title);
                    title = NULL;
                }
            }
            add_link(out, url, ft, title);
        }
    }
    free(rel);
    free(type);
}

int fetch_discover_page(const char *page, size_t n, const char *page_url,
                        const char *http_charset, struct fetch_discovery *out,
                        char *err, size_t errlen)
{
    htmlDocPtr doc = html_read(page, n, page_url, http_charset, NULL, err,
                               errlen);
    if (!doc)
        return -1;
    char *base = html_base(doc, page_url);
    /* Links belong in <head>, but pages put them anywhere and the HTML
     * parser moves them: walk the whole tree, without recursion. */
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr cur = root;
    while (cur) {
        if (cur->type == XML_ELEMENT_NODE &&
            xmlStrcasecmp(cur->name, BAD_CAST "link") == 0)
            consider(cur, base, out);
        cur = html_walk_next(cur, root, 1);
    }
    free(base);
    xmlFreeDoc(doc);
    return 0;
}

/* What the one transfer left behind, taken out of fetch_run's result. */
struct taken {
    int done;
    enum fetch_outcome outcome;
    int http_status;
    int curl_code;
    int too_big;
    int refused;
    char error[256];
    struct buf body;
    char *final_url;
    char *permanent_url;
    char *charset;
};

static void on_done(const struct fetch_request *req, struct fetch_result *res,
                    void *ctx)
{
    struct taken *t = ctx;
    (void)req;
    t->done = 1;
    t->outcome = res->outcome;
    t->http_status = res->http_status;
    t->curl_code = res->curl_code;
    t->too_big = res->too_big;
    t->refused = res->refused;
    snprintf(t->error, sizeof t->error, "%s", res->error);
    buf_release(&t->body);
    t->body = res->body;
    buf_init(&res->body, 0);
    t->final_url = res->final_url;
    res->final_url = NULL;
    t->permanent_url = res->permanent_url;
    res->permanent_url = NULL;
    t->charset = res->charset;
    res->charset = NULL;
}

/* Whether a failed fetch may work later. */
static int temporary(const struct taken *t)
{
    if (!t->done || t->too_big || t->refused)
        return !t->done;
    if (t->curl_code == CURLE_UNSUPPORTED_PROTOCOL ||
        t->curl_code == CURLE_TOO_MANY_REDIRECTS ||
        t->curl_code == CURLE_URL_MALFORMAT)
        return 0;
    int code = t->http_status;
    if (t->curl_code == 0 && code >= 400 && code < 500)
        return code == 408 || code == 429;
    return 1;
}

static const char *kind_type(enum feed_kind k)
{
    switch (k) {
    case FEED_ATOM: return "application/atom+xml";
    case FEED_RDF: return "application/rdf+xml";
    default: return "application/rss+xml";
    }
}

enum fetch_discover_status fetch_discover(const char *url,
                                          const struct fetch_options *opt,
                                          struct fetch_discovery *out,
                                          char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    struct fetch_options def;
    if (!opt) {
        fetch_options_default(&def);
        opt = &def;
    }
    /* The URL given is the admin's: its host may be non-public. The feed
     * links found are only listed, never fetched here. */
    char *host = fetch_url_host(url);
    struct fetch_request req = {.url = url, .trusted_host = host};
    struct taken t;
    memset(&t, 0, sizeof t);
    buf_init(&t.body, 0);
    int rc = fetch_run(&req, 1, opt, on_done, &t, err, errlen);
    free(host);
    if (rc != 0)
        return FETCH_DISCOVER_ERROR;

    enum fetch_discover_status st = FETCH_DISCOVER_OK;
    out->http_status = t.http_status;
    out->final_url = xstrdup(t.final_url ? t.final_url : url);
    if (!t.done || t.outcome != FETCH_OK) {
        snprintf(err, errlen, "%s", t.done && t.error[0] ? t.error
                                                         : "fetch failed");
        st = FETCH_DISCOVER_FAILED;
        out->temporary = temporary(&t);
        goto done;
    }

    struct feed f;
    char ferr[256];
    struct feed_options fo = {out->final_url, t.charset, 0};
    if (feed_parse(t.body.data ? t.body.data : "", t.body.len, &fo, &f, ferr,
                   sizeof ferr) == FEED_OK) {
        out->is_feed = 1;
        /* the URL to configure: where permanent redirects lead, else the
         * one given (a temporary redirect may change) */
        char *title = f.title && f.title[0] ? xstrdup(f.title) : NULL;
        add_link(out, xstrdup(t.permanent_url ? t.permanent_url : url),
                 kind_type(f.kind), title);
        feed_free(&f);
        goto done;
    }
    char herr[200];
    if (fetch_discover_page(t.body.data, t.body.len, out->final_url,
                            t.charset, out, herr, sizeof herr) != 0) {
        snprintf(err, errlen, "neither a feed (%s) nor an HTML page (%s)",
                 ferr, herr);
        st = FETCH_DISCOVER_NOT_HTML;
    }
done:
    buf_release(&t.body);
    free(t.final_url);
    free(t.permanent_url);
    free(t.charset);
    return st;
}

void fetch_discovery_free(struct fetch_discovery *d)
{
    for (size_t i = 0; i < d->nlinks; i++) {
        free(d->links[i].url);
        free(d->links[i].type);
        free(d->links[i].title);
    }
    free(d->links);
    free(d->final_url);
    memset(d, 0, sizeof *d);
}
