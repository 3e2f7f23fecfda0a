/* testfeed.c - `bantin test-feed`: fetch, apply the rules, print, store nothing. */
#include "fetch/testfeed.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xpath.h>

#include "fetch/update.h"
#include "parse/article.h"
#include "parse/feed.h"
#include "parse/html.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

/* Words of a summary shown per item: enough to judge it is the article's
 * first sentence and not a menu or a counter. */
#define SHOWN_WORDS 20

/* What the article page of one item gave. */
struct art {
    int tried;             /* 1: fetched (or tried) */
    char *summary;         /* its summary, or NULL when it failed */
    int64_t published;     /* its own date, or TIME_NONE */
    char *problem;         /* why it failed, or the fallback warning */
    int failed;
};

/* How an item's date was found, as shown: enum html_date_how, and two
 * more. */
#define HOW_NONE    (HTML_DATE_GUESSED + 1)  /* a feed item without a date */
#define HOW_ARTICLE (HTML_DATE_GUESSED + 2)  /* the list had none; the
                                                article page had one */
#define HOW_COUNT   (HTML_DATE_GUESSED + 3)

struct run {
    const struct testfeed_options *o;
    const char *who;       /* "feed nghean" or "--url" */
    char *host;            /* of o->url, the URL the admin gave: the one
                              host that may be non-public (fetch.h) */
    FILE *out;
    /* totals over every page */
    size_t items, linked, articles_ok, articles_failed, articles_fallback;
    size_t how[HOW_COUNT];
};

static const char *how_name(int how)
{
    switch (how) {
    case HTML_DATE_PARSED: return "parsed";
    case HTML_DATE_RELATIVE: return "relative, from the fetch time";
    case HTML_DATE_META: return "from page metadata";
    case HTML_DATE_CLAMPED: return "in the future, clamped to the fetch time";
    case HTML_DATE_GUESSED: return "guessed = first seen";
    case HOW_ARTICLE: return "from the article page";
    default: return "none: first seen";
    }
}

static const char *how_short(int how)
{
    switch (how) {
    case HTML_DATE_PARSED: return "parsed";
    case HTML_DATE_RELATIVE: return "relative";
    case HTML_DATE_META: return "from page metadata";
    case HTML_DATE_CLAMPED: return "clamped";
    case HTML_DATE_GUESSED: return "guessed";
    case HOW_ARTICLE: return "from article pages";
    default: return "undated";
    }
}

/* "2022-09-15 10:22 +07:00": t in the configured offset. */
static void format_local(int64_t t, int tz, char *buf, size_t size)
{
    time_t lt = (time_t)(t + tz);
    struct tm tm;
    int a = tz < 0 ? -tz : tz;
    if (!gmtime_r(&lt, &tm)) {
        snprintf(buf, size, "?");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %c%02d:%02d",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tz < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
}

/* The first max words of s (space-separated, as cleaned text is), with
 * "…" when there were more. */
static void put_words(FILE *out, const char *s, int max)
{
    const char *p = s;
    int words = 0;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (words == max) {
            fputs("…", out);
            return;
        }
        const char *e = p;
        while (*e && *e != ' ' && *e != '\n')
            e++;
        fprintf(out, "%s%.*s", words ? " " : "", (int)(e - p), p);
        words++;
        p = e;
    }
}

/* ---- rules -------------------------------------------------------------- */

/* Compile every rule once before anything is fetched: a typo on the
 * command line is the admin's to fix, not a reason to hit the site. */
static enum testfeed_status check_rules(const struct run *r, char *err,
                                        size_t errlen)
{
    const struct config_rules *cr = &r->o->rules;
    const struct {
        const char *name, *expr;
    } rules[] = {
        {"item", cr->item}, {"item_title", cr->title}, {"item_link", cr->link},
        {"item_date", cr->date}, {"item_summary", cr->summary},
        {"item_author", cr->author}, {"item_id", cr->id},
        {"article", cr->article && strcmp(cr->article, CONFIG_ARTICLE_AUTO) != 0
                        ? cr->article : NULL},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (!rules[i].expr)
            continue;
        struct html_quiet q;
        html_quiet_begin(&q);
        xmlXPathCompExprPtr c = xmlXPathCompile(BAD_CAST rules[i].expr);
        html_quiet_end(&q);
        if (!c) {
            snprintf(err, errlen, "%s: %s: XPath does not compile: %s", r->who,
                     rules[i].name, q.last[0] ? q.last : "syntax error");
            return TESTFEED_BAD_RULE;
        }
        xmlXPathFreeCompExpr(c);
    }
    return TESTFEED_OK;
}

/* ---- fetching ----------------------------------------------------------- */

struct got {
    struct fetch_result res;   /* moved out of fetch_run's */
    int done;
};

static void take(const struct fetch_request *req, struct fetch_result *res,
                 void *ctx)
{
    (void)req;
    struct got *g = ctx;
    buf_release(&g->res.body);
    g->res = *res;
    /* fetch_run frees what is left in res: leave it nothing of ours */
    memset(res, 0, sizeof *res);
    buf_init(&res->body, 1);
    g->done = 1;
}

static void got_free(struct got *g)
{
    fetch_result_release(&g->res);
}

/* ---- article pages ------------------------------------------------------ */

struct art_ctx {
    const struct run *r;
};

static void on_article(const struct fetch_request *req, struct fetch_result *res,
                       void *vctx)
{
    struct art_ctx *c = vctx;
    struct art *a = req->user;
    char warn[256], err[256];
    a->tried = 1;
    if (fetch_article_read(res, c->r->o->rules.article, (int64_t)time(NULL),
                           &a->summary, &a->published, warn, sizeof warn, err,
                           sizeof err) != 0) {
        a->failed = 1;
        a->problem = xstrdup(err);
    } else if (warn[0]) {
        a->problem = xstrdup(warn);
    }
}

/* Fetch the article pages of the first items with a link. */
static enum testfeed_status fetch_articles(struct run *r, const struct feed *f,
                                           struct art *arts, char *err,
                                           size_t errlen)
{
    const struct testfeed_options *o = r->o;
    size_t n = 0;
    struct fetch_request *reqs;

    if (!o->rules.article || o->articles <= 0)
        return TESTFEED_OK;
    reqs = xcalloc(f->nitems ? f->nitems : 1, sizeof *reqs);
    for (size_t i = 0; i < f->nitems && n < (size_t)o->articles; i++) {
        if (!f->items[i].link)
            continue;
        reqs[n].url = f->items[i].link;
        reqs[n].user = &arts[i];
        reqs[n].trusted_host = r->host;
        n++;
    }
    struct art_ctx c = {r};
    char ferr[256];
    struct fetch_options ao;
    fetch_options_for_articles(&ao, &o->fetch);
    int rc = n ? fetch_run(reqs, n, &ao, on_article, &c, ferr, sizeof ferr) : 0;
    free(reqs);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", r->who, ferr);
        return TESTFEED_ERROR;
    }
    return TESTFEED_OK;
}

/* ---- the report --------------------------------------------------------- */

static void print_item(struct run *r, size_t k, const struct feed_item *it,
                       int how, const struct art *a)
{
    FILE *out = r->out;
    char when[48];
    int64_t t = it->published != TIME_NONE ? it->published : it->updated;
    const char *summary = it->summary && *it->summary ? it->summary : NULL;

    /* what `bantin fetch` would store: the article page's summary, and its
     * date when the list had none */
    if (a && a->summary) {
        summary = a->summary;
        if (a->published != TIME_NONE &&
            (how == HTML_DATE_GUESSED || how == HOW_NONE)) {
            t = a->published;
            how = HOW_ARTICLE;
        }
    }
    fprintf(out, "%zu. %s\n", k, it->title ? it->title : "(no title)");
    fprintf(out, "   link: %s\n", it->link ? it->link : "(none)");
    if (how != HOW_NONE && t != TIME_NONE) {
        format_local(t, r->o->tz_offset, when, sizeof when);
        fprintf(out, "   date: %s (%s)\n", when, how_name(how));
    } else {
        how = HOW_NONE;
        fprintf(out, "   date: none (%s)\n", how_name(how));
    }
    r->how[how]++;
    fprintf(out, "   summary%s: ", a && a->summary ? " (article page)" : "");
    if (summary)
        put_words(out, summary, SHOWN_WORDS);
    else
        fputs("(none)", out);
    fputc('\n', out);
    if (a && a->failed)
        fprintf(out, "   article page: failed: %s (the list's summary is kept)\n",
                a->problem);
    else if (a && a->problem)
        fprintf(out, "   article page: %s\n", a->problem);
}

static void push(char ***v, size_t *n, char *line)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = line;
}

/* Warnings a feed (not a list page) can give: html_report_warnings covers
 * list pages. */
static int link_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **feed_warnings(const struct feed *f, size_t *count)
{
    char **v = NULL;
    size_t n = 0, nolink = 0, dups = 0, nl = 0;
    char **links = xcalloc(f->nitems ? f->nitems : 1, sizeof *links);

    for (size_t i = 0; i < f->nitems; i++) {
        if (f->items[i].link)
            links[nl++] = f->items[i].link;
        else
            nolink++;
    }
    qsort(links, nl, sizeof *links, link_cmp);
    for (size_t i = 1; i < nl; i++)
        dups += strcmp(links[i - 1], links[i]) == 0;
    free(links);
#define PUSH(...) push(&v, &n, xasprintf(__VA_ARGS__))
    if (f->degraded)
        PUSH("broken XML, read in recovery mode");
    if (nolink)
        PUSH("%zu item%s without a link", nolink, nolink == 1 ? "" : "s");
    if (dups)
        PUSH("%zu duplicate link%s", dups, dups == 1 ? "" : "s");
    if (f->bad_dates)
        PUSH("%zu date%s did not parse", f->bad_dates, f->bad_dates == 1 ? "" : "s");
    if (f->dropped_empty)
        PUSH("%zu item%s with neither a title nor a link (dropped)",
             f->dropped_empty, f->dropped_empty == 1 ? "" : "s");
    if (f->dropped_limit)
        PUSH("%zu items past the limit of %zu were dropped", f->dropped_limit,
             f->item_limit);
#undef PUSH
    *count = n;
    return v;
}

/* Print the items of one parsed page and its warnings. */
static void print_page(struct run *r, const char *source, size_t bytes,
                       const struct feed *f, const struct html_report *rep,
                       const struct art *arts)
{
    const struct testfeed_options *o = r->o;
    FILE *out = r->out;
    struct html_rules hr = {o->rules.item, o->rules.title, o->rules.link,
                            o->rules.date, o->rules.summary, o->rules.author,
                            o->rules.id, o->items_max};
    size_t nw, ok = 0, failed = 0, fallback = 0;
    char **w;

    fprintf(out, "source: %s (%s, %s, %zu bytes)\n", source,
            o->type == CONFIG_FEED_HTML ? "html" :
            f->kind == FEED_ATOM ? "atom" : f->kind == FEED_RDF ? "rdf" : "rss",
            f->encoding[0] ? f->encoding : "UTF-8", bytes);
    if (f->title)
        fprintf(out, "title: %s\n", f->title);
    for (size_t i = 0; i < f->nitems; i++) {
        const struct feed_item *it = &f->items[i];
        int how;
        if (rep && i < rep->ndate_how)
            how = rep->date_how[i];
        else
            how = it->published != TIME_NONE || it->updated != TIME_NONE
                      ? HTML_DATE_PARSED : HOW_NONE;
        fputc('\n', out);
        print_item(r, i + 1, it, how, arts && arts[i].tried ? &arts[i] : NULL);
        r->linked += it->link != NULL;
        if (arts && arts[i].tried) {
            ok += !arts[i].failed;
            failed += arts[i].failed;
            fallback += !arts[i].failed && arts[i].problem;
        }
    }
    r->items += f->nitems;
    r->articles_ok += ok;
    r->articles_failed += failed;
    r->articles_fallback += fallback;

    w = rep ? html_report_warnings(rep, &hr, &nw) : feed_warnings(f, &nw);
    if (failed)
        push(&w, &nw, xasprintf("%zu of %zu article pages failed", failed,
                                ok + failed));
    if (fallback)
        push(&w, &nw, xasprintf("the article rule matched no text on %zu of %zu "
                                "pages; the text was found automatically",
                                fallback, ok + failed));
    fprintf(out, "\nwarnings:%s\n", nw ? "" : " none");
    for (size_t i = 0; i < nw; i++) {
        fprintf(out, "  - %s\n", w[i]);
        free(w[i]);
    }
    free(w);
    fputc('\n', out);
}

/* ---- one list page ------------------------------------------------------ */

/* Parse one list page or feed, fetch its article pages, print it. */
static enum testfeed_status do_page(struct run *r, const char *source,
                                    const char *body, size_t len,
                                    const char *page_url, const char *charset,
                                    int fetch_articles_too, char *err,
                                    size_t errlen)
{
    const struct testfeed_options *o = r->o;
    struct feed f;
    struct html_report rep;
    char perr[256];
    enum testfeed_status st = TESTFEED_OK;

    if (o->type == CONFIG_FEED_HTML) {
        struct html_rules hr = {o->rules.item, o->rules.title, o->rules.link,
                                o->rules.date, o->rules.summary,
                                o->rules.author, o->rules.id, o->items_max};
        if (html_extract_list(body, len, page_url, charset, &hr,
                              (int64_t)time(NULL), &f, &rep, perr,
                              sizeof perr) != 0) {
            html_report_free(&rep);
            snprintf(err, errlen, "%s: %s: %s", r->who, source, perr);
            return TESTFEED_EMPTY;
        }
    } else {
        struct feed_options fo = {page_url, charset, o->items_max};
        if (feed_parse(body, len, &fo, &f, perr, sizeof perr) != FEED_OK) {
            snprintf(err, errlen, "%s: %s: %s", r->who, source, perr);
            return TESTFEED_EMPTY;
        }
    }
    struct art *arts = xcalloc(f.nitems ? f.nitems : 1, sizeof *arts);
    for (size_t i = 0; i < f.nitems; i++)
        arts[i].published = TIME_NONE;
    if (fetch_articles_too)
        st = fetch_articles(r, &f, arts, err, errlen);
    if (st == TESTFEED_OK)
        print_page(r, source, len, &f,
                   o->type == CONFIG_FEED_HTML ? &rep : NULL, arts);
    for (size_t i = 0; i < f.nitems; i++) {
        free(arts[i].summary);
        free(arts[i].problem);
    }
    free(arts);
    feed_free(&f);
    if (o->type == CONFIG_FEED_HTML)
        html_report_free(&rep);
    return st;
}

static enum testfeed_status read_input(const struct run *r, const char *path,
                                       char **body, size_t *len, char *err,
                                       size_t errlen)
{
    if (read_file(path, r->o->fetch.max_body, body, len) == 0)
        return TESTFEED_OK;
    if (errno == EFBIG) {
        snprintf(err, errlen, "%s: %s: larger than %zu bytes", r->who, path,
                 r->o->fetch.max_body);
        return TESTFEED_EMPTY;
    }
    snprintf(err, errlen, "%s: %s: %s", r->who, path, strerror(errno));
    return TESTFEED_NOINPUT;
}

/* An article page saved in a file: its title, date, size and summary. */
static enum testfeed_status do_article_file(struct run *r, const char *path,
                                            char *err, size_t errlen)
{
    const struct testfeed_options *o = r->o;
    const char *rule = o->rules.article;
    const char *xpath = rule && strcmp(rule, CONFIG_ARTICLE_AUTO) != 0 ? rule : NULL;
    char *body, aerr[256], when[48];
    size_t len, words = 0;
    struct article a;
    enum testfeed_status st = read_input(r, path, &body, &len, err, errlen);

    if (st != TESTFEED_OK)
        return st;
    int rc = article_parse(body, len, o->url, o->charset, xpath, &a, aerr,
                           sizeof aerr);
    free(body);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s: %s", r->who, path, aerr);
        return TESTFEED_EMPTY;
    }
    for (const char *p = a.text; *p; p++)
        words += (p == a.text || p[-1] == ' ' || p[-1] == '\n') &&
                 *p != ' ' && *p != '\n';
    fprintf(r->out, "article: %s (%zu bytes)\n", path, len);
    fprintf(r->out, "   title: %s\n", a.title ? a.title : "(none)");
    if (a.published != TIME_NONE) {
        format_local(a.published, o->tz_offset, when, sizeof when);
        fprintf(r->out, "   date: %s (from page metadata)\n", when);
    } else {
        fputs("   date: none\n", r->out);
    }
    fprintf(r->out, "   text: %zu words%s\n", words,
            a.generic ? ", found automatically" : "");
    if (aerr[0])
        fprintf(r->out, "   warning: %s\n", aerr);
    char *s = article_summary(a.text, LIMIT_SUMMARY_BYTES);
    fputs("   summary: ", r->out);
    if (*s)
        put_words(r->out, s, SHOWN_WORDS);
    else
        fputs("(none)", r->out);
    fputs("\n\n", r->out);
    free(s);
    if (a.text[0]) {
        r->articles_ok++;
        r->articles_fallback += aerr[0] != '\0';
    } else {
        r->articles_failed++;
    }
    article_free(&a);
    return TESTFEED_OK;
}

static void print_totals(const struct run *r)
{
    FILE *out = r->out;
    const struct testfeed_options *o = r->o;

    if (o->nfiles > 0 || o->url || o->narticle_files == 0) {
        fprintf(out, "%zu item%s, %zu with a link", r->items,
                r->items == 1 ? "" : "s", r->linked);
        if (r->items) {
            fputs("; dates:", out);
            int first = 1;
            for (int h = 0; h <= HOW_NONE; h++) {
                if (!r->how[h])
                    continue;
                fprintf(out, "%s %zu %s", first ? "" : ",", r->how[h],
                        how_short(h));
                first = 0;
            }
        }
    }
    if (r->articles_ok + r->articles_failed > 0)
        fprintf(out, "%s%zu article page%s read, %zu failed",
                o->nfiles > 0 || o->url || o->narticle_files == 0 ? "; " : "",
                r->articles_ok, r->articles_ok == 1 ? "" : "s",
                r->articles_failed);
    fputc('\n', out);
    if (r->how[HTML_DATE_GUESSED])
        fputs("note: undated items are dated when first seen; on a feed's "
              "first fetch they count as old and are not stored\n", out);
}

enum testfeed_status fetch_test_feed(const struct testfeed_options *o,
                                     FILE *out, char *err, size_t errlen)
{
    char who[128];
    struct run r;
    enum testfeed_status st;

    memset(&r, 0, sizeof r);
    r.o = o;
    r.out = out;
    snprintf(who, sizeof who, "%s%s", o->id ? "feed " : "",
             o->id ? o->id : "test-feed");
    r.who = who;
    err[0] = '\0';

    st = check_rules(&r, err, errlen);
    if (st != TESTFEED_OK)
        return st;
    r.host = fetch_url_host(o->url);

    if (o->nfiles > 0) {
        for (size_t i = 0; i < o->nfiles && st == TESTFEED_OK; i++) {
            char *body;
            size_t len;
            st = read_input(&r, o->files[i], &body, &len, err, errlen);
            if (st != TESTFEED_OK)
                break;
            st = do_page(&r, o->files[i], body, len, o->url, o->charset,
                         o->articles > 0, err, errlen);
            free(body);
        }
    } else if (o->url) {
        struct fetch_request req = {.url = o->url, .trusted_host = r.host};
        struct got g;
        char ferr[256];
        memset(&g, 0, sizeof g);
        buf_init(&g.res.body, 1);
        if (fetch_run(&req, 1, &o->fetch, take, &g, ferr, sizeof ferr) != 0) {
            snprintf(err, errlen, "%s: %s", who, ferr);
            got_free(&g);
            free(r.host);
            return TESTFEED_ERROR;
        }
        if (g.res.outcome != FETCH_OK) {
            snprintf(err, errlen, "%s: %s: %s", who, o->url,
                     g.res.outcome == FETCH_NOT_MODIFIED ? "HTTP 304" : g.res.error);
            got_free(&g);
            free(r.host);
            return TESTFEED_NETWORK;
        }
        const char *page_url = g.res.final_url ? g.res.final_url : o->url;
        st = do_page(&r, page_url, g.res.body.data, g.res.body.len, page_url,
                     o->charset ? o->charset : g.res.charset, 1, err, errlen);
        got_free(&g);
    }
    for (size_t i = 0; i < o->narticle_files && st == TESTFEED_OK; i++)
        st = do_article_file(&r, o->article_files[i], err, errlen);
    free(r.host);
    r.host = NULL;
    if (st != TESTFEED_OK)
        return st;

    print_totals(&r);
    if (r.items == 0 && r.articles_ok == 0) {
        snprintf(err, errlen, "%s: nothing found%s", who,
                 o->type == CONFIG_FEED_HTML && o->rules.item
                     ? ": check the item rule (see the warnings)" : "");
        return TESTFEED_EMPTY;
    }
    return TESTFEED_OK;
}
