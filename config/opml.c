/* opml.c - `bantin opml export` and `bantin opml import FILE`. */
#include "config/opml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <utf8proc.h>

#include "config/internal.h"
#include "parse/text.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/url.h"
#include "util/util.h"

/* Longest slug before a "-N" suffix: leaves room under config_is_id's 64
 * bytes and keeps ids short enough to type in `bantin fetch ID`. */
#define SLUG_MAX 40

/* ---- export ------------------------------------------------------------- */

/* RFC 822 date as OPML 2.0 wants it, in English whatever the locale. */
static void format_rfc822(int64_t t, char *buf, size_t size)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                                    "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May",
                                       "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, size, "Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

int config_opml_export(const struct config *cfg, int64_t now, FILE *out,
                       char *err, size_t errlen)
{
    xmlBufferPtr xb = xmlBufferCreate();
    xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
    if (!w) {
        if (xb)
            xmlBufferFree(xb);
        snprintf(err, errlen, "cannot create an XML writer");
        return -1;
    }
    char date[64];
    format_rfc822(now, date, sizeof date);
    const char *title = cfg->digest.title ? cfg->digest.title : "bantin";

    /* Every writer call returns < 0 on failure; one check at the end. The
     * writer escapes &, <, > and " in text and attributes. */
    int bad = 0;
    bad |= xmlTextWriterSetIndent(w, 1) < 0;
    bad |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0;
    bad |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
    bad |= xmlTextWriterStartElement(w, BAD_CAST "opml") < 0;
    bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0") < 0;
    bad |= xmlTextWriterStartElement(w, BAD_CAST "head") < 0;
    bad |= xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST title) < 0;
    bad |= xmlTextWriterWriteElement(w, BAD_CAST "dateCreated", BAD_CAST date) < 0;
    bad |= xmlTextWriterEndElement(w) < 0;
    bad |= xmlTextWriterStartElement(w, BAD_CAST "body") < 0;
    for (size_t i = 0; i < cfg->nfeeds && !bad; i++) {
        const struct config_feed *f = &cfg->feeds[i];
        const char *name = f->title ? f->title : f->id;
        int html = f->type == CONFIG_FEED_HTML;
        bad |= xmlTextWriterStartElement(w, BAD_CAST "outline") < 0;
        bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "type",
                                           BAD_CAST(html ? "link" : "rss")) < 0;
        bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "text", BAD_CAST name) < 0;
        bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "title", BAD_CAST name) < 0;
        bad |= xmlTextWriterWriteAttribute(w, BAD_CAST(html ? "url" : "xmlUrl"),
                                           BAD_CAST f->url) < 0;
        bad |= xmlTextWriterEndElement(w) < 0;
    }
    bad |= xmlTextWriterEndDocument(w) < 0;
    xmlFreeTextWriter(w);   /* flushes into xb */
    if (bad) {
        xmlBufferFree(xb);
        snprintf(err, errlen, "cannot build the OPML document");
        return -1;
    }
    size_t len = (size_t)xmlBufferLength(xb);
    int rc = fwrite(xmlBufferContent(xb), 1, len, out) == len ? 0 : -1;
    xmlBufferFree(xb);
    if (rc != 0)
        snprintf(err, errlen, "write error");
    return rc;
}

/* ---- a small string set ------------------------------------------------- */

/* Open addressing, no deletion: ids and canonical URLs seen so far, each
 * with the feed id it belongs to. Keys and values are owned. */
struct strset {
    char **keys;
    char **vals;
    size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t set_slot(const struct strset *set, const char *key)
{
    size_t i = (size_t)hash_str(key) & (set->cap - 1);
    while (set->keys[i] && strcmp(set->keys[i], key) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

static const char *set_get(const struct strset *set, const char *key)
{
    if (!set->cap)
        return NULL;
    size_t i = set_slot(set, key);
    return set->keys[i] ? set->vals[i] : NULL;
}

static void set_put(struct strset *set, const char *key, const char *val)
{
    if ((set->n + 1) * 2 > set->cap) {
        struct strset bigger = {0};
        bigger.cap = set->cap ? set->cap * 2 : 64;
        bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
        bigger.vals = xcalloc(bigger.cap, sizeof *bigger.vals);
        for (size_t k = 0; k < set->cap; k++) {
            if (!set->keys[k])
                continue;
            size_t j = set_slot(&bigger, set->keys[k]);
            bigger.keys[j] = set->keys[k];
            bigger.vals[j] = set->vals[k];
        }
        bigger.n = set->n;
        free(set->keys);
        free(set->vals);
        *set = bigger;
    }
    size_t i = set_slot(set, key);
    if (set->keys[i])
        return;
    set->keys[i] = xstrdup(key);
    set->vals[i] = xstrdup(val);
    set->n++;
}

static void set_free(struct strset *set)
{
    for (size_t i = 0; i < set->cap; i++) {
        free(set->keys[i]);
        free(set->vals[i]);
    }
    free(set->keys);
    free(set->vals);
    memset(set, 0, sizeof *set);
}

/* ---- slugs -------------------------------------------------------------- */

char *config_opml_slug(const char *text)
{
    utf8proc_uint8_t *folded = NULL;
    /* DECOMPOSE + STRIPMARK takes every tone and shape mark off (ế -> e,
     * ư -> u); đ has no decomposition (VIETNAMESE.md 1.4), handled below. */
    utf8proc_ssize_t n = utf8proc_map(
        (const utf8proc_uint8_t *)text, 0, &folded,
        UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
        UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
    struct buf b;
    buf_init(&b, SLUG_MAX * 4 + 16);
    if (n < 0) {
        buf_release(&b);
        return xstrdup("");
    }
    int sep = 0;
    for (utf8proc_ssize_t i = 0; i < n && b.len < SLUG_MAX * 2;) {
        unsigned char c = folded[i];
        char out = 0;
        size_t adv = 1;
        if (IS_DIGIT(c) || (c >= 'a' && c <= 'z')) {
            out = (char)c;
        } else if (c >= 'A' && c <= 'Z') {
            out = (char)TO_LOWER(c);
        } else if (c == 0xC4 && i + 1 < n &&
                   (folded[i + 1] == 0x91 || folded[i + 1] == 0x90)) {
            out = 'd';          /* U+0111 đ, U+0110 Đ */
            adv = 2;
        } else if (c >= 0x80) {
            /* any other non-ASCII character: skip the whole sequence */
            while (i + (utf8proc_ssize_t)adv < n &&
                   (folded[i + adv] & 0xC0) == 0x80)
                adv++;
        }
        i += (utf8proc_ssize_t)adv;
        if (!out) {
            sep = 1;
            continue;
        }
        if (sep && b.len > 0)
            buf_addc(&b, '-');
        sep = 0;
        buf_addc(&b, out);
    }
    free(folded);
    char *s = buf_detach(&b);
    buf_release(&b);
    size_t len = strlen(s);
    if (len > SLUG_MAX) {
        /* cut at the last word boundary that keeps a useful part */
        size_t cut = SLUG_MAX;
        while (cut > SLUG_MAX / 2 && s[cut] != '-')
            cut--;
        if (s[cut] != '-')
            cut = SLUG_MAX;
        s[cut] = '\0';
        while (cut > 0 && s[cut - 1] == '-')
            s[--cut] = '\0';
    }
    return s;
}

/* The host of an http(s) URL without "www.", as a slug; "" if none. */
static char *host_slug(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return xstrdup("");
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (n > 0 && p[0] != '[') {
        const char *colon = memchr(p, ':', n);
        if (colon)
            n = (size_t)(colon - p);
    }
    if (n > 4 && ascii_ncasecmp(p, "www.", 4) == 0)
        p += 4, n -= 4;
    char *host = xstrndup(p, n);
    char *s = config_opml_slug(host);
    free(host);
    return s;
}

/* ---- import ------------------------------------------------------------- */

struct importer {
    const struct config *cfg;
    xmlDocPtr doc;
    struct config_opml_import *out;
    struct strset ids;      /* id -> id: config's and proposed */
    struct strset urls;     /* canonical URL -> id of its feed */
    size_t nurls_config;    /* how many of urls came from the config */
    size_t outlines;        /* feed outlines seen */
};

static void add_skip(struct config_opml_import *imp, const char *what,
                     const char *reason)
{
    imp->skipped = xrealloc(imp->skipped,
                            (imp->nskipped + 1) * sizeof *imp->skipped);
    imp->skipped[imp->nskipped].what = xstrdup(what);
    imp->skipped[imp->nskipped].reason = xstrdup(reason);
    imp->nskipped++;
}

/* The value of attribute name (ASCII case-insensitive: some producers
 * write xmlurl), trimmed; NULL when absent or blank. The document declares
 * no entities (refused before), so reading the value expands nothing. */
static char *get_attr(xmlNodePtr node, const char *name)
{
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (a->ns || ascii_casecmp((const char *)a->name, name) != 0)
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        if (!v)
            return NULL;
        const char *s = (const char *)v, *e = s + strlen(s);
        while (s < e && IS_SPACE((unsigned char)*s))
            s++;
        while (e > s && IS_SPACE((unsigned char)e[-1]))
            e--;
        char *r = s < e ? xstrndup(s, (size_t)(e - s)) : NULL;
        xmlFree(v);
        return r;
    }
    return NULL;
}

/* The outline's name: title, else text, as one clean line; NULL if none. */
static char *outline_title(xmlNodePtr node)
{
    char *raw = get_attr(node, "title");
    if (!raw)
        raw = get_attr(node, "text");
    if (!raw)
        return NULL;
    char *t = text_clean_plain(raw, strlen(raw), LIMIT_TITLE_BYTES);
    free(raw);
    if (!t[0]) {
        free(t);
        return NULL;
    }
    return t;
}

static char *unique_id(struct importer *im, const char *title,
                       const char *url)
{
    char *base = title ? config_opml_slug(title) : xstrdup("");
    if (!base[0]) {
        free(base);
        base = host_slug(url);
    }
    if (!base[0]) {
        free(base);
        base = xstrdup("feed");
    }
    char *id = xstrdup(base);
    for (unsigned k = 2; set_get(&im->ids, id); k++) {
        free(id);
        id = xasprintf("%s-%u", base, k);
    }
    free(base);
    return id;
}

static void take_feed(struct importer *im, xmlNodePtr node, char *url,
                      const char *category)
{
    struct config_opml_import *imp = im->out;
    char reason[160];
    if (strlen(url) > LIMIT_FIELD_BYTES) {
        char *what = xstrndup(url, 80);
        snprintf(reason, sizeof reason, "URL longer than %d bytes",
                 LIMIT_FIELD_BYTES);
        add_skip(imp, what, reason);
        free(what);
        return;
    }
    if (config_check_http_url(url, 0, reason, sizeof reason) != 0) {
        add_skip(imp, url, reason);
        return;
    }
    char *canon = url_canonical(url);
    if (!canon) {
        add_skip(imp, url, "is not a usable http or https URL");
        return;
    }
    const char *owner = set_get(&im->urls, canon);
    if (owner) {
        /* config URLs went in first, under their ids; config ids never
         * collide with proposed ones, so the owner says which it is */
        int configured = config_find_feed(im->cfg, owner) != NULL;
        snprintf(reason, sizeof reason, "%s as feed '%.64s'",
                 configured ? "already configured" : "already in this file",
                 owner);
        add_skip(imp, url, reason);
        free(canon);
        return;
    }
    char *title = outline_title(node);
    char *id = unique_id(im, title, url);
    set_put(&im->ids, id, id);
    set_put(&im->urls, canon, id);
    free(canon);

    imp->feeds = xrealloc(imp->feeds, (imp->nfeeds + 1) * sizeof *imp->feeds);
    struct config_opml_feed *f = &imp->feeds[imp->nfeeds++];
    f->id = id;
    f->url = xstrdup(url);
    f->title = title;
    f->category = category ? xstrdup(category) : NULL;
}

/* Walk the outlines under parent. Depth is bounded by libxml2's own
 * nesting limit (256 without XML_PARSE_HUGE, which is never set). */
static void walk(struct importer *im, xmlNodePtr parent, const char *category)
{
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE ||
            strcmp((const char *)n->name, "outline") != 0)
            continue;
        char *xml_url = get_attr(n, "xmlUrl");
        char *type = get_attr(n, "type");
        if (xml_url) {
            if (im->outlines++ >= LIMIT_OPML_OUTLINES)
                im->out->dropped_limit++;
            else
                take_feed(im, n, xml_url, category);
        } else if (type && (ascii_casecmp(type, "link") == 0 ||
                            ascii_casecmp(type, "include") == 0)) {
            char *u = get_attr(n, "url");
            char *t = u ? NULL : outline_title(n);
            add_skip(im->out, u ? u : t ? t : "(untitled outline)",
                     ascii_casecmp(type, "link") == 0
                         ? "a web page, not a feed (try 'bantin discover URL')"
                         : "an included OPML file (not followed)");
            free(u);
            free(t);
        }
        free(type);
        if (n->children) {
            /* an outline without xmlUrl is a category: name its children */
            char *sub = NULL;
            if (!xml_url) {
                char *t = outline_title(n);
                if (t && category)
                    sub = xasprintf("%s / %s", category, t);
                else if (t)
                    sub = xstrdup(t);
                free(t);
                if (sub && strlen(sub) > LIMIT_TITLE_BYTES)
                    sub[text_utf8_cut(sub, strlen(sub), LIMIT_TITLE_BYTES)] = '\0';
            }
            walk(im, n, sub ? sub : category);
            free(sub);
        }
        free(xml_url);
    }
}

/* Entity declarations are how entity bombs and XXE start; an OPML file has
 * no use for them. Stop at the first one, before anything expands. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *public_id, const xmlChar *system_id,
                           xmlChar *content)
{
    xmlParserCtxtPtr ctxt = ctx;
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    *(int *)ctxt->_private = 1;
    xmlStopParser(ctxt);
}

static void on_unparsed_decl(void *ctx, const xmlChar *name,
                             const xmlChar *public_id,
                             const xmlChar *system_id, const xmlChar *notation)
{
    on_entity_decl(ctx, name, 0, public_id, system_id, (xmlChar *)notation);
}

/* libxml2's messages stay out of stderr; the context keeps the last one. */
static void on_error(void *ctx, xmlErrorPtr e)
{
    (void)ctx, (void)e;
}

/* Parse doc strictly. Returns the tree, or NULL with err and *status. */
static xmlDocPtr read_opml(const char *doc, size_t n,
                           enum config_opml_status *status, char *err,
                           size_t errlen)
{
    *status = CONFIG_OPML_NOT_OPML;
    if (n > INT_MAX) {
        snprintf(err, errlen, "file too large");
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        die(71, "out of memory creating an XML parser");
    int hostile = 0;
    ctxt->_private = &hostile;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->unparsedEntityDecl = on_unparsed_decl;
    ctxt->sax->serror = on_error;
    xmlStructuredErrorFunc old_fn = xmlStructuredError;
    void *old_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(NULL, on_error);
    /* NEVER NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE (LIBS.md
     * 3); strict: an admin's file that is broken is reported, not
     * silently guessed at. */
    xmlDocPtr d = xmlCtxtReadMemory(ctxt, doc, (int)n, NULL, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(old_ctx, old_fn);
    int well_formed = ctxt->wellFormed;
    xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
    char msg[128] = "";
    if (e && e->message) {
        size_t len = strcspn(e->message, "\r\n");
        if (len > 100)
            len = text_utf8_cut(e->message, len, 100);
        snprintf(msg, sizeof msg, "line %d: %.*s", e->line, (int)len,
                 e->message);
    }
    xmlFreeParserCtxt(ctxt);
    if (d && d->intSubset &&
        (d->intSubset->entities || d->intSubset->pentities))
        hostile = 1;
    if (hostile) {
        if (d)
            xmlFreeDoc(d);
        *status = CONFIG_OPML_HOSTILE;
        snprintf(err, errlen, "document declares entities (refused)");
        return NULL;
    }
    if (!d || !well_formed) {
        if (d)
            xmlFreeDoc(d);
        snprintf(err, errlen, "not an OPML file (not well-formed XML%s%s)",
                 msg[0] ? ", " : "", msg);
        return NULL;
    }
    return d;
}

static xmlNodePtr child_element(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

enum config_opml_status config_opml_import(const struct config *cfg,
                                           const char *doc, size_t n,
                                           struct config_opml_import *out,
                                           char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    enum config_opml_status st;
    xmlDocPtr d = read_opml(doc, n, &st, err, errlen);
    if (!d)
        return st;
    xmlNodePtr root = xmlDocGetRootElement(d);
    xmlNodePtr body = NULL;
    if (!root || strcmp((const char *)root->name, "opml") != 0) {
        snprintf(err, errlen, "not an OPML file (root element <%.40s>)",
                 root ? (const char *)root->name : "");
    } else if (!(body = child_element(root, "body"))) {
        snprintf(err, errlen, "not an OPML file (no <body>)");
    }
    if (!body) {
        xmlFreeDoc(d);
        return CONFIG_OPML_NOT_OPML;
    }

    struct importer im = {0};
    im.cfg = cfg;
    im.doc = d;
    im.out = out;
    for (size_t i = 0; i < cfg->nfeeds; i++) {
        const struct config_feed *f = &cfg->feeds[i];
        set_put(&im.ids, f->id, f->id);
        char *canon = url_canonical(f->url);
        if (canon)
            set_put(&im.urls, canon, f->id);
        free(canon);
    }
    walk(&im, body, NULL);
    set_free(&im.ids);
    set_free(&im.urls);
    xmlFreeDoc(d);
    return CONFIG_OPML_OK;
}

void config_opml_import_free(struct config_opml_import *imp)
{
    for (size_t i = 0; i < imp->nfeeds; i++) {
        free(imp->feeds[i].id);
        free(imp->feeds[i].url);
        free(imp->feeds[i].title);
        free(imp->feeds[i].category);
    }
    free(imp->feeds);
    for (size_t i = 0; i < imp->nskipped; i++) {
        free(imp->skipped[i].what);
        free(imp->skipped[i].reason);
    }
    free(imp->skipped);
    memset(imp, 0, sizeof *imp);
}

/* ---- printing sections -------------------------------------------------- */

/* Write "key = value", quoting the value when the config reader would
 * otherwise see a comment in it or unquote it. */
static void write_value(FILE *out, const char *key, const char *v)
{
    fprintf(out, "%-5s = ", key);
    if (!strpbrk(v, ";#\"\\")) {
        fprintf(out, "%s\n", v);
        return;
    }
    fputc('"', out);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputs("\"\n", out);
}

int config_opml_write_sections(const struct config_opml_import *imp,
                               FILE *out)
{
    for (size_t i = 0; i < imp->nfeeds; i++) {
        const struct config_opml_feed *f = &imp->feeds[i];
        if (i > 0)
            fputc('\n', out);
        if (f->category)
            fprintf(out, "; category: %s\n", f->category);
        fprintf(out, "[feed \"%s\"]\n", f->id);
        write_value(out, "url", f->url);
        if (f->title)
            write_value(out, "title", f->title);
    }
    return ferror(out) ? -1 : 0;
}
