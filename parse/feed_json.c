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
    return json_string_nocheck(buf);
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

/* Set the members of o, one object reused for every item: its keys stay
 * where they are, each set only replaces a value. */
static void item_object(json_t *o, const struct feed_item *it)
{
    json_object_set_new_nocheck(o, "id", str(it->id));
    json_object_set_new_nocheck(o, "title", str(it->title));
    json_object_set_new_nocheck(o, "link", str(it->link));
    json_object_set_new_nocheck(o, "published", when(it->published));
    json_object_set_new_nocheck(o, "updated", when(it->updated));
    json_object_set_new_nocheck(o, "author", str(it->author));
    json_object_set_new_nocheck(o, "summary", str(it->summary));
    json_object_set_new_nocheck(o, "content", str(it->content));
    json_t *cats = json_array();
    for (size_t j = 0; j < it->ncategories; j++)
        json_array_append_new(cats, str(it->categories[j]));
    json_object_set_new_nocheck(o, "categories", cats);
}

int feed_json_write(const struct feed *f, FILE *out)
{
    json_t *feed = json_object();
    json_object_set_new_nocheck(feed, "title", str(f->title));
    json_object_set_new_nocheck(feed, "link", str(f->link));
    json_object_set_new_nocheck(feed, "kind",
                                json_string_nocheck(kind_name(f->kind)));
    if (f->degraded)
        json_object_set_new_nocheck(feed, "degraded", json_true());

    /* {"feed":FEED,"items":[ITEM,...]}, compact and one line: the output is
     * for programs and pipes. jansson dumps every object (and does all the
     * escaping); only the fixed skeleton is ours. One item object at a
     * time, so the feed is never copied whole into a jansson tree. Dumped
     * to memory first, so that a failed dump prints nothing (and because
     * json_dumpf makes one stdio call per string piece). */
    struct buf b;
    buf_init(&b, (size_t)-1 / 2);
    buf_add(&b, "{\"feed\":", 8);
    int rc = json_dump_callback(feed, add_chunk, &b, JSON_COMPACT);
    json_decref(feed);
    buf_add(&b, ",\"items\":[", 10);
    json_t *o = json_object();
    for (size_t i = 0; rc == 0 && i < f->nitems; i++) {
        if (i)
            buf_addc(&b, ',');
        item_object(o, &f->items[i]);
        rc = json_dump_callback(o, add_chunk, &b, JSON_COMPACT);
    }
    json_decref(o);
    buf_add(&b, "]}\n", 3);
    if (rc != 0 || fwrite(b.data, 1, b.len, out) != b.len || ferror(out))
        rc = -1;
    buf_release(&b);
    return rc;
}
