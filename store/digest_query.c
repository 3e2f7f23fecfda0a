/* digest_query.c - read the items of a digest window, with their sources. */
#include "store/digest_query.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

static const char items_sql[] =
    "SELECT id, title, link, summary, published, first_seen FROM items"
    " WHERE first_seen >= ?1 AND first_seen < ?2"
    " ORDER BY first_seen, id LIMIT ?3";

/* Sources of the same window (items_first_seen index); rows of items past
 * the cap are skipped by the caller. */
static const char sources_sql[] =
    "SELECT s.item_id, s.feed_id, COALESCE(f.title, f.doc_title), s.title,"
    " s.link, s.first_seen"
    " FROM items i JOIN item_sources s ON s.item_id = i.id"
    " LEFT JOIN feeds f ON f.id = s.feed_id"
    " WHERE i.first_seen >= ?1 AND i.first_seen < ?2"
    " ORDER BY s.item_id, s.first_seen, s.feed_id";

/* A text column as a malloc'd string; NULL for NULL or "". */
static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t && *t ? xstrdup((const char *)t) : NULL;
}

static int64_t col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? TIME_NONE : (int64_t)sqlite3_column_int64(st, i);
}

/* Index of items by id, for attaching the sources. */
struct by_id {
    int64_t id;
    size_t index;
};

static int cmp_by_id(const void *a, const void *b)
{
    int64_t x = ((const struct by_id *)a)->id, y = ((const struct by_id *)b)->id;
    return (x > y) - (x < y);
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st,
                   int64_t from, int64_t to)
{
    sqlite3 *db = store_db(s);
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(*st, 1, from);
    sqlite3_bind_int64(*st, 2, to);
    return 0;
}

static int read_items(struct store *s, int64_t from, int64_t to, size_t max,
                      struct store_digest_item **out, size_t *n, int *more)
{
    sqlite3_stmt *st;
    if (prepare(s, items_sql, &st, from, to) < 0)
        return -1;
    /* One row past the cap tells whether the cap cut anything. */
    sqlite3_bind_int64(st, 3, max ? (sqlite3_int64)max + 1 : -1);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (max && *n == max) {
            *more = 1;
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct store_digest_item *it = &(*out)[(*n)++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->title = col_text(st, 1);
        it->link = col_text(st, 2);
        it->summary = col_text(st, 3);
        it->published = col_time(st, 4);
        it->first_seen = col_time(st, 5);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(store_db(s)));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

static int read_sources(struct store *s, int64_t from, int64_t to,
                        struct store_digest_item *items, size_t n)
{
    if (n == 0)
        return 0;
    struct by_id *ix = xmalloc(n * sizeof *ix);
    for (size_t i = 0; i < n; i++) {
        ix[i].id = items[i].id;
        ix[i].index = i;
    }
    qsort(ix, n, sizeof *ix, cmp_by_id);
    sqlite3_stmt *st;
    if (prepare(s, sources_sql, &st, from, to) < 0) {
        free(ix);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct by_id key = { sqlite3_column_int64(st, 0), 0 };
        struct by_id *hit = bsearch(&key, ix, n, sizeof *ix, cmp_by_id);
        if (!hit)
            continue;           /* an item past the cap */
        struct store_digest_item *it = &items[hit->index];
        /* Rows come grouped by item: grow by one, amortized by doubling
         * at powers of two. */
        size_t k = it->nsources;
        if ((k & (k - 1)) == 0)
            it->sources = xrealloc(it->sources,
                                   (k ? 2 * k : 1) * sizeof *it->sources);
        struct store_digest_source *src = &it->sources[k];
        src->feed = col_text(st, 1);
        src->feed_title = col_text(st, 2);
        src->title = col_text(st, 3);
        src->link = col_text(st, 4);
        src->first_seen = col_time(st, 5);
        it->nsources = k + 1;
    }
    free(ix);
    if (rc != SQLITE_DONE) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(store_db(s)));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

int store_digest_items(struct store *s, int64_t from, int64_t to, size_t max,
                       struct store_digest_item **out, size_t *n, int *more)
{
    int dummy;
    *out = NULL;
    *n = 0;
    if (!more)
        more = &dummy;
    *more = 0;
    sqlite3 *db = store_db(s);
    /* A deferred BEGIN takes no lock and writes nothing; it makes the two
     * SELECTs read one snapshot while a fetch may be committing. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        store_set_error(s, "digest query: %s", sqlite3_errmsg(db));
        return -1;
    }
    int rc = read_items(s, from, to, max, out, n, more);
    if (rc == 0)
        rc = read_sources(s, from, to, *out, *n);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc < 0) {
        store_digest_items_free(*out, *n);
        *out = NULL;
        *n = 0;
        *more = 0;
    }
    return rc;
}

void store_digest_items_free(struct store_digest_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct store_digest_item *it = &items[i];
        for (size_t k = 0; k < it->nsources; k++) {
            free(it->sources[k].feed);
            free(it->sources[k].feed_title);
            free(it->sources[k].title);
            free(it->sources[k].link);
        }
        free(it->sources);
        free(it->title);
        free(it->link);
        free(it->summary);
    }
    free(items);
}
