/* feed_json.c - a parsed feed as the JSON object of DESIGN.md ("bantin parse"). */
#include "feed.h"

#include <jansson.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/util.h"

/* A JSON string, or null for NULL. Every string of a parsed feed is valid
 * UTF-8 by construction (charset.c validates the document, text_clean
 * replaces what is left, links are ASCII), so jansson's own check, a third
 * of the output's cost, is skipped; jansson still escapes, and its dumper
 * still refuses invalid UTF-8 (then the write fails, nothing bad is
 * printed). */
static json_t *str(const char *s)
{
    return s ? json_string_nocheck(s) : json_null();
}

static json_t *when(int64_t t)
{
    if (t == TIME_NONE)
        return json_null();
    char buf[32];
    time_format_utc(t, buf, sizeof buf);
    return json_string(buf);
}

static int add_chunk(const char *s, size_t n, void *data)
{
    return buf_add(data, s, n);
}

static const char *kind_name(enum feed_kind k)
{
    switch (k) {
    case FEED_RDF: return "rdf";
    case FEED_ATOM: return "atom";
    case FEED_HTML: return "html";
    default: return "rss";
    }
}

int feed_json_write(const struct feed *f, FILE *out)
{
    json_t *root = json_object();
    json_t *feed = json_object();
    json_object_set_new(feed, "title", str(f->title));
    json_object_set_new(feed, "link", str(f->link));
    json_object_set_new(feed, "kind", json_string(kind_name(f->kind)));
    if (f->degraded)
        json_object_set_new(feed, "degraded", json_true());
    json_object_set_new(root, "feed", feed);

    json_t *items = json_array();
    for (size_t i = 0; i < f->nitems; i++) {
        const struct feed_item *it = &f->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", str(it->id));
        json_object_set_new(o, "title", str(it->title));
        json_object_set_new(o, "link", str(it->link));
        json_object_set_new(o, "published", when(it->published));
        json_object_set_new(o, "updated", when(it->updated));
        json_object_set_new(o, "author", str(it->author));
        json_object_set_new(o, "summary", str(it->summary));
        json_object_set_new(o, "content", str(it->content));
        json_t *cats = json_array();
        for (size_t j = 0; j < it->ncategories; j++)
            json_array_append_new(cats, str(it->categories[j]));
        json_object_set_new(o, "categories", cats);
        json_array_append_new(items, o);
    }
    json_object_set_new(root, "items", items);

    /* compact and one line: the output is for programs and pipes. Dumped
     * to memory first: json_dumpf makes one stdio call per string piece. */
    struct buf b;
    buf_init(&b, (size_t)-1 / 2);
    int rc = json_dump_callback(root, add_chunk, &b,
                                JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc == 0)
        buf_addc(&b, '\n');
    if (rc != 0 || fwrite(b.data, 1, b.len, out) != b.len || ferror(out))
        rc = -1;
    buf_release(&b);
    return rc;
}
