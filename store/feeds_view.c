/* feeds_view.c - `bantin feeds`: per configured feed, its health from the store. */
#include "store/feeds_view.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <utf8proc.h>

#include "store/view_text.h"
#include "util/buf.h"
#include "util/util.h"

/* Display columns of the TITLE column and of the last error in NOTES. */
#define TITLE_COLS 30
#define ERROR_COLS 80

static void unknown_row(struct store_feed *r)
{
    memset(r, 0, sizeof *r);
    r->first_fetch = r->last_attempt = r->last_ok = TIME_NONE;
    r->next_attempt = r->created = TIME_NONE;
    r->id_mode = STORE_ID_GUID;
}

/* The configured title, else the one the feed document gives itself. */
static const char *display_title(const struct store_feed_view *fv)
{
    if (fv->cf->title)
        return fv->cf->title;
    return fv->known ? fv->row.doc_title : NULL;
}

static int by_id(const void *key, const void *elem)
{
    return strcmp(key, ((const struct store_feed *)elem)->id);
}

/* Move the strings and numbers of src into dst (src is left with NULLs). */
static void take_row(struct store_feed *dst, struct store_feed *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

int store_feeds_view_load(const struct config *cfg, int64_t now,
                          struct store_feeds_view *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->n = cfg->nfeeds;
    out->v = xcalloc(cfg->nfeeds ? cfg->nfeeds : 1, sizeof *out->v);

    struct store_feed *rows = NULL;
    size_t nrows = 0;
    struct stat sb;
    if (stat(cfg->database, &sb) != 0 && errno == ENOENT) {
        /* `bantin feeds` before the first fetch: nothing to show but the
         * config, and no reason to create a database for it */
        out->no_database = 1;
    } else {
        struct store *s;
        if (store_open(cfg->database, &s, err, errlen) != 0) {
            store_feeds_view_free(out);
            return -1;
        }
        if (store_feed_list(s, now, &rows, &nrows) != 0) {
            snprintf(err, errlen, "%s", store_error(s));
            store_close(s);
            store_feeds_view_free(out);
            return -1;
        }
        store_close(s);
    }

    /* store_feed_list orders by id in SQLite's BINARY collation, which is
     * strcmp's order. Look every feed up before moving any row out, which
     * leaves a hole bsearch could meet. */
    struct store_feed **match = xcalloc(cfg->nfeeds ? cfg->nfeeds : 1,
                                        sizeof *match);
    for (size_t i = 0; i < cfg->nfeeds && nrows; i++)
        match[i] = bsearch(cfg->feeds[i].id, rows, nrows, sizeof *rows, by_id);
    for (size_t i = 0; i < cfg->nfeeds; i++) {
        struct store_feed_view *fv = &out->v[i];
        struct store_feed *r = match[i];
        fv->cf = &cfg->feeds[i];
        unknown_row(&fv->row);
        if (r && r->url && strcmp(r->url, fv->cf->url) != 0) {
            /* store_feed_sync will reset its fetch state: only the items
             * it already brought stay */
            fv->url_changed = 1;
            fv->row.items = r->items;
            fv->row.items_7d = r->items_7d;
        } else if (r) {
            take_row(&fv->row, r);
            fv->known = 1;
        }
        fv->state = fv->known ? store_feed_state(&fv->row) : "new";
    }
    free(match);
    store_feed_list_free(rows, nrows);
    return 0;
}

void store_feeds_view_free(struct store_feeds_view *view)
{
    for (size_t i = 0; view->v && i < view->n; i++)
        store_feed_release(&view->v[i].row);
    free(view->v);
    memset(view, 0, sizeof *view);
}

/* ---- the table ---------------------------------------------------------- */

static void add_note(struct buf *notes, const char *s)
{
    if (notes->len)
        buf_addstr(notes, "; ");
    buf_addstr(notes, s);
}

static void notes_of(const struct store_feed_view *fv, struct buf *notes)
{
    const struct store_feed *r = &fv->row;
    if (fv->known && r->last_error && r->last_error[0])
        view_add_cols(notes, r->last_error, ERROR_COLS);
    if (!fv->cf->enabled)
        add_note(notes, "disabled");
    if (fv->url_changed)
        add_note(notes, "url changed: state starts afresh on the next fetch");
    if (fv->known && r->gone) {
        char *m = xasprintf("no longer fetched ('bantin fetch %s' retries)",
                            fv->cf->id);
        add_note(notes, m);
        free(m);
    }
    if (fv->known && r->id_mode == STORE_ID_LINK)
        add_note(notes, "ids: link (guids unstable)");
    if (fv->known && r->degraded && r->fail_count == 0)
        add_note(notes, "broken XML, read in recovery mode");
    if (fv->known && r->stored_url && strcmp(r->stored_url, r->url) != 0) {
        char *m = xasprintf("moved to %s", r->stored_url);
        add_note(notes, m);
        free(m);
    }
    if (fv->cf->type == CONFIG_FEED_HTML)
        add_note(notes, "html page");
}

int store_feeds_view_write_table(const struct store_feeds_view *view,
                                 int tz_offset, FILE *out)
{
    size_t wid = 2;     /* "ID" */
    for (size_t i = 0; i < view->n; i++) {
        size_t n = strlen(view->v[i].cf->id);
        if (n > wid)
            wid = n;
    }
    struct buf line, notes;
    buf_init(&line, 64 * 1024);
    buf_init(&notes, 16 * 1024);
    buf_addstr(&line, "ID");
    view_pad(&line, 2, wid);
    fprintf(out, "%s  %-8s  %-16s  %-16s  %6s  %4s  %-*s  %s\n", line.data,
            "STATE", "LAST OK", "NEXT ATTEMPT", "ITEMS", "7D", TITLE_COLS,
            "TITLE", "NOTES");
    for (size_t i = 0; i < view->n; i++) {
        const struct store_feed_view *fv = &view->v[i];
        const struct store_feed *r = &fv->row;
        char last_ok[64], next[64];
        view_format_local(r->last_ok, tz_offset, last_ok, sizeof last_ok);
        /* a gone or disabled feed has no next attempt to speak of */
        view_format_local(r->gone || !fv->cf->enabled ? TIME_NONE : r->next_attempt,
                     tz_offset, next, sizeof next);
        buf_reset(&line);
        buf_reset(&notes);
        buf_addstr(&line, fv->cf->id);
        view_pad(&line, strlen(fv->cf->id), wid);
        char *mid = xasprintf("  %-8s  %-16s  %-16s  %6lld  %4lld  ", fv->state,
                              last_ok, next, (long long)r->items,
                              (long long)r->items_7d);
        buf_addstr(&line, mid);
        free(mid);
        const char *title = display_title(fv);
        size_t used = view_add_cols(&line, title ? title : "-", TITLE_COLS);
        notes_of(fv, &notes);
        if (notes.len) {
            view_pad(&line, used, TITLE_COLS);
            buf_addstr(&line, "  ");
            buf_addstr(&line, notes.data);
        }
        fprintf(out, "%s\n", line.data);
    }
    buf_release(&line);
    buf_release(&notes);
    return ferror(out) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------- */

int store_feeds_view_write_json(const struct store_feeds_view *view,
                                FILE *out)
{
    json_t *list = json_array();
    for (size_t i = 0; i < view->n; i++) {
        const struct store_feed_view *fv = &view->v[i];
        const struct store_feed *r = &fv->row;
        json_t *o = json_object();
        json_object_set_new(o, "id", view_json_str(fv->cf->id));
        json_object_set_new(o, "url", view_json_str(fv->cf->url));
        json_object_set_new(o, "title", view_json_str(display_title(fv)));
        json_object_set_new(o, "state", json_string(fv->state));
        json_object_set_new(o, "last_ok", view_json_time(r->last_ok));
        json_object_set_new(o, "last_error",
                            view_json_str(fv->known ? r->last_error : NULL));
        json_object_set_new(o, "items", json_integer(r->items));
        json_object_set_new(o, "items_7d", json_integer(r->items_7d));
        json_object_set_new(o, "next_attempt",
                            view_json_time(r->gone || !fv->cf->enabled ? TIME_NONE
                                                             : r->next_attempt));
        json_object_set_new(o, "id_mode", json_string(
                                r->id_mode == STORE_ID_LINK ? "link" : "guid"));
        json_object_set_new(o, "disabled", json_boolean(!fv->cf->enabled));
        json_array_append_new(list, o);
    }
    int rc = json_dumpf(list, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(list);
    if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
        return -1;
    return 0;
}
