/* feed.c - RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 to plain items (libxml2 SAX). */
#include "feed.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include "parse/charset.h"
#include "parse/date.h"
#include "parse/text.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/util.h"

/*
 * Why SAX and not a tree: the document is read once, in bounded memory,
 * and nothing is ever expanded. An item is built when its end tag is seen,
 * so a truncated download yields exactly its complete items. Entity
 * declarations are refused the moment the parser meets one (before a
 * billion-laughs or quadratic-blowup document can expand anything), and
 * an entity reference is never substituted: the reference callback passes
 * "&name;" on as text, for the HTML decoder to deal with.
 *
 * Strict first, recovery on failure (LIBS.md 3): the document is parsed
 * once with XML_PARSE_RECOVER, and the result is marked degraded when the
 * parser found it not well-formed. This is the same result as a strict
 * parse followed by a recovering one: up to its first fatal error a strict
 * parse produces exactly the events of a recovering parse, after which it
 * stops, and the recovering parse we would retry with is this one. When
 * bare ampersands broke the document, a repaired copy is parsed instead
 * (still degraded): see repair_ampersands().
 */

#define NS_ATOM10  "http://www.w3.org/2005/Atom"
#define NS_ATOM03  "http://purl.org/atom/ns#"
#define NS_RSS10   "http://purl.org/rss/1.0/"
#define NS_RSS090  "http://my.netscape.com/rdf/simple/0.9/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC      "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS "http://purl.org/dc/terms/"
#define NS_RDF     "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_XML     "http://www.w3.org/XML/1998/namespace"

/* Namespaces we read, as groups. */
enum ns {
    NS_NONE,      /* no namespace */
    NS_RSS,       /* RSS 1.0 / 0.90 / userland RSS 2.0 namespaces */
    NS_ATOM,      /* Atom 1.0 or 0.3 */
    NS_CONT,
    NS_DCE,
    NS_DCT,
    NS_RDFNS,
    NS_OTHER,
};

/* What a field's text is, for cleaning. */
enum tkind {
    TK_HTML,      /* an HTML fragment (RSS, Atom type="html") */
    TK_TEXT,      /* plain text (Atom type="text") */
    TK_XHTML,     /* inline XHTML, captured as serialized HTML */
    TK_SKIP,      /* out of line or binary content: ignored */
};

/* The fields gathered for a channel or an item. */
enum field {
    F_NONE = -1,
    F_TITLE,
    F_LINK,        /* RSS <link> text */
    F_DESC,        /* RSS description, Atom summary */
    F_CONTENT,     /* content:encoded, Atom content */
    F_GUID,
    F_ID,          /* Atom id */
    F_AUTHOR_DC,
    F_AUTHOR_RSS,
    F_AUTHOR_ATOM, /* Atom author/name */
    F_CATEGORY,    /* scratch: one category at a time */
    /* dates, in order of preference; published first */
    F_PUBDATE,
    F_DC_DATE,
    F_PUBLISHED,
    F_ISSUED,      /* Atom 0.3 */
    F_CREATED,     /* Atom 0.3 */
    F_DCT_ISSUED,
    F_UPDATED,
    F_MODIFIED,    /* Atom 0.3 */
    F_DCT_MODIFIED,
    F_COUNT
};

#define FIRST_PUBLISHED F_PUBDATE
#define LAST_PUBLISHED  F_DCT_ISSUED
#define FIRST_UPDATED   F_UPDATED
#define LAST_UPDATED    F_DCT_MODIFIED

/* A channel (or Atom feed) or an item being read. */
struct scope {
    struct buf f[F_COUNT];
    unsigned have;               /* bit per field: seen (first one wins) */
    enum tkind kind[F_COUNT];    /* for the text constructs */
    int guid_permalink;
    char *link;                  /* from <link>, resolved */
    char *alt_link;              /* best atom:link rel=alternate */
    int alt_score;
    char *cats[LIMIT_CATEGORIES];
    size_t ncats;
};

struct base {
    int depth;
    char *uri;
};

/* An HTML entity a feed used without declaring it (&nbsp; outside CDATA),
 * handed to libxml2 as if it were predefined; its text is "&name;" again,
 * for the HTML decoder. */
struct html_entity {
    xmlEntity ent;
    char name[32];
    char text[35];
};
#define MAX_HTML_ENTITIES 64

struct state {
    xmlParserCtxtPtr ctxt;
    const char *doc_base;        /* --base */
    struct feed *out;
    size_t items_cap;
    size_t max_items;            /* items kept; the rest counted, not built */
    /* outcome */
    int root_seen;
    int not_feed;
    char root_name[64];
    int hostile;
    int too_deep;
    int first_fatal;
    char first_err[160];
    char any_err[160];
    /* where we are */
    int depth;
    int atom_bare;               /* an Atom feed without namespace */
    int chan_depth;              /* element whose children are channel fields */
    int item_depth;              /* 0 outside an item */
    int skip_depth;              /* inside an item past the limit */
    int author_depth;            /* inside an Atom author element */
    size_t items_seen;
    /* the field being captured */
    enum field cap;
    int cap_depth;
    enum tkind cap_kind;
    struct scope *cap_scope;
    /* xml:base, innermost last */
    struct base bases[32];
    int nbases;
    struct scope chan, item;
    struct html_entity html[MAX_HTML_ENTITIES];
    int nhtml;
};

/* ---- small helpers ----------------------------------------------------- */

static const char *cur_base(const struct state *st)
{
    return st->nbases ? st->bases[st->nbases - 1].uri : st->doc_base;
}

/* Whether text handed to on_chars is one of the HTML entities of
 * on_get_entity (libxml2 passes their text by pointer). */
static int is_html_entity_text(const struct state *st, const xmlChar *ch)
{
    const char *p = (const char *)ch;
    return p >= (const char *)st->html &&
           p < (const char *)(st->html + st->nhtml);
}

static enum ns ns_of(const xmlChar *uri, const xmlChar *prefix)
{
    const char *u = (const char *)uri;
    if (!u) {
        /* a prefix nobody declared: feeds that forget xmlns:content */
        if (!prefix)
            return NS_NONE;
        const char *p = (const char *)prefix;
        if (strcmp(p, "content") == 0)
            return NS_CONT;
        if (strcmp(p, "dc") == 0)
            return NS_DCE;
        if (strcmp(p, "dcterms") == 0)
            return NS_DCT;
        if (strcmp(p, "atom") == 0)
            return NS_ATOM;
        return NS_OTHER;
    }
    if (strcmp(u, NS_ATOM10) == 0 || strcmp(u, NS_ATOM03) == 0)
        return NS_ATOM;
    if (strcmp(u, NS_CONTENT) == 0)
        return NS_CONT;
    if (strcmp(u, NS_DC) == 0)
        return NS_DCE;
    if (strcmp(u, NS_DCTERMS) == 0)
        return NS_DCT;
    if (strcmp(u, NS_RSS10) == 0 || strcmp(u, NS_RSS090) == 0 ||
        strcmp(u, "http://backend.userland.com/rss2") == 0 ||
        strcmp(u, "http://backend.userland.com/rss") == 0)
        return NS_RSS;
    if (strcmp(u, NS_RDF) == 0)
        return NS_RDFNS;
    return NS_OTHER;
}

static int is(const xmlChar *local, const char *name)
{
    return strcmp((const char *)local, name) == 0;
}

/* Attribute i of a SAX2 attribute array, as a malloc'd string. SAX2 keeps
 * a literal '&' of an attribute as "&#38;" when entities are not
 * substituted (so a tree builder can re-parse it); undo that. */
static char *attr_value(const xmlChar **attrs, int i)
{
    const char *v = (const char *)attrs[5 * i + 3];
    const char *end = (const char *)attrs[5 * i + 4];
    char *s = xmalloc((size_t)(end - v) + 1), *o = s;
    while (v < end) {
        if (*v == '&' && end - v >= 5 && memcmp(v, "&#38;", 5) == 0) {
            *o++ = '&';
            v += 5;
        } else {
            *o++ = *v++;
        }
    }
    *o = '\0';
    return s;
}

/* The value of the attribute local (in no namespace), or NULL. */
static char *get_attr(const xmlChar **attrs, int nb, const char *local)
{
    for (int i = 0; i < nb; i++)
        if (!attrs[5 * i + 2] && is(attrs[5 * i], local))
            return attr_value(attrs, i);
    return NULL;
}

/* Append to a capture buffer; past its maximum the text is cut on a UTF-8
 * boundary and the rest ignored. The buffer's maximum then drops to what
 * it holds, so that what is kept does not depend on how the parser split
 * the text into pieces (begin_capture restores it). */
static void cap_add(struct buf *b, const char *s, size_t n)
{
    if (buf_add(b, s, n) == 0)
        return;
    size_t room = b->max - b->len;
    if (room)
        buf_add(b, s, text_utf8_cut(s, n, room));
    b->max = b->len;
}

static void cap_add_escaped(struct buf *b, const char *s, size_t n, int attr)
{
    size_t i = 0, run = 0;
    for (; i < n; i++) {
        const char *esc;
        switch (s[i]) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = attr ? "&quot;" : NULL; break;
        default: esc = NULL;
        }
        if (!esc)
            continue;
        cap_add(b, s + run, i - run);
        cap_add(b, esc, strlen(esc));
        run = i + 1;
    }
    cap_add(b, s + run, n - run);
}

static const char *trim(const char *s, size_t *n)
{
    while (*n && IS_SPACE(*s))
        s++, (*n)--;
    while (*n && IS_SPACE(s[*n - 1]))
        (*n)--;
    return s;
}

/* ---- links ------------------------------------------------------------- */

static int url_unsafe(unsigned char c)
{
    return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' ||
           c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
           c == '}';
}

/* Resolve s[0..n) against base. Whitespace around it is dropped (VnExpress
 * wraps links in newlines), bytes a URI cannot hold (spaces, non-ASCII of
 * an IRI) are %-escaped (RFC 3987 3.1). Returns a malloc'd absolute URI,
 * or NULL when it cannot be made absolute or is too long. */
static char *resolve_uri(const char *s, size_t n, const char *base)
{
    static const char hex[] = "0123456789ABCDEF";
    s = trim(s, &n);
    if (n == 0 || n > LIMIT_FIELD_BYTES)
        return NULL;
    char *u = xmalloc(3 * n + 1), *o = u;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (url_unsafe(c)) {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    /* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    size_t k = 0;
    if (IS_ALPHA((unsigned char)u[0]))
        for (k = 1; IS_ALPHA((unsigned char)u[k]) || IS_DIGIT(u[k]) ||
                    u[k] == '+' || u[k] == '-' || u[k] == '.'; k++)
            ;
    if (k > 0 && u[k] == ':')
        return u;
    if (!base) {
        free(u);
        return NULL;
    }
    xmlChar *r = xmlBuildURI((const xmlChar *)u, (const xmlChar *)base);
    free(u);
    if (!r)
        return NULL;
    u = xstrdup((const char *)r);
    xmlFree(r);
    return u;
}

/* An absolute http(s) URL with a host, or NULL: javascript:, data:,
 * file:, mailto: and relative leftovers never reach a mail. */
static char *resolve_link(const char *s, size_t n, const char *base)
{
    char *u = resolve_uri(s, n, base);
    if (!u)
        return NULL;
    size_t skip = ascii_ncasecmp(u, "http://", 7) == 0    ? 7
                  : ascii_ncasecmp(u, "https://", 8) == 0 ? 8 : 0;
    if (!skip || !u[skip] || u[skip] == '/' || strlen(u) > LIMIT_FIELD_BYTES) {
        free(u);
        return NULL;
    }
    return u;
}

/* An atom:link: rel defaults to "alternate" (RFC 4287 4.2.7.2); among the
 * alternates, an HTML page beats one of unknown type beats others. */
static void atom_link(struct state *st, struct scope *sc,
                      const xmlChar **attrs, int nb)
{
    char *rel = get_attr(attrs, nb, "rel");
    int alternate = !rel || ascii_casecmp(rel, "alternate") == 0;
    free(rel);
    if (!alternate)
        return;
    char *type = get_attr(attrs, nb, "type");
    int score = !type ? 2
                : (ascii_casecmp(type, "text/html") == 0 ||
                   ascii_casecmp(type, "application/xhtml+xml") == 0) ? 3 : 1;
    free(type);
    if (score <= sc->alt_score)
        return;
    char *href = get_attr(attrs, nb, "href");
    if (!href)
        return;
    char *link = resolve_link(href, strlen(href), cur_base(st));
    free(href);
    if (!link)
        return;
    free(sc->alt_link);
    sc->alt_link = link;
    sc->alt_score = score;
}

/* ---- scopes ------------------------------------------------------------ */

static size_t field_max(int f)
{
    return f == F_CONTENT ? LIMIT_CONTENT_BYTES : LIMIT_FIELD_RAW_BYTES;
}

static void scope_init(struct scope *sc)
{
    memset(sc, 0, sizeof *sc);
    for (int i = 0; i < F_COUNT; i++)
        buf_init(&sc->f[i], field_max(i));
}

static void scope_reset(struct scope *sc)
{
    for (int i = 0; i < F_COUNT; i++)
        buf_reset(&sc->f[i]);
    sc->have = 0;
    sc->guid_permalink = 0;
    free(sc->link);
    free(sc->alt_link);
    sc->link = sc->alt_link = NULL;
    sc->alt_score = 0;
    for (size_t i = 0; i < sc->ncats; i++)
        free(sc->cats[i]);
    sc->ncats = 0;
}

static void scope_release(struct scope *sc)
{
    scope_reset(sc);
    for (int i = 0; i < F_COUNT; i++)
        buf_release(&sc->f[i]);
}

static int has(const struct scope *sc, enum field f)
{
    return (sc->have >> f) & 1;
}

/* Clean text of kind k to at most max bytes; NULL when nothing is left. */
static char *clean_text(enum tkind k, const char *s, size_t n, size_t max)
{
    char *t = k == TK_TEXT ? text_clean_plain(s, n, max)
                           : text_clean(s, n, max);
    if (!t[0]) {
        free(t);
        return NULL;
    }
    return t;
}

static char *clean_field(const struct scope *sc, enum field f, size_t max)
{
    if (!has(sc, f))
        return NULL;
    return clean_text(sc->kind[f], sc->f[f].data, sc->f[f].len, max);
}

/* The first date of fields [first, last] that parses; *bad is raised when
 * dates were there but none could be read. */
static int64_t pick_date(const struct scope *sc, int first, int last,
                         size_t *bad)
{
    int present = 0;
    for (int f = first; f <= last; f++) {
        if (!has(sc, (enum field)f))
            continue;
        size_t n = sc->f[f].len;
        const char *s = trim(sc->f[f].data, &n);
        if (!n)
            continue;
        present = 1;
        int64_t t;
        if (date_parse(s, n, &t) == 0)
            return t;
    }
    if (present)
        (*bad)++;
    return TIME_NONE;
}

/* HTML for the "content" member: HTML as published, plain text escaped. */
static char *content_html(const struct scope *sc)
{
    if (!has(sc, F_CONTENT) || sc->kind[F_CONTENT] == TK_SKIP)
        return NULL;
    size_t n = sc->f[F_CONTENT].len;
    const char *s = trim(sc->f[F_CONTENT].data, &n);
    if (!n)
        return NULL;
    if (sc->kind[F_CONTENT] != TK_TEXT)
        return xstrndup(s, text_utf8_cut(s, n, LIMIT_CONTENT_BYTES));
    struct buf b;
    buf_init(&b, LIMIT_CONTENT_BYTES);
    cap_add_escaped(&b, s, n, 0);
    char *html = buf_detach(&b);
    buf_release(&b);
    return html;
}

/* 64-bit FNV-1a: a stable id for items that carry neither guid nor link. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static char *item_id(const struct scope *sc, const struct feed_item *it)
{
    enum field f = has(sc, F_GUID) ? F_GUID : has(sc, F_ID) ? F_ID : F_NONE;
    if (f != F_NONE) {
        char *id = text_clean_plain(sc->f[f].data, sc->f[f].len,
                                    LIMIT_FIELD_BYTES);
        if (id[0])
            return id;
        free(id);
    }
    if (it->link)
        return xstrdup(it->link);
    return feed_fallback_id(it->title, it->published);
}

char *feed_fallback_id(const char *title, int64_t published)
{
    char when[32] = "";
    if (published != TIME_NONE)
        time_format_utc(published, when, sizeof when);
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, title ? title : "");
    h = fnv1a(h, "\n");
    h = fnv1a(h, when);
    return xasprintf("urn:bantin:%016llx", (unsigned long long)h);
}

/* An http(s) guid or Atom id may stand in for a missing link (RSS 2.0:
 * isPermaLink defaults to true). */
static char *id_as_link(const struct state *st, const struct scope *sc)
{
    enum field f = has(sc, F_GUID) && sc->guid_permalink ? F_GUID
                   : has(sc, F_ID) ? F_ID : F_NONE;
    if (f == F_NONE)
        return NULL;
    size_t n = sc->f[f].len;
    const char *s = trim(sc->f[f].data, &n);
    if (n < 8 || (ascii_ncasecmp(s, "http://", 7) != 0 &&
                  ascii_ncasecmp(s, "https://", 8) != 0))
        return NULL;
    return resolve_link(s, n, cur_base(st));
}

static void add_item(struct state *st, struct scope *sc)
{
    struct feed *fd = st->out;
    struct feed_item it;
    memset(&it, 0, sizeof it);

    it.title = clean_field(sc, F_TITLE, LIMIT_TITLE_BYTES);
    if (sc->link) {
        it.link = sc->link;
        sc->link = NULL;
    } else if (sc->alt_link) {
        it.link = sc->alt_link;
        sc->alt_link = NULL;
    } else {
        it.link = id_as_link(st, sc);
    }
    if (!it.title && !it.link) {
        fd->dropped_empty++;
        return;
    }
    it.published = pick_date(sc, FIRST_PUBLISHED, LAST_PUBLISHED,
                             &fd->bad_dates);
    it.updated = pick_date(sc, FIRST_UPDATED, LAST_UPDATED, &fd->bad_dates);
    static const enum field authors[] = {F_AUTHOR_DC, F_AUTHOR_RSS,
                                         F_AUTHOR_ATOM};
    for (size_t i = 0; i < 3 && !it.author; i++)
        if (has(sc, authors[i]))
            it.author = text_clean_plain(sc->f[authors[i]].data,
                                         sc->f[authors[i]].len,
                                         LIMIT_FIELD_BYTES);
    if (it.author && !it.author[0]) {
        free(it.author);
        it.author = NULL;
    }
    enum field sum = has(sc, F_DESC) ? F_DESC : F_CONTENT;
    if (sc->kind[sum] != TK_SKIP)
        it.summary = clean_field(sc, sum, LIMIT_SUMMARY_BYTES);
    it.content = content_html(sc);
    it.categories = xmalloc(sizeof *it.categories * (sc->ncats ? sc->ncats : 1));
    memcpy(it.categories, sc->cats, sizeof *it.categories * sc->ncats);
    it.ncategories = sc->ncats;
    sc->ncats = 0;
    it.id = item_id(sc, &it);

    if (fd->nitems == st->items_cap) {
        st->items_cap = st->items_cap ? 2 * st->items_cap : 32;
        fd->items = xrealloc(fd->items, st->items_cap * sizeof *fd->items);
    }
    fd->items[fd->nitems++] = it;
}

/* ---- SAX callbacks ----------------------------------------------------- */

/* Which field of an item or channel the element (ns, local) is, and what
 * kind of text it holds. */
static enum field field_of(struct state *st, enum ns ns, const xmlChar *local,
                           int in_item)
{
    int atom = st->out->kind == FEED_ATOM;
    int core = atom ? ns == NS_ATOM || (st->atom_bare && ns == NS_NONE)
                    : ns == NS_NONE || ns == NS_RSS;
    if (core) {
        if (is(local, "title"))
            return F_TITLE;
        if (atom) {
            if (is(local, "summary"))
                return in_item ? F_DESC : F_NONE;
            if (is(local, "content"))
                return in_item ? F_CONTENT : F_NONE;
            if (is(local, "id"))
                return F_ID;
            if (is(local, "published"))
                return F_PUBLISHED;
            if (is(local, "updated"))
                return F_UPDATED;
            if (is(local, "issued"))
                return F_ISSUED;
            if (is(local, "modified"))
                return F_MODIFIED;
            if (is(local, "created"))
                return F_CREATED;
            return F_NONE;
        }
        if (is(local, "link"))
            return F_LINK;
        if (!in_item)
            return F_NONE;
        if (is(local, "description"))
            return F_DESC;
        if (is(local, "guid"))
            return F_GUID;
        if (is(local, "pubDate"))
            return F_PUBDATE;
        if (is(local, "author"))
            return F_AUTHOR_RSS;
        if (is(local, "category"))
            return F_CATEGORY;
        return F_NONE;
    }
    if (!in_item)
        return F_NONE;
    switch (ns) {
    case NS_CONT:
        return is(local, "encoded") ? F_CONTENT : F_NONE;
    case NS_DCE:
        if (is(local, "date"))
            return F_DC_DATE;
        if (is(local, "creator"))
            return F_AUTHOR_DC;
        if (is(local, "subject"))
            return F_CATEGORY;
        return F_NONE;
    case NS_DCT:
        if (is(local, "issued") || is(local, "created"))
            return F_DCT_ISSUED;
        if (is(local, "modified"))
            return F_DCT_MODIFIED;
        return F_NONE;
    case NS_ATOM:   /* Atom elements inside RSS */
        if (is(local, "updated"))
            return F_UPDATED;
        if (is(local, "published"))
            return F_PUBLISHED;
        return F_NONE;
    default:
        return F_NONE;
    }
}

/* The kind of an Atom text construct from its type (and 0.3 mode). */
static enum tkind atom_kind(const xmlChar **attrs, int nb)
{
    char *src = get_attr(attrs, nb, "src");
    char *type = get_attr(attrs, nb, "type");
    char *mode = get_attr(attrs, nb, "mode");
    enum tkind k;
    if (src) {
        k = TK_SKIP;                 /* out of line (RFC 4287 4.1.3.2) */
    } else if (mode && ascii_casecmp(mode, "base64") == 0) {
        k = TK_SKIP;
    } else if (mode && ascii_casecmp(mode, "escaped") == 0) {
        k = type && strstr(type, "html") ? TK_HTML : TK_TEXT;
    } else if (!type || ascii_casecmp(type, "text") == 0 ||
               ascii_casecmp(type, "text/plain") == 0) {
        k = TK_TEXT;
    } else if (ascii_casecmp(type, "html") == 0) {
        k = TK_HTML;
    } else if (ascii_casecmp(type, "xhtml") == 0 ||
               ascii_casecmp(type, "application/xhtml+xml") == 0) {
        k = TK_XHTML;
    } else if (ascii_casecmp(type, "text/html") == 0) {
        /* Atom 0.3 mode="xml" puts the markup inline; Atom 1.0 text/html
         * is HTML as text (inline markup is kept as HTML either way) */
        k = mode ? TK_XHTML : TK_HTML;
    } else {
        k = ascii_ncasecmp(type, "text/", 5) == 0 ? TK_TEXT : TK_SKIP;
    }
    free(src);
    free(type);
    free(mode);
    return k;
}

static void begin_capture(struct state *st, struct scope *sc, enum field f,
                          enum tkind k)
{
    st->cap = f;
    st->cap_depth = st->depth;
    st->cap_kind = k;
    st->cap_scope = sc;
    if (f != F_CATEGORY && f != F_LINK)
        sc->have |= 1u << f;
    sc->kind[f] = k;
    buf_reset(&sc->f[f]);
    sc->f[f].max = field_max(f);
}

static void end_capture(struct state *st)
{
    struct scope *sc = st->cap_scope;
    struct buf *b = &sc->f[st->cap];
    if (st->cap == F_LINK) {
        if (!sc->link)
            sc->link = resolve_link(b->data, b->len, cur_base(st));
    } else if (st->cap == F_CATEGORY) {
        char *c = b->len ? text_clean_plain(b->data, b->len, LIMIT_FIELD_BYTES)
                         : NULL;
        int dup = !c || !c[0];
        for (size_t i = 0; !dup && i < sc->ncats; i++)
            dup = strcmp(sc->cats[i], c) == 0;
        if (dup || sc->ncats == LIMIT_CATEGORIES)
            free(c);
        else
            sc->cats[sc->ncats++] = c;
    }
    st->cap = F_NONE;
}

static int is_void_element(const xmlChar *local)
{
    static const char *const names[] = {
        "area", "base", "br", "col", "embed", "hr", "img", "input",
        "link", "meta", "param", "source", "track", "wbr",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (is(local, names[i]))
            return 1;
    return 0;
}

/* The <div> an Atom xhtml construct wraps its content in is not part of
 * the content (RFC 4287 3.1.1.3). */
static int wrapper_div(const struct state *st, const xmlChar *local, int d)
{
    return st->cap_kind == TK_XHTML && d == st->cap_depth + 1 &&
           is(local, "div");
}

/* Markup inside a captured field (Atom xhtml; or HTML that a feed put in
 * a description unescaped) is kept as HTML, for the cleaner to read. */
static void markup_start(struct state *st, const xmlChar *local, int nb,
                         const xmlChar **attrs)
{
    struct buf *b = &st->cap_scope->f[st->cap];
    if (wrapper_div(st, local, st->depth))
        return;
    cap_add(b, "<", 1);
    cap_add(b, (const char *)local, strlen((const char *)local));
    for (int i = 0; i < nb; i++) {
        const char *name = (const char *)attrs[5 * i];
        char *v = attr_value(attrs, i);
        cap_add(b, " ", 1);
        cap_add(b, name, strlen(name));
        cap_add(b, "=\"", 2);
        cap_add_escaped(b, v, strlen(v), 1);
        cap_add(b, "\"", 1);
        free(v);
    }
    cap_add(b, ">", 1);
}

static void markup_end(struct state *st, const xmlChar *local, int d)
{
    if (wrapper_div(st, local, d) || is_void_element(local))
        return;
    struct buf *b = &st->cap_scope->f[st->cap];
    cap_add(b, "</", 2);
    cap_add(b, (const char *)local, strlen((const char *)local));
    cap_add(b, ">", 1);
}

static void push_base(struct state *st, int nb, const xmlChar **attrs)
{
    for (int i = 0; i < nb; i++) {
        if (!attrs[5 * i + 2] || !is(attrs[5 * i], "base") ||
            strcmp((const char *)attrs[5 * i + 2], NS_XML) != 0)
            continue;
        if (st->nbases == (int)(sizeof st->bases / sizeof st->bases[0]))
            return;
        char *v = attr_value(attrs, i);
        char *uri = resolve_uri(v, strlen(v), cur_base(st));
        free(v);
        if (uri) {
            st->bases[st->nbases].depth = st->depth;
            st->bases[st->nbases].uri = uri;
            st->nbases++;
        }
        return;
    }
}

static void root_element(struct state *st, const xmlChar *local,
                         const xmlChar *prefix, const xmlChar *uri)
{
    st->root_seen = 1;
    enum ns ns = ns_of(uri, prefix);
    struct feed *fd = st->out;
    if (is(local, "rss") && ns != NS_ATOM) {
        fd->kind = FEED_RSS;
    } else if (is(local, "RDF") && ns == NS_RDFNS) {
        fd->kind = FEED_RDF;
    } else if (is(local, "feed") && (ns == NS_ATOM || ns == NS_NONE)) {
        fd->kind = FEED_ATOM;
        st->atom_bare = ns == NS_NONE;
    } else {
        st->not_feed = 1;
        if (prefix)
            snprintf(st->root_name, sizeof st->root_name, "%s:%s",
                     (const char *)prefix, (const char *)local);
        else
            snprintf(st->root_name, sizeof st->root_name, "%s",
                     (const char *)local);
        xmlStopParser(st->ctxt);
        return;
    }
    st->chan_depth = 1;
}

/* An element directly inside an item (or inside its Atom author). */
static void item_start(struct state *st, enum ns ns, const xmlChar *local,
                       int nb, const xmlChar **attrs)
{
    struct scope *sc = &st->item;
    int atom = st->out->kind == FEED_ATOM;
    if (ns == NS_ATOM || (atom && st->atom_bare && ns == NS_NONE)) {
        if (is(local, "link")) {
            atom_link(st, sc, attrs, nb);
            return;
        }
        if (is(local, "author")) {
            st->author_depth = st->depth;
            return;
        }
        if (atom && is(local, "category")) {
            char *term = get_attr(attrs, nb, "term");
            if (!term)
                term = get_attr(attrs, nb, "label");
            if (term) {
                begin_capture(st, sc, F_CATEGORY, TK_TEXT);
                cap_add(&sc->f[F_CATEGORY], term, strlen(term));
                free(term);
                end_capture(st);
            }
            return;
        }
    }
    enum field f = field_of(st, ns, local, 1);
    if (f == F_NONE)
        return;
    if (f == F_CATEGORY ? sc->ncats == LIMIT_CATEGORIES
        : f == F_LINK   ? sc->link != NULL
                        : has(sc, f))
        return;
    enum tkind k = TK_HTML;
    if (atom && (f == F_TITLE || f == F_DESC || f == F_CONTENT))
        k = atom_kind(attrs, nb);
    else if (f != F_TITLE && f != F_DESC && f != F_CONTENT)
        k = TK_TEXT;
    if (f == F_GUID) {
        char *p = get_attr(attrs, nb, "isPermaLink");
        sc->guid_permalink = !p || ascii_casecmp(p, "true") == 0;
        free(p);
    }
    begin_capture(st, sc, f, k);
}

/* An element outside any item: an item, a channel, or a channel field. */
static void channel_start(struct state *st, enum ns ns, const xmlChar *local,
                          int nb, const xmlChar **attrs)
{
    struct feed *fd = st->out;
    int atom = fd->kind == FEED_ATOM;
    int core = atom ? ns == NS_ATOM || (st->atom_bare && ns == NS_NONE)
                    : ns == NS_NONE || ns == NS_RSS;
    /* items under the root (RDF, Atom, broken RSS) or under the channel */
    if (st->depth == st->chan_depth + 1 || st->depth == 2) {
        if (core && is(local, atom ? "entry" : "item")) {
            if (++st->items_seen > st->max_items) {
                fd->dropped_limit++;
                st->skip_depth = st->depth;
                return;
            }
            st->item_depth = st->depth;
            scope_reset(&st->item);
            return;
        }
        if (!atom && core && is(local, "channel") && st->depth == 2) {
            st->chan_depth = 2;
            return;
        }
    }
    if (st->depth != st->chan_depth + 1)
        return;
    struct scope *sc = &st->chan;
    if (ns == NS_ATOM || (atom && st->atom_bare && ns == NS_NONE)) {
        if (is(local, "link")) {
            atom_link(st, sc, attrs, nb);
            return;
        }
        if (atom && is(local, "author")) {
            st->author_depth = st->depth;
            return;
        }
    }
    enum field f = field_of(st, ns, local, 0);
    if (f == F_NONE || (f == F_LINK ? sc->link != NULL : has(sc, f)))
        return;
    begin_capture(st, sc, f,
                  f != F_TITLE ? TK_TEXT
                  : atom       ? atom_kind(attrs, nb) : TK_HTML);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces,
                     const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attrs)
{
    struct state *st = ctx;
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_defaulted;
    st->depth++;
    if (st->depth > LIMIT_XML_DEPTH) {
        st->too_deep = 1;
        xmlStopParser(st->ctxt);
        return;
    }
    if (st->skip_depth)
        return;
    push_base(st, nb_attributes, attrs);
    if (st->cap != F_NONE) {
        if (st->cap_kind != TK_TEXT)
            markup_start(st, local, nb_attributes, attrs);
        return;
    }
    if (st->depth == 1) {
        root_element(st, local, prefix, uri);
        return;
    }
    if (st->author_depth) {
        struct scope *sc = st->item_depth ? &st->item : &st->chan;
        if (st->depth == st->author_depth + 1 && is(local, "name") &&
            !has(sc, F_AUTHOR_ATOM))
            begin_capture(st, sc, F_AUTHOR_ATOM, TK_TEXT);
        return;
    }
    enum ns ns = ns_of(uri, prefix);
    if (!st->item_depth)
        channel_start(st, ns, local, nb_attributes, attrs);
    else if (st->depth == st->item_depth + 1)
        item_start(st, ns, local, nb_attributes, attrs);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
                   const xmlChar *uri)
{
    struct state *st = ctx;
    (void)prefix;
    (void)uri;
    int d = st->depth--;
    if (st->skip_depth) {
        if (d == st->skip_depth)
            st->skip_depth = 0;
    } else if (st->cap != F_NONE) {
        if (d == st->cap_depth)
            end_capture(st);
        else if (st->cap_kind != TK_TEXT)
            markup_end(st, local, d);
    } else if (d == st->author_depth) {
        st->author_depth = 0;
    } else if (d == st->item_depth) {
        st->item_depth = 0;
        add_item(st, &st->item);
    } else if (d == st->chan_depth && d == 2) {
        st->chan_depth = 1;
    }
    if (st->nbases && st->bases[st->nbases - 1].depth == d) {
        st->nbases--;
        free(st->bases[st->nbases].uri);
    }
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    struct state *st = ctx;
    if (st->cap == F_NONE || st->skip_depth)
        return;
    struct buf *b = &st->cap_scope->f[st->cap];
    if (st->cap_kind == TK_XHTML && !is_html_entity_text(st, ch))
        cap_add_escaped(b, (const char *)ch, (size_t)len, 0);
    else
        cap_add(b, (const char *)ch, (size_t)len);
}

/* An entity the document did not declare but may use, because it names an
 * external DTD (RSS 0.91's &nbsp;): pass it on, unexpanded, to the HTML
 * entity decoder. */
static void on_reference(void *ctx, const xmlChar *name)
{
    struct state *st = ctx;
    if (st->cap == F_NONE || st->skip_depth)
        return;
    struct buf *b = &st->cap_scope->f[st->cap];
    cap_add(b, "&", 1);
    cap_add(b, (const char *)name, strlen((const char *)name));
    cap_add(b, ";", 1);
}

/* Real feeds never declare entities; documents that do are entity bombs or
 * XXE probes. Stop at the first declaration, before anything expands. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *public_id, const xmlChar *system_id,
                           xmlChar *content)
{
    struct state *st = ctx;
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    st->hostile = 1;
    xmlStopParser(st->ctxt);
}

static void on_unparsed_decl(void *ctx, const xmlChar *name,
                             const xmlChar *public_id,
                             const xmlChar *system_id,
                             const xmlChar *notation)
{
    on_entity_decl(ctx, name, 0, public_id, system_id, (xmlChar *)notation);
}

/* Raw HTML entities in the XML (&nbsp;, &ocirc; outside CDATA) are the
 * commonest breakage of CMS feeds. Undeclared, they are fatal; and once a
 * document is not well-formed, libxml2 drops every later entity reference,
 * &amp; included. So an HTML 4 entity name is answered here with a
 * "predefined" entity whose text is the reference itself: libxml2 passes
 * that text on unexpanded (on_chars), and the HTML decoder of text.c
 * decodes it with the rest. In an attribute value only a '&' survives
 * (libxml2 copies one byte of a predefined entity there). Nothing is ever
 * declared: parameter entities and other names stay unknown. */
static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
    struct state *st = ctx;
    size_t n = strlen((const char *)name);
    if (n == 0 || n >= sizeof st->html[0].name)
        return NULL;
    for (int i = 0; i < st->nhtml; i++)
        if (strcmp(st->html[i].name, (const char *)name) == 0)
            return &st->html[i].ent;
    if (st->nhtml == MAX_HTML_ENTITIES)
        return NULL;
    struct html_entity *h = &st->html[st->nhtml];
    snprintf(h->text, sizeof h->text, "&%s;", (const char *)name);
    char *decoded = text_decode_entities(h->text, n + 2);
    int known = strcmp(decoded, h->text) != 0;
    free(decoded);
    if (!known)
        return NULL;
    memcpy(h->name, name, n + 1);
    memset(&h->ent, 0, sizeof h->ent);
    h->ent.type = XML_ENTITY_DECL;
    h->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
    h->ent.name = (const xmlChar *)h->name;
    h->ent.content = (xmlChar *)h->text;
    h->ent.length = (int)n + 2;
    st->nhtml++;
    return &h->ent;
}

static xmlEntityPtr on_get_parameter_entity(void *ctx, const xmlChar *name)
{
    (void)ctx, (void)name;
    return NULL;
}


/* Keep libxml2's first fatal error (and the first error of any level) as
 * one line; nothing of libxml2 reaches stderr. */
static void on_error(void *ctx, xmlErrorPtr e)
{
    struct state *st = ctx;
    if (!st || !e || e->level < XML_ERR_ERROR)
        return;
    int fatal = e->level == XML_ERR_FATAL;
    char *dst = fatal && !st->first_fatal ? st->first_err
                : !st->any_err[0]         ? st->any_err : NULL;
    if (!dst)
        return;
    if (fatal)
        st->first_fatal = 1;
    /* the first line of libxml2's message is the message; the lines after
     * it quote the document, which need not be printable */
    const char *m = e->message ? e->message : "error";
    size_t n = strcspn(m, "\r\n");
    if (n > 100)
        n = text_utf8_cut(m, n, 100);
    snprintf(dst, sizeof st->first_err, "line %d: %.*s", e->line, (int)n, m);
}

static void on_global_error(void *ctx, xmlErrorPtr e)
{
    (void)ctx, (void)e;
}

static xmlParserInputPtr deny_loader(const char *url, const char *id,
                                     xmlParserCtxtPtr ctxt)
{
    (void)url, (void)id, (void)ctxt;
    return NULL;
}

void feed_global_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_loader);
    xmlSetStructuredErrorFunc(NULL, on_global_error);
}

/* ---- the entry points -------------------------------------------------- */

static void finish_channel(struct state *st)
{
    struct feed *fd = st->out;
    struct scope *sc = &st->chan;
    fd->title = clean_field(sc, F_TITLE, LIMIT_TITLE_BYTES);
    if (sc->link) {
        fd->link = sc->link;
        sc->link = NULL;
    } else if (sc->alt_link) {
        fd->link = sc->alt_link;
        sc->alt_link = NULL;
    }
    /* RFC 4287 4.2.1: an entry without author inherits the feed's */
    if (fd->kind == FEED_ATOM && has(sc, F_AUTHOR_ATOM)) {
        char *a = text_clean_plain(sc->f[F_AUTHOR_ATOM].data,
                                   sc->f[F_AUTHOR_ATOM].len,
                                   LIMIT_FIELD_BYTES);
        for (size_t i = 0; a[0] && i < fd->nitems; i++)
            if (!fd->items[i].author)
                fd->items[i].author = xstrdup(a);
        free(a);
    }
}

/* A '&' that starts no reference ("Tom & Jerry", "?w=1200&h=0" in an
 * attribute) is the commonest way a feed is not XML. libxml2 recovers by
 * dropping it, and from then on drops every named reference, &amp;
 * included. Returns a copy of s with such ampersands written "&amp;"
 * (outside CDATA sections and comments, where '&' is literal), or NULL
 * when there is none. */
static char *repair_ampersands(const char *s, size_t n, size_t *outn)
{
    struct buf b;
    size_t i = 0, done = 0, fixed = 0;
    buf_init(&b, 2 * n + 16);
    /* one pass: i only moves forward, and each memchr/memmem starts at i */
    const char *amp = memchr(s, '&', n);
    while (amp) {
        size_t at = (size_t)(amp - s);
        const char *p = memchr(s + i, '<', at - i);
        if (p) {
            /* a CDATA section or a comment before the '&' may hide it */
            size_t pos = (size_t)(p - s);
            const char *close;
            if (n - pos >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
                close = memmem(p + 9, n - pos - 9, "]]>", 3);
            else if (n - pos >= 4 && memcmp(p, "<!--", 4) == 0)
                close = memmem(p + 4, n - pos - 4, "-->", 3);
            else {
                i = pos + 1;
                continue;
            }
            if (!close)
                break;
            i = (size_t)(close - s) + 3;
            if (i > at)
                amp = memchr(s + i, '&', n - i);
            continue;
        }
        size_t k = at + 1;
        if (k < n && s[k] == '#') {
            k++;
            int hex = k < n && (s[k] == 'x' || s[k] == 'X');
            k += hex;
            size_t d = k;
            while (k < n && (IS_DIGIT(s[k]) ||
                             (hex && IS_ALPHA(s[k]) &&
                              TO_LOWER((unsigned char)s[k]) <= 'f')))
                k++;
            if (k == d)
                k = at + 1;
        } else if (k < n && (IS_ALPHA(s[k]) || s[k] == '_' || s[k] == ':')) {
            while (k < n && k - at < 40 &&
                   (IS_ALPHA(s[k]) || IS_DIGIT(s[k]) || s[k] == '_' ||
                    s[k] == ':' || s[k] == '.' || s[k] == '-'))
                k++;
        }
        if (k < n && k > at + 1 && s[k] == ';') {
            i = k + 1;      /* a reference */
        } else {
            buf_add(&b, s + done, at + 1 - done);
            buf_add(&b, "amp;", 4);
            done = at + 1;
            i = at + 1;
            fixed++;
        }
        amp = i < n ? memchr(s + i, '&', n - i) : NULL;
    }
    if (!fixed) {
        buf_release(&b);
        return NULL;
    }
    buf_add(&b, s + done, n - done);
    *outn = b.len;
    char *r = buf_detach(&b);
    buf_release(&b);
    return r;
}

static void sax_init(xmlSAXHandler *sax)
{
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_chars;
    sax->ignorableWhitespace = on_chars;
    sax->reference = on_reference;
    sax->entityDecl = on_entity_decl;
    sax->unparsedEntityDecl = on_unparsed_decl;
    sax->getEntity = on_get_entity;
    sax->getParameterEntity = on_get_parameter_entity;
    sax->serror = on_error;
}

/* NEVER NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE (LIBS.md 3).
 * The bytes are UTF-8 now whatever the declaration says (it may say
 * windows-1258, or utf-16 like vietnambiz): IGNORE_ENC keeps libxml2 from
 * switching on the declaration, and it reads UTF-8 natively, with no
 * conversion pass. The SAX handler builds no tree. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA |          \
                       XML_PARSE_NOERROR | XML_PARSE_NOWARNING |      \
                       XML_PARSE_RECOVER | XML_PARSE_IGNORE_ENC)

/* The push parser hands over a CDATA section in one piece where the pull
 * parser of libxml2 2.9 (xmlCtxtReadMemory) reads it one character at a
 * time: a third less time over the bench corpus. Its pieces are small
 * because libxml2 moves what is left of its buffer down each time it has
 * consumed 4 KB (one piece the size of the document would take quadratic
 * time), and refuses more than XML_MAX_LOOKUP_LIMIT bytes waiting. */
#define PUSH_CHUNK (64 * 1024)

/* One pass of the SAX parser over s[0..n) into st: the push parser when
 * push, else the pull parser. Returns whether the document was
 * well-formed. */
static int parse_once(struct state *st, const char *s, size_t n, int push)
{
    xmlParserCtxtPtr ctxt;
    if (push) {
        xmlSAXHandler sax;
        sax_init(&sax);
        /* no bytes yet: the first ones would choose an encoding before
         * the options say to ignore the declaration */
        ctxt = xmlCreatePushParserCtxt(&sax, st, NULL, 0, st->doc_base);
    } else {
        ctxt = xmlNewParserCtxt();
        if (ctxt) {
            sax_init(ctxt->sax);
            ctxt->userData = st;
        }
    }
    if (!ctxt)
        die(71, "out of memory creating an XML parser");
    st->ctxt = ctxt;
    xmlSetStructuredErrorFunc(st, on_error);
    if (push) {
        xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
        /* a stopped parser (xmlStopParser: entities, depth, not a feed)
         * is in state EOF and reads no more */
        size_t off = 0;
        do {
            size_t k = n - off < PUSH_CHUNK ? n - off : PUSH_CHUNK;
            xmlParseChunk(ctxt, s + off, (int)k, off + k == n);
            off += k;
        } while (off < n && ctxt->instate != XML_PARSER_EOF);
    } else {
        xmlDocPtr none_doc = xmlCtxtReadMemory(ctxt, s, (int)n, st->doc_base,
                                               NULL, PARSE_OPTIONS);
        if (none_doc)
            xmlFreeDoc(none_doc);
    }
    xmlSetStructuredErrorFunc(NULL, on_global_error);
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    int well_formed = ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    st->ctxt = NULL;
    return well_formed;
}

static struct state *state_new(struct feed *out,
                               const struct feed_options *opt)
{
    struct state *st = xcalloc(1, sizeof *st);
    st->out = out;
    st->doc_base = opt->base_url;
    st->max_items = opt->max_items ? opt->max_items : LIMIT_ITEMS_PER_DOC;
    st->cap = F_NONE;
    scope_init(&st->chan);
    scope_init(&st->item);
    return st;
}

static void state_free(struct state *st)
{
    scope_release(&st->chan);
    scope_release(&st->item);
    while (st->nbases)
        free(st->bases[--st->nbases].uri);
    free(st);
}

enum feed_error feed_parse(const char *doc, size_t n,
                           const struct feed_options *opt, struct feed *out,
                           char *err, size_t errlen)
{
    static const struct feed_options none = {NULL, NULL, 0};
    enum feed_error rc = FEED_OK;
    if (!opt)
        opt = &none;
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    if (n > LIMIT_BODY_BYTES) {
        snprintf(err, errlen, "larger than %u bytes", LIMIT_BODY_BYTES);
        return FEED_ERR_TOO_BIG;
    }

    struct charset_result cs;
    char cs_warn[128];
    charset_to_utf8(doc, n, opt->http_charset, 0, &cs, cs_warn, sizeof cs_warn);
    /* blank lines before the XML declaration (PHP includes) are common and
     * harmless; XML would refuse the declaration after them */
    size_t start = 0;
    while (start < cs.len && IS_SPACE(cs.data[start]))
        start++;
    if (start == cs.len) {
        free(cs.data);
        snprintf(err, errlen, "not a feed (empty document)");
        return FEED_ERR_MALFORMED;
    }

    /* The push parser first. It reads a well-formed document as the pull
     * parser does, but recovers from less: at an invalid start tag ("a <
     * b" in a title) it gives up on the rest of the document. So a broken
     * document is read again, by the pull parser, and everything after
     * this (degraded, the error reported, the ampersand repair) is as the
     * pull parser alone made it. */
    struct state *st = state_new(out, opt);
    int well_formed = parse_once(st, cs.data + start, cs.len - start, 1);
    if (!well_formed) {
        state_free(st);
        feed_free(out);
        st = state_new(out, opt);
        well_formed = parse_once(st, cs.data + start, cs.len - start, 0);
    }
    if (!well_formed && !st->hostile && !st->too_deep && !st->not_feed &&
        st->root_seen) {
        /* broken: if bare ampersands are why, parse a repaired copy (still
         * degraded, with the first error of the original) */
        size_t fixed_len;
        char *fixed = repair_ampersands(cs.data + start, cs.len - start,
                                        &fixed_len);
        if (fixed) {
            struct state *again = state_new(out, opt);
            feed_free(out);
            parse_once(again, fixed, fixed_len, 0);
            free(fixed);
            memcpy(again->first_err, st->first_err, sizeof st->first_err);
            memcpy(again->any_err, st->any_err, sizeof st->any_err);
            state_free(st);
            st = again;
        }
    }
    free(cs.data);
    snprintf(out->encoding, sizeof out->encoding, "%s", cs.encoding);

    if (st->hostile) {
        snprintf(err, errlen, "document declares entities (refused)");
        rc = FEED_ERR_HOSTILE;
    } else if (st->too_deep) {
        snprintf(err, errlen,
                 "document nested deeper than %d elements (refused)",
                 LIMIT_XML_DEPTH);
        rc = FEED_ERR_HOSTILE;
    } else if (!st->root_seen) {
        snprintf(err, errlen, "not a feed (not XML)");
        rc = FEED_ERR_MALFORMED;
    } else if (st->not_feed) {
        snprintf(err, errlen, "not a feed (root element <%s>)", st->root_name);
        rc = FEED_ERR_NOT_FEED;
    } else {
        finish_channel(st);
        out->degraded = !well_formed;
        out->item_limit = st->max_items;
        if (out->degraded)
            snprintf(err, errlen, "%s",
                     st->first_err[0] ? st->first_err
                     : st->any_err[0] ? st->any_err : "not well-formed");
        else
            snprintf(err, errlen, "%s", cs_warn);
    }
    state_free(st);
    if (rc != FEED_OK)
        feed_free(out);
    return rc;
}

void feed_item_release(struct feed_item *it)
{
    free(it->id);
    free(it->title);
    free(it->link);
    free(it->author);
    free(it->summary);
    free(it->content);
    for (size_t i = 0; i < it->ncategories; i++)
        free(it->categories[i]);
    free(it->categories);
    memset(it, 0, sizeof *it);
}

void feed_free(struct feed *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nitems; i++)
        feed_item_release(&f->items[i]);
    free(f->items);
    free(f->title);
    free(f->link);
    char enc[sizeof f->encoding];
    memcpy(enc, f->encoding, sizeof enc);
    memset(f, 0, sizeof *f);
    memcpy(f->encoding, enc, sizeof enc);
}
